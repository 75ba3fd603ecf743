// Dispatch in command, on the console: override a sharing rule with a reason, divert a unit
// from a less urgent call, recall a unit, set any unit's status from the unit board (a
// radioed status; out of service with a reason), and the alert when a call goes back to the
// queue. Everything through the public API; the console's state comes in through init().

import { api } from "./api.js";
import { h, fill, kbd } from "./dom.js";
import { eta, status as statusText } from "./format.js";
import { announce, showError, toast } from "./ui.js";

const OVERRIDABLE = new Set(["policy_forbids", "reserve_kept"]);
const COMMITTED = new Set(["dispatched", "en_route", "on_scene"]);
//: The statuses a dispatcher sets from the board, with their keys.
const RADIOED = [
  { status: "en_route", key: "E", label: "En route" },
  { status: "on_scene", key: "O", label: "On scene" },
  { status: "available", key: "A", label: "Available" },
  { status: "out_of_service", key: "X", label: "Out of service" },
];
const $ = (sel) => document.querySelector(sel);

let C = null; // the console: { S, putIncident, putUnit, renderAll, loadRec, selectedIncident, callTypeName }
let pending = null; // what the open dialog will do on submit
let opener = null; // the control that opened the dialog, focused again when it closes
let focusedOverride = null; // the unit whose Override button has the focus

export function init(console) {
  C = console;
  const dialog = $("#command-dialog");
  $("#command-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  $("#command-cancel").addEventListener("click", () => dialog.close());
  // Enter in the reason submits (Shift+Enter for a new line): keyboard first.
  $("#command-reason").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  });
  dialog.addEventListener("close", () => {
    pending = null;
    opener?.focus?.();
    opener = null;
  });
  dialog.addEventListener("keydown", (e) => {
    // In the status dialog the letters choose a status (unless typing the reason).
    if (pending?.kind !== "status" || e.target.tagName === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    const choice = RADIOED.find((r) => r.key === e.key.toUpperCase());
    if (choice && !$(`#command-choices [data-status="${choice.status}"]`)?.disabled) {
      e.preventDefault();
      chooseStatus(choice.status);
    }
  });
  $("#rec-diversions").addEventListener("click", (e) => {
    const b = e.target.closest(".divert-one");
    if (b) divert(b.dataset.unit);
  });
  $("#rec-excluded-list").addEventListener("click", (e) => {
    const b = e.target.closest(".override-one");
    if (b) openOverride(b.dataset.unit, b);
  });
  // A live change redraws the recommendation: the focused Override button is replaced by
  // its new copy, and the focus goes with it (see renderRecExtras).
  $("#rec-excluded-list").addEventListener("focusin", (e) => {
    focusedOverride = e.target.closest(".override-one")?.dataset.unit ?? null;
  });
  $("#rec-excluded-list").addEventListener("focusout", (e) => {
    if (e.relatedTarget) focusedOverride = null;
  });
  $("#incident-detail").addEventListener("click", (e) => {
    const b = e.target.closest(".recall-one");
    if (b) recall(b.dataset.unit, b);
  });
  $("#units-body").addEventListener("click", (e) => {
    const b = e.target.closest(".status-one");
    if (b) {
      e.stopPropagation();
      openStatus(b.dataset.unit, b);
    }
  });
}

// --------------------------------------------------------------------------------------
// rendering: called by the console's renderers

/** The diversion offers, and an Override button on each excluded unit a sharing rule
 * excluded (for those who may override). */
export function renderRecExtras(rec) {
  const offers = rec.diversions ?? [];
  const box = $("#rec-diversions");
  box.hidden = !offers.length;
  fill(
    box,
    offers.length ? h("h4", { class: "sub" }, "Divert from a less urgent call ", kbd("D")) : null,
    h(
      "ul",
      { class: "diversions" },
      offers.map((o) =>
        h(
          "li",
          { dataset: { unit: o.unit_id } },
          h("span", { class: "u-id" }, o.unit_id),
          " ",
          h("span", { class: "muted small" }, o.summary),
          " ",
          h("button", { type: "button", class: "btn btn-xs divert-one", dataset: { unit: o.unit_id }, "aria-label": `Divert ${o.unit_id}: ${o.summary}` }, "Divert"),
        ),
      ),
    ),
  );
  const lost = !document.activeElement || document.activeElement === document.body;
  for (const li of $("#rec-excluded-list").children) {
    const e = rec.excluded.find((x) => x.unit_id === li.dataset.unit);
    if (e && rec.may_override && OVERRIDABLE.has(e.code)) {
      const b = h("button", { type: "button", class: "btn btn-xs btn-warn override-one", dataset: { unit: e.unit_id }, "aria-label": `Override for ${e.unit_id}` }, "Override…");
      li.append(" ", b);
      if (lost && focusedOverride === e.unit_id && !$("#command-dialog").open) b.focus();
    }
  }
}

