// Mutual aid from the console: ask the other agencies for resources for the selected
// incident (POST /mutual-aid-requests). The request takes the incident's name, time and
// agency; the server routes it to the agencies whose agreements lend what it asks for, and
// says so (or refuses it when none does). Approvals, sending and release are on the admin
// screen's Mutual aid section.

import { api } from "./api.js";
import { h } from "./dom.js";
import { localInput } from "./format.js";
import { dialog, labelled } from "./incident-edits.js";
import { announce, toast } from "./ui.js";

const field = (id, label, control) => h("div", { class: "aid-field" }, ...labelled(id, label, control));
const input = (id, extra = {}) => h("input", { id, autocomplete: "off", ...extra });

/** The request form for incident ``inc``; ``onDone(request)`` after it is made. */
export function openAidRequest(inc, onDone = () => {}) {
  const soon = new Date(Date.now() + 30 * 60 * 1000);
  const fields = [
    h("p", { class: "hint" }, "One order line (ICS-213RR): what, how many, where and until when. The server routes it to the agencies whose agreements lend it."),
    h(
      "div",
      { class: "row2" },
      field("aid-quantity", "Quantity", input("aid-quantity", { inputmode: "numeric", value: "1", required: true })),
      field(
        "aid-category",
        "Of",
        h("select", { id: "aid-category" }, h("option", { value: "unit" }, "units (a unit kind)"), h("option", { value: "equipment" }, "equipment (a resource type)")),
      ),
    ),
    h(
      "div",
      { class: "row2" },
      field("aid-kind", "Kind", input("aid-kind", { required: true, placeholder: "k9, swat, air, drone", autofocus: true })),
      field("aid-type", "Type", input("aid-type", { maxlength: "200", placeholder: "Type 1" })),
    ),
    field(
      "aid-priority",
      "Priority",
      h("select", { id: "aid-priority" }, [1, 2, 3, 4, 5].map((p) => h("option", { value: String(p), selected: p === inc.priority }, `P${p}`))),
    ),
    field("aid-description", "Detailed description", h("textarea", { id: "aid-description", rows: "2", maxlength: "2000" })),
    h(
      "div",
      { class: "row2" },
      field("aid-arrival", "Requested arrival", input("aid-arrival", { type: "datetime-local", value: localInput(soon) })),
      field("aid-hours", "Needed for (hours)", input("aid-hours", { inputmode: "decimal", value: "4" })),
    ),
    field("aid-location", "Reporting location", input("aid-location", { maxlength: "2000", value: inc.address ?? "" })),
    field("aid-substitutes", "Suitable substitutes", input("aid-substitutes", { maxlength: "2000" })),
  ];
  dialog("aid-dialog", `Request mutual aid for #${inc.id}`, fields, {
    submitLabel: "Request",
    onSubmit: async (form) => {
      const v = (id) => form.querySelector(`#${id}`).value.trim();
      const quantity = Number(v("aid-quantity"));
      if (!Number.isInteger(quantity) || quantity < 1) throw new Error("Quantity: a whole number, 1 or more.");
      if (!v("aid-kind")) throw new Error("Name the kind asked for.");
      const hours = Number(v("aid-hours").replace(",", "."));
      if (!Number.isFinite(hours) || hours <= 0) throw new Error("Needed for: a number of hours.");
      const item = {
        quantity,
        category: v("aid-category"),
        kind: v("aid-kind"),
        type: v("aid-type"),
        priority: Number(v("aid-priority")),
        description: v("aid-description"),
        reporting_location: v("aid-location"),
        substitutes: v("aid-substitutes"),
      };
      const arrival = v("aid-arrival");
      if (arrival) item.requested_arrival = new Date(arrival).toISOString();
      const needed = new Date(Math.max(Date.now(), arrival ? new Date(arrival).getTime() : 0) + hours * 3600 * 1000);
      const r = await api("/mutual-aid-requests", {
        method: "POST",
        body: { incident_id: inc.id, items: [item], needed_until: needed.toISOString() },
      });
      const words = `Requested ${r.id}: routed to ${r.routed_to.join(", ")}; waiting for ${String(r.next_step ?? "").replace(/_/g, " ")}.`;
      toast(words, "ok", 5000);
      announce(words);
      onDone(r);
      return true;
    },
  });
}

// The incident card's requests: read once per incident, again after a mutual_aid.* event.
let epoch = 0;
const cache = new Map();
const words = (s) => String(s ?? "").replace(/_/g, " ");

export function aidChanged() {
  epoch += 1;
  cache.clear();
}

/** Fill ``box`` with the incident's mutual-aid requests (nothing when it has none). */
export async function showAidRequests(box, inc, agencyName = (id) => id) {
  let known = cache.get(inc.id);
  if (!known || known.epoch !== epoch) {
    try {
      known = { epoch, requests: await api(`/mutual-aid-requests?incident_id=${encodeURIComponent(inc.id)}`) };
    } catch (e) {
      box.replaceChildren(h("p", { class: "muted small" }, `Mutual aid: ${e.message}`));
      return;
    }
    cache.set(inc.id, known);
  }
  if (!document.contains(box)) return;
  if (!known.requests.length) return box.replaceChildren();
  box.replaceChildren(
    h(
      "section",
      { class: "aid-requests", "aria-labelledby": "aid-requests-h" },
      h("h3", { class: "sub", id: "aid-requests-h" }, `Mutual aid (${known.requests.length})`),
      h(
        "ul",
        { id: "aid-requests-list" },
        known.requests.map((r) =>
          h(
            "li",
            {},
            h("span", { class: "u-id" }, r.id),
            " ",
            h("b", {}, words(r.state)),
            r.next_step ? ` · waiting for ${words(r.next_step)}` : "",
            ` · ${r.items.map((i) => `${i.fulfilled}/${i.quantity} ${i.kind}`).join(", ")}`,
            r.supplier ? ` · from ${agencyName(r.supplier)}` : ` · routed to ${r.routed_to.map(agencyName).join(", ")}`,
          ),
        ),
      ),
    ),
  );
}
