// Calls as they develop, in the dispatcher's console: edit an incident (E), add a note (T),
// close it with a disposition (C), the premise and hazard notes of its place, and the alert
// when a call goes back to the queue. Keyboard first: each dialog opens on its key, Enter
// saves, Esc cancels, and the focus returns where it was.

import { api } from "./api.js";
import { h, fill, kbd } from "./dom.js";
import { clock } from "./format.js";
import { container as alertBox } from "./alerts.js";
import { announce, toast } from "./ui.js";

const enc = encodeURIComponent;

// --------------------------------------------------------------------------------------
// dialogs

/** A modal dialog with a form; ``onSubmit(form)`` returns true to close it. */
export function dialog(id, title, fields, { submitLabel, onSubmit }) {
  const before = document.activeElement;
  const error = h("p", { class: "form-error", role: "alert", id: `${id}-error`, hidden: true });
  const form = h(
    "form",
    { method: "dialog", novalidate: true },
    fields,
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary", id: `${id}-submit` }, submitLabel, " ", kbd("Enter")),
      h("button", { type: "button", class: "btn", id: `${id}-cancel` }, "Cancel ", kbd("Esc")),
    ),
  );
  const box = h("dialog", { id, class: "dlg", "aria-labelledby": `${id}-h` }, h("h2", { id: `${id}-h` }, title), form);
  document.getElementById(id)?.remove();
  document.body.append(box);
  const close = () => {
    box.close();
    box.remove();
    if (before && document.contains(before)) before.focus();
  };
  box.addEventListener("cancel", (e) => {
    e.preventDefault();
    close();
  });
  form.querySelector(`#${id}-cancel`).addEventListener("click", close);
  form.addEventListener("keydown", (e) => {
    // Enter in a one-line field submits; in a text area it is a new line (Ctrl+Enter sends).
    if (e.key === "Enter" && e.target.tagName === "TEXTAREA" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector(`#${id}-submit`);
    button.disabled = true;
    error.hidden = true;
    try {
      if (await onSubmit(form)) close();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  box.showModal();
  (form.querySelector("[autofocus]") || form.querySelector("input, select, textarea"))?.focus();
  return { box, form, error };
}

export const labelled = (id, label, control) => [h("label", { for: id }, label), control];

// --------------------------------------------------------------------------------------
// edit

/**
 * Edit the call: type, priority, location, address, the caller's name and callback number.
 * ``ctx``: { callTypes: Map, put(incident) }.
 */
export function openEdit(inc, ctx) {
  const types = [...ctx.callTypes.values()].sort((a, b) => a.name.localeCompare(b.name));
  const pri = [1, 2, 3, 4, 5].map((p) => h("option", { value: String(p), selected: p === inc.priority }, `P${p}`));
  const input = (id, value, extra = {}) => h("input", { id, value: value ?? "", autocomplete: "off", ...extra });
  const fields = [
    ...labelled("edit-call-type", "Call type", h("select", { id: "edit-call-type" }, types.map((t) => h("option", { value: t.code, selected: t.code === inc.call_type }, t.name)))),
    ...labelled("edit-priority", "Priority", h("select", { id: "edit-priority" }, pri)),
    h(
      "div",
      { class: "row2" },
      h("div", {}, ...labelled("edit-lat", "Latitude", input("edit-lat", inc.location.lat.toFixed(5), { inputmode: "decimal" }))),
      h("div", {}, ...labelled("edit-lon", "Longitude", input("edit-lon", inc.location.lon.toFixed(5), { inputmode: "decimal" }))),
    ),
    ...labelled("edit-address", "Address", input("edit-address", inc.address, { maxlength: "300" })),
    h("p", { class: "hint" }, "A moved location finds its jurisdiction again; leave the address as it is to look it up anew."),
    ...labelled("edit-caller-name", h("span", {}, "Caller's name ", h("span", { class: "muted" }, "(personal)")), input("edit-caller-name", inc.caller_name, { maxlength: "200" })),
    ...labelled("edit-caller-phone", h("span", {}, "Callback number ", h("span", { class: "muted" }, "(personal)")), input("edit-caller-phone", inc.caller_phone, { maxlength: "40", inputmode: "tel" })),
  ];
  let base = inc;
  dialog("edit-dialog", `Edit #${inc.id}`, fields, {
    submitLabel: "Save",
    onSubmit: async (form) => {
      const v = (id) => form.querySelector(`#${id}`).value;
      const body = { version: base.version };
      if (v("edit-call-type") !== base.call_type) body.call_type = v("edit-call-type");
      if (Number(v("edit-priority")) !== base.priority) body.priority = Number(v("edit-priority"));
      const lat = Number(v("edit-lat").replace(",", "."));
      const lon = Number(v("edit-lon").replace(",", "."));
      if (!isFinite(lat) || !isFinite(lon)) throw new Error("Latitude and longitude must be numbers.");
      const moved = lat.toFixed(5) !== base.location.lat.toFixed(5) || lon.toFixed(5) !== base.location.lon.toFixed(5);
      if (moved) body.location = { lat, lon };
      // An address left as it was is looked up again for a moved location.
      const address = v("edit-address").trim();
      if (address !== (base.address ?? "")) body.address = address;
      if (v("edit-caller-name").trim() !== (base.caller_name ?? "")) body.caller_name = v("edit-caller-name").trim();
      if (v("edit-caller-phone").trim() !== (base.caller_phone ?? "")) body.caller_phone = v("edit-caller-phone").trim();
      if (Object.keys(body).length === 1) return true; // nothing changed
      try {
        const r = await api(`/incidents/${enc(inc.id)}`, { method: "PATCH", body });
        ctx.put(r);
        toast(`Saved #${inc.id}`, "ok", 3000);
        announce(`Incident ${inc.id} changed.`);
        return true;
      } catch (e) {
        if (e.code !== "stale_version") throw e;
        // Someone changed it meanwhile: take their version, keep what was typed, say so.
        base = await api(`/incidents/${enc(inc.id)}`);
        ctx.put(base);
        throw new Error("Someone changed this incident meanwhile: it has been reloaded. Check your changes and save again.");
      }
    },
  });
}

// --------------------------------------------------------------------------------------
// notes

/** A narrative note on the call's timeline. ``ctx``: { put(incident) }. */
export function openNote(inc, ctx) {
  const fields = labelled("note-text", "Note", h("textarea", { id: "note-text", rows: "4", maxlength: "4000", autofocus: true }));
  dialog("note-dialog", `Note on #${inc.id}`, [fields, h("p", { class: "hint" }, kbd("Ctrl"), "+", kbd("Enter"), " adds it.")], {
    submitLabel: "Add note",
    onSubmit: async (form) => {
      const text = form.querySelector("#note-text").value.trim();
      if (!text) throw new Error("Write the note first.");
      const r = await api(`/incidents/${enc(inc.id)}/notes`, { method: "POST", body: { text } });
      ctx.put(r.incident);
      toast("Note added", "ok", 2500);
      return true;
    },
  });
}

/** The call's notes (newest last), as a list on its card. */
export function narrative(inc) {
  const notes = inc.timeline.filter((e) => e.kind === "note");
  if (!notes.length) return null;
  return h(
    "section",
    { class: "narrative", "aria-labelledby": "narrative-h" },
    h("h3", { class: "sub", id: "narrative-h" }, `Notes (${notes.length})`),
    h(
      "ol",
      { id: "narrative-list" },
      notes.slice(-8).map((n) => h("li", {}, h("time", {}, clock(n.at)), " ", h("b", {}, n.actor), " ", h("span", { class: "note-text" }, n.detail))),
    ),
  );
}

// --------------------------------------------------------------------------------------
// close

/** Close with a disposition (1-9 or the arrow keys pick one) and a report number. */
export async function openClose(inc, ctx) {
  const rules = await api(`/closing?call_type=${enc(inc.call_type)}`);
  const options = rules.dispositions.map((d, n) =>
    h(
      "label",
      { class: "disp" },
      h("input", { type: "radio", name: "disposition", value: d.code, dataset: { n: String(n + 1) } }),
      n < 9 ? kbd(String(n + 1)) : null,
      " ",
      d.name,
    ),
  );
  const fields = [
    h("fieldset", { class: "dispositions", id: "close-dispositions" }, h("legend", {}, "Disposition"), options),
    ...labelled("close-report", h("span", {}, "Report number ", h("span", { class: "muted" }, "(if a report was written)")), h("input", { id: "close-report", maxlength: "32", autocomplete: "off", pattern: rules.report_number_pattern })),
  ];
  const active = inc.assignments.filter((a) => !a.cleared_at).length;
  const title = `Close #${inc.id}${active ? ` and free ${active} unit${active > 1 ? "s" : ""}` : ""}`;
  const { form } = dialog("close-dialog", title, fields, {
    submitLabel: "Close incident",
    onSubmit: async (f) => {
      const chosen = f.querySelector("input[name=disposition]:checked");
      if (!chosen) throw new Error("Pick a disposition.");
      const report = f.querySelector("#close-report").value.trim();
      const body = { disposition: chosen.value };
      if (report) body.report_number = report;
      const r = await api(`/incidents/${enc(inc.id)}/close`, { method: "POST", body });
      ctx.put(r);
      toast(`Closed #${inc.id}`, "ok", 3000);
      return true;
    },
  });
  form.querySelector("input[name=disposition]")?.focus();
  form.addEventListener("keydown", (e) => {
    if (e.target.id === "close-report" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Enter" && e.target.name === "disposition") {
      e.preventDefault(); // Enter on the picked disposition closes, as in the report field
      form.requestSubmit();
      return;
    }
    const pick = form.querySelector(`input[name=disposition][data-n="${CSS.escape(e.key)}"]`);
    if (pick) {
      e.preventDefault();
      pick.checked = true;
      pick.focus();
    }
  });
}

// --------------------------------------------------------------------------------------
// premise and hazard notes

const premiseCache = new Map(); // incident id -> { key, notes }
let premiseEpoch = 0; // bumped when any note changes

/** Forget what is known of the notes (a note was added, changed or removed). */
export function premiseNotesChanged() {
  premiseEpoch += 1;
  premiseCache.clear();
}

/** Fill ``box`` with the live notes covering the incident's place, hazards first. */
export async function showPremiseNotes(box, inc) {
  const key = `${premiseEpoch}:${inc.location.lat}:${inc.location.lon}:${inc.address}`;
  let known = premiseCache.get(inc.id);
  if (!known || known.key !== key) {
    try {
      known = { key, notes: await api(`/incidents/${enc(inc.id)}/premise-notes`) };
    } catch (e) {
      fill(box, h("p", { class: "muted small" }, `Premise notes: ${e.message}`));
      return;
    }
    premiseCache.set(inc.id, known);
  }
  if (!document.contains(box)) return;
  const notes = known.notes;
  fill(
    box,
    notes.length
      ? h(
          "ul",
          { class: "premise-notes", "aria-label": "Premise and hazard notes" },
          notes.map((n) =>
            h(
              "li",
              { class: `pn pn-${n.kind}` },
              h("b", { class: "pn-kind" }, n.kind === "hazard" ? "⚠ Hazard" : "Premise"),
              " ",
              h("span", { class: "pn-text" }, n.text),
              h("span", { class: "muted small" }, ` · ${n.address || `${n.radius_m} m around`}${n.expires_at ? ` · until ${clock(n.expires_at)} ${n.expires_at.slice(0, 10)}` : ""}`),
            ),
          ),
        )
      : null,
  );
  if (notes.some((n) => n.kind === "hazard")) box.setAttribute("role", "note");
}

/** The caller's details on the incident card (personal data: shown, never logged). */
export function callerFields(inc, field) {
  if (!inc.caller_name && !inc.caller_phone) return [];
  return [
    inc.caller_name ? field("Caller", null, inc.caller_name) : null,
    inc.caller_phone ? field("Callback", null, h("a", { href: `tel:${inc.caller_phone.replace(/[^0-9+]/g, "")}` }, inc.caller_phone)) : null,
  ];
}

/** How a closed call was closed. */
export function closedFields(inc, field) {
  return [
    inc.disposition ? field("Disposition", null, inc.disposition.replace(/_/g, " ")) : null,
    inc.report_number ? field("Report", null, inc.report_number) : null,
  ];
}

// --------------------------------------------------------------------------------------
// the requeue alert

/** ``incident.requeued``: the call is back in the queue with no unit. A P1 stays on screen
 * until dismissed (every priority also gets command.js's toast or announcement). */
export function requeueAlert(data, callTypeName, onShow) {
  const i = data.incident;
  const msg = `P${i.priority} ${callTypeName(i.call_type)} #${i.id} is back in the queue with no unit on it (${data.reason}).`;
  // Every priority gets command.js's toast and announcement; a P1 also stays on screen.
  if (i.priority !== 1) return;
  const box = alertBox();
  box.querySelector(`[data-incident="${CSS.escape(i.id)}"]`)?.remove();
  const show = h("button", { type: "button", class: "btn btn-sm" }, "Show");
  const dismiss = h("button", { type: "button", class: "btn btn-sm btn-ghost", "aria-label": "Dismiss the alert" }, "Dismiss");
  const item = h("div", { class: "requeue-alert", role: "alert", dataset: { incident: i.id } }, h("b", {}, "Requeued P1 "), msg.slice(msg.indexOf(" ") + 1), " ", show, dismiss);
  show.addEventListener("click", () => onShow(i.id));
  dismiss.addEventListener("click", () => item.remove());
  box.append(item);
}