/** A Recall button beside each unit still on the incident. */
export function recallButton(inc, assignment) {
  if (assignment.cleared_at || !["received", "dispatched", "en_route", "on_scene"].includes(inc.status)) return null;
  return h("button", { type: "button", class: "btn btn-xs recall-one", dataset: { unit: assignment.unit_id }, "aria-label": `Recall ${assignment.unit_id}` }, "Recall");
}

/** The unit board's status cell: the status, why it is out of service, and the button that
 * sets a radioed status. */
export function statusCell(u) {
  return [
    h("span", { class: `pill st-${u.status}`, title: u.status_reason || null }, statusText(u.status)),
    u.status_reason ? h("span", { class: "muted small oos-reason" }, ` ${u.status_reason}`) : null,
    " ",
    h("button", { type: "button", class: "btn btn-xs status-one", dataset: { unit: u.id }, "aria-label": `Set status of ${u.id}` }, "Set…"),
  ];
}

// --------------------------------------------------------------------------------------
// events and keys

/** ``incident.requeued``: the call is back in the queue, an alert for the floor. */
export function onEvent(type, data) {
  if (type !== "incident.requeued" || !data.incident) return;
  const i = data.incident;
  const msg = `Back in the queue: P${i.priority} ${C.callTypeName(i.call_type)} (#${i.id}) — ${data.reason}`;
  if (i.priority !== 1) toast(msg, "warn", 10000); // a P1 stays on screen (incident-edits.js)
  announce(msg);
  C.S.fresh.add(i.id);
  setTimeout(() => {
    C.S.fresh.delete(i.id);
    C.renderAll();
  }, 5000);
}

/** The console's keys for command: D divert the nearest offer, O override (the first
 * excluded unit one may override), R recall (the incident's only unit, or the first's
 * button), S set the status of the unit whose row has the focus. */
export function onKey(lower, e) {
  const inc = C.selectedIncident();
  if (lower === "d" && inc && C.S.rec?.diversions?.length && !$("#rec-panel").hidden) {
    divert(C.S.rec.diversions[0].unit_id);
    return true;
  }
  if (lower === "o" && inc && !$("#rec-panel").hidden) {
    const b = $("#rec-excluded-list .override-one");
    if (!b) return false;
    $("#rec-excluded").open = true;
    b.focus();
    return true;
  }
  if (lower === "r" && inc) {
    const buttons = [...document.querySelectorAll("#incident-detail .recall-one")];
    if (buttons.length === 1) recall(buttons[0].dataset.unit, buttons[0]);
    else buttons[0]?.focus();
    return buttons.length > 0;
  }
  if (lower === "s") {
    const row = e.target.closest?.("#units-body tr[data-id]");
    if (!row) return false;
    openStatus(row.dataset.id, row.querySelector(".status-one"));
    return true;
  }
  return false;
}

// --------------------------------------------------------------------------------------
// actions

async function divert(unitId) {
  const inc = C.selectedIncident();
  const offer = C.S.rec?.diversions?.find((o) => o.unit_id === unitId);
  if (!inc || !offer || C.S.busy) return;
  if (!confirm(`Divert ${unitId} to P${inc.priority} ${C.callTypeName(inc.call_type)}? (${offer.summary})`)) return;
  C.S.busy = true;
  try {
    const r = await api(`/incidents/${encodeURIComponent(inc.id)}/diversions`, { method: "POST", body: { unit_id: unitId } });
    C.putIncident(r.incident);
    C.putIncident(r.diverted_from);
    C.putUnit(r.unit);
    const msg = `Diverted ${unitId} to P${inc.priority} ${C.callTypeName(inc.call_type)} (ETA ${eta(r.eta_seconds)})`;
    toast(msg, "ok", 4000);
    announce(msg);
  } catch (e) {
    toast(`Could not divert ${unitId}: ${e.message}`);
  } finally {
    C.S.busy = false;
  }
  C.renderAll();
  C.loadRec();
}

async function recall(unitId, button) {
  const inc = C.selectedIncident();
  if (!inc) return;
  openDialog(
    {
      kind: "recall",
      title: `Recall ${unitId} from P${inc.priority} ${C.callTypeName(inc.call_type)}`,
      hint: "The unit is available again; the call goes back to the queue if no unit is left on it.",
      reasonLabel: "Reason (optional)",
      required: false,
      submitLabel: "Recall",
      run: async (reason) => {
        const r = await api(`/incidents/${encodeURIComponent(inc.id)}/assignments/${encodeURIComponent(unitId)}/recall`, { method: "POST", body: { reason } });
        C.putIncident(r.incident);
        C.putUnit(r.unit);
        toast(`Recalled ${unitId}${r.requeued ? ": the call is back in the queue" : ""}`, "ok", 4000);
      },
    },
    button,
  );
}

