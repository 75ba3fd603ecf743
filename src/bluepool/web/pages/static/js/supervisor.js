// The supervisor panel: the calls waiting for a unit, the timers due (acknowledged here as
// on the console), each agency's available units against its home reserve, and each
// dispatcher's workload this shift. Read from the API (GET /pending, /timers, /floor) and
// read again whenever the event stream says the floor changed.

import { api, requireSession, signOut } from "./api.js";
import { h, fill } from "./dom.js";
import { age } from "./format.js";
import { connectLive, showState } from "./live.js";
import { alertItem, bindAlerts, timerClock } from "./timers.js";
import { showUser, toast } from "./ui.js";

const $ = (sel) => document.querySelector(sel);
const me = requireSession();
const clock = timerClock();
const S = { incidents: new Map(), callTypes: new Map(), places: new Map(), pending: [], floor: null };

const describe = (id) => {
  const i = S.incidents.get(id);
  if (!i) return `#${id.slice(0, 6)}`;
  return `${S.callTypes.get(i.call_type) ?? i.call_type} in ${i.jurisdiction ? S.places.get(i.jurisdiction) ?? i.jurisdiction : "outside the collective"}`;
};

async function loadNames() {
  const [callTypes, places] = await Promise.all([api("/call-types"), api("/jurisdictions")]);
  S.callTypes = new Map(callTypes.map((c) => [c.code, c.name]));
  S.places = new Map(places.map((j) => [j.id, j.name]));
}

async function load() {
  const hours = Number($("#shift-hours").value) || 12;
  const since = new Date(clock.now() - hours * 3600 * 1000).toISOString();
  const [open, pending, floor] = await Promise.all([
    api("/incidents?open=true&limit=1000"),
    api("/pending"),
    api(`/floor?since=${encodeURIComponent(since)}`),
    clock.load(),
  ]);
  S.incidents = new Map(open.items.map((i) => [i.id, i]));
  S.pending = pending.items;
  S.floor = floor;
  render();
}

function render() {
  const now = clock.now();
  fill(
    $("#pending-body"),
    S.pending.map((i) =>
      h(
        "tr",
        { dataset: { id: i.id } },
        h("td", {}, h("span", { class: `pri p${i.priority}` }, `P${i.priority}`)),
        h("td", {}, S.callTypes.get(i.call_type) ?? i.call_type),
        h("td", {}, i.address || (i.jurisdiction ? S.places.get(i.jurisdiction) ?? i.jurisdiction : "outside the collective")),
        h("td", { class: "num", dataset: { age: i.received_at } }, age(i.received_at, now)),
      ),
    ),
  );
  $("#pending-count").textContent = S.pending.length ? String(S.pending.length) : "";
  $("#pending-empty").hidden = S.pending.length > 0;
  renderAlerts();
  if (!S.floor) return;
  fill(
    $("#reserve-body"),
    S.floor.reserves.map((r) =>
      h(
        "tr",
        { class: r.at_reserve ? "at-reserve" : "", dataset: { agency: r.agency } },
        h("th", { scope: "row", title: r.agency }, r.name),
        h("td", { class: "num" }, String(r.units)),
        h("td", { class: "num" }, String(r.available)),
        h("td", { class: "num" }, String(r.available_at_home)),
        h("td", { class: "num" }, String(r.home_reserve)),
        h("td", {}, r.at_reserve ? "at reserve" : r.home_reserve ? "above" : "none"),
      ),
    ),
  );
  fill(
    $("#workload-body"),
    S.floor.workload.map((d) =>
      h("tr", { dataset: { actor: d.actor } }, h("th", { scope: "row" }, d.actor), h("td", { class: "num" }, String(d.created)), h("td", { class: "num" }, String(d.assigned))),
    ),
  );
  $("#workload-empty").hidden = S.floor.workload.length > 0;
}

function renderAlerts() {
  const now = clock.now();
  const due = clock.due();
  fill($("#alert-list"), due.map((t) => alertItem(t, { describe, canAck: true, now })));
  $("#alert-count").textContent = due.length ? String(due.length) : "";
  $("#alerts-empty").hidden = due.length > 0;
}

let timer = 0;
const reload = () => {
  clearTimeout(timer);
  timer = setTimeout(() => load().catch((e) => toast(`Loading the panel failed: ${e.message}`)), 150);
};

async function main() {
  showUser(me);
  $("#signout").addEventListener("click", signOut);
  $("#shift-form").addEventListener("submit", (e) => e.preventDefault());
  $("#shift-hours").addEventListener("change", reload);
  bindAlerts($("#alert-list"), clock, describe);
  setInterval(() => {
    const now = Date.now();
    document.querySelectorAll("[data-age]").forEach((el) => (el.textContent = age(el.dataset.age, now)));
    renderAlerts();
  }, 1000);
  connectLive({
    onState: showState,
    onSync: reload,
    onEvent: (type) => {
      if (type.startsWith("incident.") || type === "unit.updated" || type === "unit.assigned" || type.startsWith("agreement.")) reload();
    },
  });
  try {
    await loadNames();
    await load();
  } catch (e) {
    toast(`Loading the panel failed: ${e.message}`);
  }
  document.body.dataset.ready = "true";
}

if (me) main();