function openOverride(unitId, button) {
  const inc = C.selectedIncident();
  const e = C.S.rec?.excluded?.find((x) => x.unit_id === unitId);
  if (!inc || !e) return;
  openDialog(
    {
      kind: "override",
      title: `Override: assign ${unitId} to P${inc.priority} ${C.callTypeName(inc.call_type)}`,
      hint: `Excluded (${e.code}): ${e.reason}. The override is marked on the timeline, in the change log and in the audit log.`,
      reasonLabel: "Reason (required)",
      required: true,
      submitLabel: "Assign over the rule",
      run: async (reason) => {
        const r = await api(`/incidents/${encodeURIComponent(inc.id)}/assignments`, { method: "POST", body: { unit_id: unitId, override: { reason } } });
        C.putIncident(r.incident);
        C.putUnit(r.unit);
        const msg = `Assigned ${unitId} over ${r.override?.rule ?? "the rule"} (ETA ${eta(r.eta_seconds)})`;
        toast(msg, "ok", 4000);
        announce(msg);
        C.loadRec();
      },
    },
    button,
  );
}

function openStatus(unitId, button) {
  const u = C.S.units.get(unitId);
  if (!u) return;
  openDialog(
    {
      kind: "status",
      unit: u,
      title: `Status of ${unitId} (radioed)`,
      hint: `Now ${statusText(u.status)}${u.status_reason ? `: ${u.status_reason}` : ""}. Press a letter, or pick one; out of service needs a reason.`,
      reasonLabel: "Reason (required for out of service)",
      required: false,
      submitLabel: "Set status",
      run: async (reason) => {
        const chosen = $("#command-choices [aria-pressed='true']")?.dataset.status;
        if (!chosen) throw new Error("Choose a status.");
        if (chosen === "out_of_service" && !reason.trim()) throw new Error("Say why the unit is out of service.");
        const r = await api(`/units/${encodeURIComponent(unitId)}/status`, { method: "POST", body: { status: chosen, reason } });
        C.putUnit(r);
        toast(`${unitId}: ${statusText(r.status)}${r.status_reason ? ` (${r.status_reason})` : ""}`, "ok", 3000);
      },
    },
    button,
  );
}

function chooseStatus(status) {
  for (const b of document.querySelectorAll("#command-choices [data-status]")) b.setAttribute("aria-pressed", String(b.dataset.status === status));
  const reason = $("#command-reason");
  reason.required = status === "out_of_service";
  if (status === "out_of_service") reason.focus();
  else submit();
}

/** Which radioed statuses the unit's state machine allows now (the server decides). */
function allowed(u, status) {
  if (status === u.status) return false;
  if (status === "en_route") return u.status === "dispatched";
  if (status === "on_scene") return u.status === "dispatched" || u.status === "en_route";
  if (status === "available") return true;
  return u.status === "available" || COMMITTED.has(u.status) || u.status === "busy" || u.status === "off_duty";
}

function openDialog(what, button) {
  const dialog = $("#command-dialog");
  pending = what;
  opener = button ?? document.activeElement;
  $("#command-title").textContent = what.title;
  $("#command-hint").textContent = what.hint;
  $("#command-reason-label").textContent = what.reasonLabel;
  const reason = $("#command-reason");
  reason.value = "";
  reason.required = what.required;
  $("#command-submit").textContent = what.submitLabel;
  showError($("#command-error"), "");
  const choices = $("#command-choices");
  choices.hidden = what.kind !== "status";
  fill(
    choices,
    what.kind === "status"
      ? RADIOED.map((r) =>
          h(
            "button",
            { type: "button", class: "btn btn-sm", dataset: { status: r.status }, "aria-pressed": "false", disabled: !allowed(what.unit, r.status) },
            `${r.label} `,
            kbd(r.key),
          ),
        )
      : null,
  );
  for (const b of choices.querySelectorAll("[data-status]")) b.addEventListener("click", () => chooseStatus(b.dataset.status));
  dialog.showModal();
  (what.kind === "status" ? choices.querySelector("button:not([disabled])") ?? reason : reason).focus();
}

async function submit() {
  if (!pending) return;
  const reason = $("#command-reason").value.trim();
  if (pending.required && !reason) {
    showError($("#command-error"), "A reason is required.");
    $("#command-reason").focus();
    return;
  }
  const btn = $("#command-submit");
  btn.disabled = true;
  try {
    await pending.run(reason);
    $("#command-dialog").close();
    C.renderAll();
  } catch (e) {
    showError($("#command-error"), e.message);
  } finally {
    btn.disabled = false;
  }
}
