// The dispatcher's console: incident queue, map, unit board, recommendation and assignment,
// kept live by the event stream. Everything goes through the public API (/api/v1).

import { api, requireSession, signOut } from "./api.js";
import { h, fill, kbd } from "./dom.js";
import { keyed } from "./keyed.js";
import { setUpPopouts, shareSelection, windowTitle } from "./popout.js";
import { age, clock, coords, eta, parseCoord, status as statusText, PRIORITY_LABEL } from "./format.js";
import { connectLive, showState } from "./live.js";
import { createMap, drawJurisdictions, drawRoads, newIcon, routeLayer, textTip, STATUS_COLOUR } from "./map.js";
import { clusterGroup, incidentIcon as pinIcon, incidentMarker, onOpen, unitIcon, unitMarker } from "./cluster.js";
import { announce, showError, showUser, toast } from "./ui.js";
import { addressSearch, reverseGeocode } from "./geocode.js";
import { showFieldAlert } from "./alerts.js";
import { backupWanted } from "./timeline.js";
import * as command from "./command.js";
import { staffing } from "./staffing.js";
import { aidChanged, openAidRequest, showAidRequests } from "./mutual-aid.js";
import { callerFields, closedFields, narrative, openClose, openEdit, openNote, premiseNotesChanged, requeueAlert, showPremiseNotes } from "./incident-edits.js";
import { watchFloor } from "./timers.js";

const L = window.L;
const $ = (sel) => document.querySelector(sel);
const OPEN = new Set(["received", "dispatched", "en_route", "on_scene"]);
const COMMITTED = new Set(["dispatched", "en_route", "on_scene"]);
const STATUS_ORDER = ["available", "dispatched", "en_route", "on_scene", "busy", "out_of_service", "off_duty"];
const byId = (a, b) => a.localeCompare(b, undefined, { numeric: true });

const changedUnits = new Set(); // unit ids whose map markers need redrawing
const S = {
  incidents: new Map(),
  units: new Map(),
  callTypes: new Map(),
  agencies: [], // ids, in a stable order (for colours)
  agencyNames: new Map(),
  jurisdictions: new Map(), // id -> name
  selected: null,
  rec: null,
  pick: 0,
  newMode: false,
  busy: false,
  fresh: new Set(),
  closedLoaded: false,
};

const me = requireSession();
// The roles that dispatch (from the server's one list, DISPATCH_ROLES): they get the
// re-offer prompt and acknowledge timers.
const DISPATCHERS = new Set(JSON.parse(document.getElementById("dispatch-roles").textContent));
let floor = null; // the floor watch (timers.js), once the page is up

// --------------------------------------------------------------------------------------
// state

function putIncident(inc) {
  const old = S.incidents.get(inc.id);
  if (old && old.version > inc.version) return false;
  S.incidents.set(inc.id, inc);
  return true;
}

function putUnit(unit) {
  const old = S.units.get(unit.id);
  if (old && old.version > unit.version) return false;
  S.units.set(unit.id, unit);
  changedUnits.add(unit.id);
  return true;
}

const selectedIncident = () => (S.selected ? S.incidents.get(S.selected) : null);
const callTypeName = (code) => S.callTypes.get(code)?.name ?? code;
const placeName = (id) => (id ? S.jurisdictions.get(id) ?? id : "outside the collective");
const agencyName = (id) => S.agencyNames.get(id) ?? id;
const activeUnits = (inc) => inc.assignments.filter((a) => !a.cleared_at);
// How far the units on an incident fill its call type's response plan.
const staffOf = (inc) =>
  staffing(
    S.callTypes.get(inc.call_type)?.plan,
    activeUnits(inc).map((a) => S.units.get(a.unit_id)?.capabilities ?? []),
  );

async function loadStatic() {
  const [agencies, callTypes] = await Promise.all([api("/agencies"), api("/call-types")]);
  S.agencies = agencies.map((a) => a.id);
  S.agencyNames = new Map(agencies.map((a) => [a.id, a.name]));
  S.callTypes = new Map(callTypes.map((c) => [c.code, c]));
  fillCallTypes();
  fillUnitFilters();
}

/** Read the open incidents and the fleet; merge by version with what events brought. */
async function loadState() {
  const before = {
    incidents: new Set([...S.incidents.values()].filter((i) => OPEN.has(i.status)).map((i) => i.id)),
    units: new Set(S.units.keys()),
  };
  const [incidents, units] = await Promise.all([api("/incidents?open=true&limit=1000"), api("/units?limit=1000")]);
  const seenI = new Set(incidents.items.map((i) => i.id));
  const seenU = new Set(units.items.map((u) => u.id));
  for (const id of before.incidents) if (!seenI.has(id)) S.incidents.delete(id); // closed meanwhile
  for (const id of before.units) if (!seenU.has(id)) S.units.delete(id);
  incidents.items.forEach(putIncident);
  units.items.forEach(putUnit);
  if (S.closedLoaded) await loadClosed();
  fillUnitFilters();
  renderAll();
  if (S.selected) loadRec();
}

async function loadClosed() {
  const closed = await api("/incidents?open=false&limit=100");
  closed.items.forEach(putIncident);
  S.closedLoaded = true;
}

// --------------------------------------------------------------------------------------
// rendering (batched)

const dirty = new Set();
let flushTimer = null;
function render(...parts) {
  parts.forEach((p) => dirty.add(p));
  if (!flushTimer) flushTimer = setTimeout(flush, 30);
}
let slowTimer = null;
/** Redraw ``part`` within ``ms`` (position updates may come many times a second). */
function renderSoon(part, ms) {
  if (slowTimer) return;
  slowTimer = setTimeout(() => {
    slowTimer = null;
    render(part);
  }, ms);
}
function renderAll() {
  render("queue", "units", "detail", "rec", "map", "stats");
}
function flush() {
  flushTimer = null;
  const parts = new Set(dirty);
  dirty.clear();
  if (parts.has("queue")) renderQueue();
  if (parts.has("units")) renderUnits();
  if (parts.has("detail")) renderDetail();
  if (parts.has("rec")) renderRec();
  if (parts.has("map")) renderMap();
  if (parts.has("stats")) renderStats();
}

function queueItems() {
  const q = $("#queue-filter").value.trim().toLowerCase();
  const pmax = Number($("#queue-priority").value) || 5;
  const st = $("#queue-status").value;
  const items = [...S.incidents.values()].filter((i) => {
    if (st === "open" ? !OPEN.has(i.status) : st === "closed" ? OPEN.has(i.status) : i.status !== st) return false;
    if (i.priority > pmax) return false;
    if (!q) return true;
    const hay = [i.id, i.call_type, callTypeName(i.call_type), placeName(i.jurisdiction), i.address ?? "", i.description, i.status, `p${i.priority}`, ...i.assignments.map((a) => a.unit_id)]
      .join(" ")
      .toLowerCase();
    return hay.includes(q);
  });
  if (st === "closed") return items.sort((a, b) => (b.closed_at ?? "").localeCompare(a.closed_at ?? ""));
  return items.sort(
    (a, b) =>
      a.priority - b.priority ||
      Number(a.status !== "received") - Number(b.status !== "received") ||
      a.received_at.localeCompare(b.received_at),
  );
}

function renderQueue() {
  const list = $("#queue-list");
  const items = queueItems();
  const focusedId = document.activeElement?.closest?.("#queue-list") ? document.activeElement.dataset.id : null;
  keyed(
    list,
    items,
    (i) => i.id,
    (i) => `${i.version}|${i.id === S.selected}|${S.fresh.has(i.id)}|${callTypeName(i.call_type)}|${placeName(i.jurisdiction)}`,
    (i) => {
      const units = activeUnits(i).map((a) => a.unit_id);
      const who = units.length ? units.slice(0, 2).join(", ") + (units.length > 2 ? ` +${units.length - 2}` : "") : "";
      const sel = i.id === S.selected;
      const st = i.status === "received" ? "unassigned" : statusText(i.status);
      const open = OPEN.has(i.status);
      const staff = open ? staffOf(i) : null;
      const partial =
        staff?.state === "partial"
          ? h("span", { class: "tag tag-partial", title: `${staff.filled} of ${staff.slots} units of the plan assigned` }, "partially staffed")
          : null;
      const cls = `q-item p${i.priority}${sel ? " selected" : ""}${S.fresh.has(i.id) ? " fresh" : ""}`;
      return h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: cls, dataset: { id: i.id }, "aria-current": sel ? "true" : null },
          h("span", { class: `pri p${i.priority}`, title: `Priority ${i.priority}: ${PRIORITY_LABEL[i.priority] ?? ""}` }, `P${i.priority}`),
          h(
            "span",
            { class: "q-main" },
            h("span", { class: "q-line" }, h("span", { class: "q-type" }, callTypeName(i.call_type)), h("span", { class: "q-where" }, placeName(i.jurisdiction))),
            i.address ? h("span", { class: "q-line q-addr", title: i.address }, i.address) : null,
            h(
              "span",
              { class: "q-line q-sub" },
              h("span", { class: `pill st-${i.status}` }, st),
              partial,
              open && backupWanted(i) ? h("span", { class: "pill backup-pill" }, "backup requested") : null,
              h("span", { class: "q-units" }, who),
            ),
          ),
          h("span", { class: "q-age", dataset: { age: open ? i.received_at : "" } }, open ? age(i.received_at) : clock(i.closed_at)),
        ),
      );
    },
  );
  $("#queue-empty").hidden = items.length > 0;
  $("#queue-count").textContent = items.length ? String(items.length) : "";
  if (focusedId) list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`)?.focus();
}

function unitItems() {
  const q = $("#unit-filter").value.trim().toLowerCase();
  const agency = $("#unit-agency").value;
  const cap = $("#unit-capability").value;
  const st = $("#unit-status").value;
  return [...S.units.values()]
    .filter((u) => {
      if (agency && u.agency !== agency) return false;
      if (cap && !u.capabilities.includes(cap)) return false;
      if (st && (st === "committed" ? !COMMITTED.has(u.status) : u.status !== st)) return false;
      if (q && ![u.id, u.name, u.kind, u.agency, u.status, u.status_reason ?? "", u.incident_id ?? "", u.jurisdiction ?? ""].join(" ").toLowerCase().includes(q)) return false;
      return true;
    })
    .sort((a, b) => byId(a.agency, b.agency) || byId(a.id, b.id));
}

function renderUnits() {
  const items = unitItems();
  const focusedRow = document.activeElement?.closest?.("#units-body tr[data-id]")?.dataset.id;
  fill(
    $("#units-body"),
    items.map((u) =>
      h(
        "tr",
        { dataset: { id: u.id }, class: S.fresh.has("u:" + u.id) ? "fresh" : "", tabindex: "0", "aria-keyshortcuts": "S" },
        h("th", { scope: "row" }, h("span", { class: "u-id", title: u.name }, u.id)),
        h("td", { title: agencyName(u.agency) }, u.agency),
        h("td", { class: "caps" }, u.capabilities.join(" ")),
        h("td", { class: "st-cell" }, command.statusCell(u)),
        h("td", {}, u.incident_id ? h("button", { type: "button", class: "link inc-link", dataset: { incident: u.incident_id } }, incidentLabel(u.incident_id)) : null),
        h("td", {}, u.jurisdiction ? placeName(u.jurisdiction) : ""),
        h("td", { class: "num", dataset: { age: u.status_at ?? "" } }, u.status_at ? age(u.status_at) : ""),
      ),
    ),
  );
  if (focusedRow) document.querySelector(`#units-body tr[data-id="${CSS.escape(focusedRow)}"]`)?.focus();
  $("#units-count").textContent = items.length === S.units.size ? String(items.length) : `${items.length} / ${S.units.size}`;
  const counts = {};
  for (const u of S.units.values()) counts[u.status] = (counts[u.status] ?? 0) + 1;
  fill(
    $("#units-summary"),
    STATUS_ORDER.filter((s) => counts[s]).map((s) => h("span", { class: "sum" }, h("i", { class: `dot st-${s}` }), `${counts[s]} ${statusText(s)}`)),
  );
}

function incidentLabel(id) {
  const inc = S.incidents.get(id);
  return inc ? `P${inc.priority} ${callTypeName(inc.call_type)}` : `#${id.slice(0, 6)}`;
}

function renderStats() {
  const open = [...S.incidents.values()].filter((i) => OPEN.has(i.status));
  const unassigned = open.filter((i) => i.status === "received").length;
  $("#stat-open").textContent = String(open.length);
  $("#stat-unassigned").textContent = String(unassigned);
  $("#stat-unassigned").closest("div").classList.toggle("alert", unassigned > 0);
  $("#stat-available").textContent = String([...S.units.values()].filter((u) => u.status === "available").length);
  document.title = floor ? floor.title(unassigned, windowTitle()) : `${unassigned ? `(${unassigned}) ` : ""}${windowTitle()}`;
}

let timelineOpen = false;
let detailShown = "";
function renderDetail() {
  const box = $("#incident-detail");
  box.hidden = S.newMode;
  const inc = selectedIncident();
  const shown = inc
    ? [inc.id, inc.version, S.jurisdictions.size, S.callTypes.size, ...activeUnits(inc).map((a) => `${a.unit_id}:${S.units.get(a.unit_id)?.status}`)].join("|")
    : "-";
  if (shown === detailShown) return;
  detailShown = shown;
  if (!inc) {
    fill(box, h("p", { class: "empty" }, "Select an incident with ", kbd("J"), "/", kbd("K"), " or create one with ", kbd("N"), "."));
    return;
  }
  const t = box.querySelector("details.timeline");
  if (t) timelineOpen = t.open;
  const open = OPEN.has(inc.status);
  const assigned = inc.assignments.map((a) => {
    const u = S.units.get(a.unit_id);
    const live = !a.cleared_at;
    return h(
      "li",
      { class: live ? "" : "cleared" },
      h("span", { class: "u-id" }, a.unit_id),
      h("span", { class: `pill st-${live ? u?.status ?? a.status : "cleared"}` }, live ? statusText(u?.status ?? a.status) : "cleared"),
      h("span", { class: "muted small" }, `${u ? agencyName(u.agency) : ""} · ${clock(a.assigned_at)}`),
      live ? h("span", { class: "route-kind small muted", dataset: { route: a.unit_id } }) : null,
      command.recallButton(inc, a),
    );
  });
  const field = (label, cls, ...value) => h("div", { class: cls }, h("dt", {}, label), h("dd", {}, ...value));
  fill(
    box,
    h(
      "div",
      { class: "inc-head" },
      h("span", { class: `pri pri-big p${inc.priority}`, title: `Priority ${inc.priority}` }, `P${inc.priority}`),
      h("div", { class: "inc-title" }, h("h2", { id: "detail-h" }, callTypeName(inc.call_type)), h("div", { class: "muted small" }, `${placeName(inc.jurisdiction)} · #${inc.id}`)),
      h("span", { class: `pill st-${inc.status}` }, inc.status === "received" ? "unassigned" : statusText(inc.status)),
    ),
    h(
      "dl",
      { class: "kv" },
      inc.address ? field("Address", "wide", inc.address) : null,
      field("Location", null, coords(inc.location)),
      field("Received", null, clock(inc.received_at), " ", h("span", { class: "muted", dataset: { age: open ? inc.received_at : "" } }, open ? age(inc.received_at) : "")),
      inc.closed_at ? field("Closed", null, clock(inc.closed_at)) : null,
      ...closedFields(inc, field),
      ...callerFields(inc, field),
      inc.description ? field("Notes", "wide", inc.description) : null,
    ),
    h("div", { id: "premise-notes", class: "premise-box" }),
    h("div", { id: "aid-requests", class: "aid-box" }),
    narrative(inc),
    h("h3", { class: "sub" }, "Units on it"),
    assigned.length ? h("ul", { class: "assigned", id: "assigned-list" }, assigned) : h("p", { class: "muted small" }, "None yet."),
    open
      ? h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "btn btn-sm", id: "edit-incident", "aria-keyshortcuts": "E" }, "Edit ", kbd("E")),
          h("button", { type: "button", class: "btn btn-sm", id: "note-incident", "aria-keyshortcuts": "T" }, "Note ", kbd("T")),
          h("button", { type: "button", class: "btn btn-sm", id: "aid-incident" }, "Mutual aid…"),
          h("button", { type: "button", class: "btn btn-sm btn-danger", id: "close-incident", "aria-keyshortcuts": "C" }, "Close incident ", kbd("C")),
        )
      : h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-sm", id: "note-incident", "aria-keyshortcuts": "T" }, "Note ", kbd("T"))),
    h(
      "details",
      { class: "timeline", open: timelineOpen },
      h("summary", {}, `Timeline (${inc.timeline.length})`),
      h(
        "ol",
        {},
        inc.timeline.map((e) =>
          h(
            "li",
            { class: `tl-${e.kind}` },
            h("time", {}, clock(e.at)),
            " ",
            h("b", {}, statusText(e.kind)),
            ` ${e.unit_id ?? ""} `,
            h("span", { class: "muted" }, `${e.actor ?? ""}${e.detail ? " — " + e.detail : ""}`),
          ),
        ),
      ),
    ),
  );
  box.querySelector("#close-incident")?.addEventListener("click", closeSelected);
  box.querySelector("#edit-incident")?.addEventListener("click", editSelected);
  box.querySelector("#note-incident")?.addEventListener("click", noteSelected);
  box.querySelector("#aid-incident")?.addEventListener("click", () =>
    openAidRequest(inc, () => {
      aidChanged();
      detailShown = "";
      renderDetail();
    }),
  );
  showPremiseNotes(box.querySelector("#premise-notes"), inc);
  showAidRequests(box.querySelector("#aid-requests"), inc, agencyName);
  updateRouteKinds();
}

let recShown = null;
function renderRec() {
  const panel = $("#rec-panel");
  const inc = selectedIncident();
  const rec = S.rec && inc && S.rec.incident_id === inc.id ? S.rec : null;
  panel.hidden = S.newMode || !inc || !OPEN.has(inc.status) || !rec;
  if (panel.hidden) {
    recShown = null;
    previewGroup?.clearLayers();
    return;
  }
  const shown = [rec, S.pick, S.busy, inc.version];
  if (recShown && shown.every((v, n) => v === recShown[n])) return;
  recShown = shown;
  const cands = rec.candidates;
  if (S.pick >= cands.length) S.pick = 0;
  $("#rec-method").textContent = `ETA ${rec.method}`;
  fill(
    $("#rec-body"),
    cands.map((c, n) => {
      const u = S.units.get(c.unit_id);
      const picked = n === S.pick;
      const cls = `cand${picked ? " picked" : ""}${c.proposed ? " proposed" : ""}`;
      const data = { unit: c.unit_id, n: String(n) };
      // The ETA's own reason stays when it says the ETA is approximate (a walk off road).
      const reasons = c.reasons.filter((r) => (!/^eta\b/i.test(r) || c.approximate) && !/^own agency\b/i.test(r));
      return [
        h(
          "tr",
          { class: cls, dataset: data, "aria-selected": picked ? "true" : null },
          h("td", { class: "num key", rowSpan: 2 }, n < 9 ? kbd(String(n + 1)) : null),
          h(
            "td",
            {},
            h("span", { class: "u-id", title: u?.name ?? "" }, c.unit_id),
            c.proposed ? [" ", h("span", { class: "tag tag-plan", title: "part of the proposed response" }, "plan")] : null,
            c.own_agency ? null : [" ", h("span", { class: "tag tag-aid", title: "mutual aid: another agency's unit" }, "aid")],
            c.method === "by air" ? [" ", h("span", { class: "tag tag-air", title: c.reasons[0] }, "air")] : null,
            c.approximate ? [" ", h("span", { class: "tag tag-approx", title: c.reasons[0] }, "approx")] : null,
          ),
          h("td", { title: agencyName(c.agency) }, c.agency),
          h("td", { class: `num eta${c.approximate ? " approx" : ""}`, title: c.reasons[0] }, `${c.approximate ? "≈ " : ""}${eta(c.eta_seconds)}`),
          h(
            "td",
            { class: "act", rowSpan: 2 },
            h("button", { type: "button", class: "btn btn-xs assign-one", dataset: { unit: c.unit_id }, "aria-label": `Assign ${c.unit_id}` }, "Assign"),
          ),
        ),
        h(
          "tr",
          { class: `${cls} reasons-row`, dataset: data },
          h(
            "td",
            { colSpan: 3, class: "reasons" },
            reasons.join(" · "),
            // Which agreement lends another agency's unit, and what an hour of it costs.
            c.lent_under ? [h("br"), h("span", { class: "lent", title: c.lent_under.citation }, `${c.lent_under.citation} · ${c.lent_under.rate}`)] : null,
          ),
        ),
      ];
    }),
  );
  $("#rec-empty").hidden = cands.length > 0;
  fill(
    $("#rec-shortfalls"),
    rec.shortfalls.length
      ? h("p", { class: "warn", role: "note" }, `Short: ${rec.shortfalls.map((s) => `${s.missing} × ${s.capability}`).join(", ")} — no eligible unit available.`)
      : null,
  );
  const top = cands[S.pick];
  $("#assign-top").disabled = !top || S.busy;
  $("#assign-top-unit").textContent = top ? top.unit_id : "";
  const todo = planTodo(inc, rec);
  $("#assign-plan").disabled = !todo.length || S.busy;
  $("#assign-plan").title = todo.length ? `Assign ${todo.join(", ")}` : "Nothing left to assign in the plan";
  $("#rec-excluded-count").textContent = String(rec.excluded.length);
  fill(
    $("#rec-excluded-list"),
    rec.excluded.map((e) => h("li", { dataset: { unit: e.unit_id } }, h("span", { class: "u-id" }, e.unit_id), " ", h("span", { class: "muted" }, e.agency), ` — ${e.reason}`)),
  );
  command.renderRecExtras(rec);
  drawPreview();
}

function planTodo(inc, rec) {
  const on = new Set(activeUnits(inc).map((a) => a.unit_id));
  return rec.proposed.map((p) => p.unit_id).filter((u) => !on.has(u));
}

// --------------------------------------------------------------------------------------
// map

let map;
let jurisdictionLayer = null;
const unitMarkers = new Map();
const incidentMarkers = new Map();
let newMarker = null;
let markers; // the cluster group of units and incidents
let routeGroup;
let previewGroup;

let routesShown = "";
/** Put marker ``m`` in the cluster group, or (the selected incident) on the map itself. */
function place(m, clustered, adds) {
  if (clustered && m.onMap) {
    m.remove();
    m.onMap = false;
  }
  if (!clustered && !m.onMap) {
    if (m.inGroup) markers.removeLayer(m);
    m.inGroup = false;
    m.addTo(map);
    m.onMap = true;
  }
  if (clustered && !m.inGroup) {
    adds.push(m);
    m.inGroup = true;
  }
}
function unplace(m) {
  if (m.inGroup) markers.removeLayer(m);
  else m.remove();
}
function renderMap() {
  if (!map) return;
  const adds = []; // new clustered markers, added at once (far faster than one by one)
  for (const [id, m] of unitMarkers) {
    const u = S.units.get(id);
    if (!u || !u.location) {
      unplace(m);
      unitMarkers.delete(id);
    }
  }
  const ids = [...changedUnits];
  changedUnits.clear();
  for (const id of ids) {
    const u = S.units.get(id);
    if (!u || !u.location) continue;
    let m = unitMarkers.get(u.id);
    const tip = `${u.id} · ${statusText(u.status)}`;
    if (!m) {
      m = onOpen(unitMarker(u, statusText(u.status)), () => focusUnitRow(u.id));
      m.shownStatus = u.status;
      m.bindTooltip(textTip(tip), { direction: "top", offset: [0, -8] });
      unitMarkers.set(u.id, m);
      place(m, true, adds);
    } else {
      m.setLatLng([u.location.lat, u.location.lon]);
      if (m.shownStatus !== u.status) {
        m.shownStatus = u.status;
        m.setIcon(unitIcon(u, statusText(u.status)));
        m.setTooltipContent(textTip(tip));
      }
    }
  }
  const shown = new Set([...S.incidents.values()].filter((i) => OPEN.has(i.status) || i.id === S.selected).map((i) => i.id));
  for (const [id, m] of incidentMarkers) {
    if (!shown.has(id)) {
      unplace(m);
      incidentMarkers.delete(id);
    }
  }
  const refresh = [];
  for (const id of shown) {
    const inc = S.incidents.get(id);
    const sel = id === S.selected;
    let m = incidentMarkers.get(id);
    if (!m) {
      m = onOpen(incidentMarker(inc), (e) => {
        if (e.originalEvent) L.DomEvent.stopPropagation(e);
        select(id);
      });
      m.bindTooltip(textTip(""), { direction: "top", offset: [0, -10] });
      incidentMarkers.set(id, m);
    }
    const st = inc.status === "received" ? "unassigned" : statusText(inc.status);
    const look = `${inc.priority}|${st}|${sel}|${inc.call_type}`;
    if (m.look !== look) {
      const text = `P${inc.priority} ${callTypeName(inc.call_type)} · ${st}`;
      if (m.options.priority !== inc.priority && m.inGroup) refresh.push(m);
      m.options.priority = inc.priority;
      m.look = look;
      m.setIcon(pinIcon(inc, sel, `Incident ${text}`));
      m.setZIndexOffset(sel ? 1000 : 100 * (6 - inc.priority));
      m.setTooltipContent(textTip(text));
    }
    m.setLatLng([inc.location.lat, inc.location.lon]);
    place(m, !sel, adds);
  }
  if (adds.length) markers.addLayers(adds);
  if (refresh.length) markers.refreshClusters(refresh);
  // Routes: redraw when the selected incident or one of its units moved or changed.
  const inc = selectedIncident();
  const routes = inc
    ? [inc.id, inc.version, ...activeUnits(inc).map((a) => {
        const u = S.units.get(a.unit_id);
        return u ? `${u.id}:${u.version}` : a.unit_id;
      })].join("|")
    : "-";
  if (routes !== routesShown) {
    routesShown = routes;
    drawRoutes();
  }
}

let routeSeq = 0;
const routeKinds = new Map();
async function drawRoutes() {
  const seq = ++routeSeq;
  const inc = selectedIncident();
  const layers = [];
  if (inc && OPEN.has(inc.status)) {
    for (const a of activeUnits(inc)) {
      const u = S.units.get(a.unit_id);
      if (!u) continue;
      const layer = await routeLayer(inc, u, { colour: STATUS_COLOUR[u.status] || "#58a6ff" });
      if (layer) {
        layers.push(layer);
        routeKinds.set(u.id, layer.straight ? "straight line (no road route)" : "road route");
      }
    }
  }
  if (seq !== routeSeq) return;
  routeGroup.clearLayers();
  layers.forEach((l) => routeGroup.addLayer(l));
  updateRouteKinds();
}

function updateRouteKinds() {
  document.querySelectorAll("[data-route]").forEach((el) => {
    el.textContent = routeKinds.get(el.dataset.route) ?? "";
  });
}

let previewSeq = 0;
async function drawPreview() {
  const seq = ++previewSeq;
  const inc = selectedIncident();
  const cand = S.rec?.candidates?.[S.pick];
  const u = cand ? S.units.get(cand.unit_id) : null;
  const layer = inc && u && OPEN.has(inc.status) ? await routeLayer(inc, u, { colour: "#e3b341" }) : null;
  if (seq !== previewSeq) return;
  previewGroup.clearLayers();
  if (layer) {
    layer.setStyle?.({ opacity: 0.75, weight: 2 });
    previewGroup.addLayer(layer);
  }
}

function focusUnitRow(id) {
  const row = document.querySelector(`#units-body tr[data-id="${CSS.escape(id)}"]`);
  if (!row) return;
  row.scrollIntoView({ block: "nearest" });
  row.classList.remove("flash");
  void row.offsetWidth;
  row.classList.add("flash");
}

// --------------------------------------------------------------------------------------
// selection, recommendation, actions

let tellSelection = () => {};
function select(id, { pan = true, share = true } = {}) {
  if (S.newMode) closeNew();
  const changed = S.selected !== id;
  if (changed && share) tellSelection(id);
  S.selected = id;
  if (changed) {
    S.pick = 0;
    S.rec = null;
    timelineOpen = false;
  }
  const inc = selectedIncident();
  if (inc && pan && map) {
    const ll = L.latLng(inc.location.lat, inc.location.lon);
    if (!map.getBounds().pad(-0.1).contains(ll)) map.panTo(ll);
  }
  renderAll();
  if (inc && OPEN.has(inc.status)) loadRec();
}

let recSeq = 0;
async function loadRec() {
  const inc = selectedIncident();
  if (!inc || !OPEN.has(inc.status) || document.body.dataset.view) return; // a pop-out shows none
  const seq = ++recSeq;
  try {
    const rec = await api(`/incidents/${encodeURIComponent(inc.id)}/recommendation`);
    if (seq !== recSeq || S.selected !== inc.id) return;
    const pickedUnit = S.rec?.candidates?.[S.pick]?.unit_id;
    S.rec = rec;
    const again = pickedUnit ? rec.candidates.findIndex((c) => c.unit_id === pickedUnit) : -1;
    S.pick = again >= 0 ? again : 0;
    render("rec");
  } catch (e) {
    if (seq === recSeq) toast(`Recommendation: ${e.message}`);
  }
}

let recTimer = null;
let recDue = 0;
function scheduleRec(delay) {
  const due = Date.now() + delay;
  if (recTimer && recDue <= due) return;
  clearTimeout(recTimer);
  recDue = due;
  recTimer = setTimeout(() => {
    recTimer = null;
    loadRec();
  }, delay);
}

function pick(n) {
  const cands = S.rec?.candidates ?? [];
  if (n < 0 || n >= cands.length) return;
  S.pick = n;
  render("rec");
}

async function assign(unitIds) {
  const inc = selectedIncident();
  if (!inc || S.busy || !unitIds.length) return;
  S.busy = true;
  render("rec");
  const done = [];
  try {
    for (const unitId of unitIds) {
      try {
        const r = await api(`/incidents/${encodeURIComponent(inc.id)}/assignments`, { method: "POST", body: { unit_id: unitId } });
        putIncident(r.incident);
        putUnit(r.unit);
        done.push(`${unitId} (ETA ${eta(r.eta_seconds)})`);
      } catch (e) {
        toast(`Could not assign ${unitId}: ${e.message}`);
        break;
      }
    }
  } finally {
    S.busy = false;
  }
  if (done.length) {
    const msg = `Assigned ${done.join(", ")} to P${inc.priority} ${callTypeName(inc.call_type)}`;
    toast(msg, "ok", 4000);
    announce(msg);
  }
  S.pick = 0;
  renderAll();
  loadRec();
}

function assignPicked() {
  const c = S.rec?.candidates?.[S.pick];
  if (c && !$("#rec-panel").hidden) assign([c.unit_id]);
}

// Enter on a call whose plan is already filled asks first: a dialog (focus on "Cancel",
// Escape cancels) instead of adding a unit by a stray key press. That holds for Enter on
// the console and for Enter or Space on an Assign button (a click with no pointer: detail 0).
let staffedUnit = null;

function askIfStaffed(unitId) {
  const inc = selectedIncident();
  if (!inc || !unitId || $("#rec-panel").hidden) return;
  if (staffOf(inc).state !== "staffed") return assign([unitId]);
  staffedUnit = unitId;
  const dialog = $("#staffed-dialog");
  $("#staffed-text").textContent = `P${inc.priority} ${callTypeName(inc.call_type)} (#${inc.id}) is fully staffed. Add ${unitId} anyway?`;
  dialog.returnValue = "";
  dialog.showModal();
  $("#staffed-cancel").focus();
}

function enterAssign() {
  askIfStaffed(S.rec?.candidates?.[S.pick]?.unit_id);
}

function onStaffedClose() {
  const unitId = staffedUnit;
  staffedUnit = null;
  if ($("#staffed-dialog").returnValue === "assign" && unitId) assign([unitId]);
}

function assignPlan() {
  const inc = selectedIncident();
  if (inc && S.rec && !$("#rec-panel").hidden) assign(planTodo(inc, S.rec));
}

// Edit, note and close open dialogs (incident-edits.js); what they change comes back here.
const editing = { put: (i) => (putIncident(i), renderAll()) };

function closeSelected() {
  const inc = selectedIncident();
  if (inc && OPEN.has(inc.status)) openClose(inc, editing).catch((e) => toast(`Could not close the incident: ${e.message}`));
}

function editSelected() {
  const inc = selectedIncident();
  if (inc && OPEN.has(inc.status)) openEdit(inc, { ...editing, callTypes: S.callTypes });
}

function noteSelected() {
  const inc = selectedIncident();
  if (inc) openNote(inc, editing);
}

function move(step) {
  const items = queueItems();
  if (!items.length) return;
  let i = items.findIndex((x) => x.id === S.selected);
  i = i < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, i + step));
  select(items[i].id);
  flush();
  const btn = document.querySelector(`#queue-list [data-id="${CSS.escape(items[i].id)}"]`);
  btn?.scrollIntoView({ block: "nearest" });
}

// --------------------------------------------------------------------------------------
// new incident

function fillCallTypes() {
  const sel = $("#new-call-type");
  const current = sel.value;
  const types = [...S.callTypes.values()].sort((a, b) => a.name.localeCompare(b.name));
  fill(sel, h("option", { value: "" }, "Choose a call type…"), types.map((c) => h("option", { value: c.code }, `${c.name} (P${c.default_priority})`)));
  sel.value = S.callTypes.has(current) ? current : "";
}

function fillUnitFilters() {
  const ag = $("#unit-agency");
  const agv = ag.value;
  fill(ag, h("option", { value: "" }, "All agencies"), S.agencies.map((a) => h("option", { value: a }, agencyName(a))));
  ag.value = agv;
  const caps = [...new Set([...S.units.values()].flatMap((u) => u.capabilities))].sort();
  const cap = $("#unit-capability");
  const capv = cap.value;
  fill(cap, h("option", { value: "" }, "All capabilities"), caps.map((c) => h("option", { value: c }, c)));
  cap.value = caps.includes(capv) ? capv : "";
}

function openNew(latlng) {
  S.newMode = true;
  $("#new-incident").hidden = false;
  showError($("#new-error"), "");
  if (latlng) setNewLocation(latlng.lat, latlng.lng, { lookup: true });
  renderAll();
  (latlng ? $("#new-call-type") : $("#new-address")).focus();
}

// The address field holds what the dispatcher wrote (``addressTyped``: kept whatever the
// point), or an address picked or found at a point, which a new point replaces.
let addressTyped = false;
let reverseSeq = 0;

function setNewLocation(lat, lon, { lookup = false } = {}) {
  $("#new-lat").value = lat.toFixed(5);
  $("#new-lon").value = lon.toFixed(5);
  placeNewMarker(lat, lon);
  if (lookup) lookUpAddress(lat, lon);
}

/** The address at a point, into the form (unless the dispatcher wrote one), with the
 * outside-the-collective warning. */
async function lookUpAddress(lat, lon) {
  const mine = ++reverseSeq;
  const r = await reverseGeocode(lat, lon);
  if (mine !== reverseSeq || !S.newMode || !r) return;
  const field = $("#new-address");
  if (!addressTyped || !field.value.trim()) {
    field.value = r.match ? r.match.label : "";
    addressTyped = false;
  }
  warnOutside(r);
}

function warnOutside(where) {
  const box = $("#new-outside");
  box.hidden = !where?.outside;
  const n = where?.nearest_jurisdiction;
  box.textContent = !where?.outside
    ? ""
    : n
      ? `Outside the collective: the nearest jurisdiction is ${n.name}, ${n.distance_m < 1000 ? `${Math.round(n.distance_m)} m` : `${(n.distance_m / 1000).toFixed(1)} km`} away.`
      : "Outside the collective.";
}

function pickAddress(m) {
  addressTyped = false;
  reverseSeq++; // a lookup still on its way must not overwrite the pick
  setNewLocation(m.lat, m.lon);
  warnOutside(m);
  if (map) map.panTo([m.lat, m.lon]);
  announce(`${m.label} picked${m.outside ? ", outside the collective" : ""}.`);
}

function placeNewMarker(lat, lon) {
  if (!map) return;
  if (!newMarker) {
    newMarker = L.marker([lat, lon], { icon: newIcon(), draggable: true, keyboard: false, zIndexOffset: 2000 }).addTo(map);
    newMarker.on("dragend", () => {
      const p = newMarker.getLatLng();
      setNewLocation(p.lat, p.lng);
    });
  } else newMarker.setLatLng([lat, lon]);
}

function closeNew() {
  S.newMode = false;
  $("#new-incident").hidden = true;
  $("#new-form").reset();
  addressTyped = false;
  warnOutside(null);
  showError($("#new-error"), "");
  if (newMarker) {
    newMarker.remove();
    newMarker = null;
  }
  renderAll();
}

async function submitNew(e) {
  e.preventDefault();
  const lat = parseCoord($("#new-lat").value, 90);
  const lon = parseCoord($("#new-lon").value, 180);
  const code = $("#new-call-type").value;
  const problems = [];
  if (lat === null) problems.push("latitude must be a number between -90 and 90");
  if (lon === null) problems.push("longitude must be a number between -180 and 180");
  if (!code) problems.push("choose a call type");
  if (problems.length) {
    showError($("#new-error"), problems.join("; ").replace(/^./, (c) => c.toUpperCase()) + ".");
    return;
  }
  const address = $("#new-address").value.trim();
  const btn = $("#new-submit");
  btn.disabled = true;
  try {
    const inc = await api("/incidents", {
      method: "POST",
      body: {
        call_type: code,
        priority: Number($("#new-priority").value),
        location: { lat, lon },
        description: $("#new-description").value.trim(),
        ...(address ? { address } : {}),
        caller_name: $("#new-caller-name").value.trim(),
        caller_phone: $("#new-caller-phone").value.trim(),
      },
    });
    putIncident(inc);
    closeNew();
    if ($("#queue-status").value !== "open" && $("#queue-status").value !== "received") $("#queue-status").value = "open";
    select(inc.id);
    await loadRec();
    flush();
    $("#assign-top").focus();
  } catch (err) {
    showError($("#new-error"), err.message);
  } finally {
    btn.disabled = false;
  }
}

// --------------------------------------------------------------------------------------
// events and keys

function onEvent(type, data) {
  command.onEvent(type, data);
  floor?.beforeEvent(type, data);
  if (data.incident && typeof data.incident === "object") {
    const isNew = type === "incident.created" && !S.incidents.has(data.incident.id);
    if (putIncident(data.incident) && isNew) {
      const i = data.incident;
      S.fresh.add(i.id);
      setTimeout(() => {
        S.fresh.delete(i.id);
        render("queue");
      }, 5000);
      announce(`New incident: priority ${i.priority} ${callTypeName(i.call_type)} in ${placeName(i.jurisdiction)}.`);
    }
  }
  if (data.unit && typeof data.unit === "object") {
    putUnit(data.unit);
    if (type !== "unit.moved") {
      S.fresh.add("u:" + data.unit.id);
      setTimeout(() => {
        S.fresh.delete("u:" + data.unit.id);
        render("units");
      }, 2500);
    }
  }
  if (type === "unit.positions" && Array.isArray(data.positions)) {
    // A gateway's batch: only the moved units' latest positions, not whole records.
    for (const p of data.positions) {
      const u = S.units.get(p.id);
      if (u) putUnit({ ...u, location: p.location, position_at: p.position_at, jurisdiction: p.jurisdiction });
    }
  }
  if (type === "alert.emergency" || type === "alert.backup") {
    showFieldAlert(type, data, {
      open: (id) => select(id),
      unitName: (u) => (u.name && u.name !== u.id ? `${u.name} (${u.id})` : u.id),
      placeName,
    });
  }
  if (type.startsWith("mutual_aid.")) {
    aidChanged();
    detailShown = "";
  }
  if (type.startsWith("premise_note.")) {
    premiseNotesChanged();
    detailShown = "";
  }
  if (type === "incident.requeued" && data.incident) requeueAlert(data, callTypeName, (id) => select(id));
  if (type === "loan.overdue" && data.loan) overdueAlert(data.loan);
  if (type === "unit.deleted" && data.id) S.units.delete(data.id);
  if (type === "unit.created" || type === "unit.deleted") fillUnitFilters();
  if (type.startsWith("jurisdiction.")) refreshJurisdictions();
  if (type.startsWith("call_type.") || type.startsWith("agency.")) loadStatic().then(renderAll).catch(() => {});
  if (S.selected) {
    const touches = data.unit || data.incident?.id === S.selected || type.startsWith("agreement.");
    if (touches) scheduleRec(type === "unit.moved" ? 1500 : 100);
    else if (type === "unit.positions") scheduleRec(1500);
  }
  if (type === "unit.moved" || type === "unit.positions") {
    render("map");
    renderSoon("units", 1000);
  } else renderAll();
}

/** A piece of equipment is past due (``bluepool resources overdue``): say who has it. */
function overdueAlert(loan) {
  const where = loan.incident ? ` for incident ${loan.incident}` : "";
  const text = `Loan overdue: ${loan.resource} of ${loan.lender}, with ${loan.borrower}${where}, was due at ${clock(loan.due_at)}.`;
  toast(text, "warn", 12000);
  announce(text);
}

async function refreshJurisdictions() {
  try {
    const r = await drawJurisdictions(map, S.agencies, jurisdictionLayer);
    jurisdictionLayer = r.layer;
    S.jurisdictions = new Map(r.data.features.map((f) => [f.properties.id, f.properties.name]));
    renderAll();
  } catch (e) {
    toast(`Jurisdictions: ${e.message}`);
  }
}

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if ($("#command-dialog").open || $("#staffed-dialog").open) return; // dialogs handle their own keys
  if (e.target.closest?.("dialog")) return; // so does a dialog with the focus
  if (e.key === "Escape") {
    if (S.newMode) closeNew();
    else if (typing(e.target)) e.target.blur();
    else if (S.pick) {
      S.pick = 0;
      render("rec");
    } else if (S.selected) {
      S.selected = null;
      S.rec = null;
      renderAll();
    }
    return;
  }
  if (typing(e.target)) return;
  const k = e.key;
  // A pop-out window shows no recommendation: it browses (J, K, /, U), the console acts.
  if (document.body.dataset.view && !"jk/u".includes(k.toLowerCase())) return;
  if (k === "Enter") {
    if (e.target.closest?.("button, a, summary, [role=button]")) return; // the focused control (a map marker too) handles it
    e.preventDefault();
    if (command.onKey("s", e)) return; // a unit's row: set its status
    enterAssign();
    return;
  }
  const lower = k.length === 1 ? k.toLowerCase() : k;
  const actions = {
    n: () => openNew(),
    j: () => move(1),
    k: () => move(-1),
    a: assignPicked,
    p: assignPlan,
    c: closeSelected,
    e: editSelected,
    t: noteSelected,
    "/": () => $("#queue-filter").focus(),
    u: () => $("#unit-filter").focus(),
  };
  if (!e.shiftKey && command.onKey(lower, e)) {
    e.preventDefault();
    return;
  }
  if (actions[lower] && !e.shiftKey) {
    e.preventDefault();
    actions[lower]();
  } else if (/^[1-9]$/.test(k)) {
    e.preventDefault();
    pick(Number(k) - 1);
  }
}

// --------------------------------------------------------------------------------------

async function main() {
  const view = setUpPopouts(); // a pop-out window shows one part of the console
  tellSelection = shareSelection((id) => {
    if (id && !S.incidents.has(id)) api(`/incidents/${encodeURIComponent(id)}`).then((i) => (putIncident(i), select(id, { share: false }))).catch(() => {});
    else select(id, { share: false });
  });
  showUser(me);
  $("#signout").addEventListener("click", signOut);
  floor = watchFloor({
    state: S,
    select,
    describe: (id) => {
      const i = S.incidents.get(id);
      return i ? `${callTypeName(i.call_type)} in ${placeName(i.jurisdiction)}` : `#${id.slice(0, 6)}`;
    },
    canDispatch: DISPATCHERS.has(me.role),
  });
  const tileUrl = $("#app").dataset.tileUrl || null;
  const onMapClick = (ll) => (S.newMode ? setNewLocation(ll.lat, ll.lng, { lookup: true }) : openNew(ll));
  map = createMap($("#map"), { tileUrl, onClick: view ? null : onMapClick }); // new incidents: in the console
  markers = clusterGroup(map);
  routeGroup = L.layerGroup().addTo(map);
  previewGroup = L.layerGroup().addTo(map);

  $("#queue-list").addEventListener("click", (e) => {
    const b = e.target.closest("[data-id]");
    if (b) select(b.dataset.id);
  });
  $("#units-body").addEventListener("click", (e) => {
    const link = e.target.closest("[data-incident]");
    if (link) {
      const id = link.dataset.incident;
      if (!S.incidents.has(id)) api(`/incidents/${encodeURIComponent(id)}`).then((i) => (putIncident(i), select(id))).catch((err) => toast(err.message));
      else select(id);
      return;
    }
    const row = e.target.closest("tr[data-id]");
    const u = row && S.units.get(row.dataset.id);
    if (u?.location) map.panTo([u.location.lat, u.location.lon]);
  });
  $("#rec-body").addEventListener("click", (e) => {
    const b = e.target.closest(".assign-one");
    if (b) return e.detail === 0 ? askIfStaffed(b.dataset.unit) : assign([b.dataset.unit]);
    const row = e.target.closest("tr[data-n]");
    if (row) pick(Number(row.dataset.n));
  });
  $("#assign-top").addEventListener("click", (e) => (e.detail === 0 ? enterAssign() : assignPicked()));
  $("#assign-plan").addEventListener("click", assignPlan);
  $("#staffed-dialog").addEventListener("close", onStaffedClose);
  $("#new-incident-btn").addEventListener("click", () => openNew());
  $("#new-cancel").addEventListener("click", closeNew);
  $("#new-form").addEventListener("submit", submitNew);
  $("#new-call-type").addEventListener("change", (e) => {
    const ct = S.callTypes.get(e.target.value);
    if (ct) $("#new-priority").value = String(ct.default_priority);
  });
  addressSearch($("#new-address"), $("#new-address-list"), { onPick: pickAddress, placeName });
  $("#new-address").addEventListener("input", () => (addressTyped = true));
  let coordTimer = 0;
  for (const id of ["#new-lat", "#new-lon"]) {
    $(id).addEventListener("input", () => {
      const lat = parseCoord($("#new-lat").value, 90);
      const lon = parseCoord($("#new-lon").value, 180);
      if (lat !== null && lon !== null) {
        placeNewMarker(lat, lon);
        clearTimeout(coordTimer);
        coordTimer = setTimeout(() => lookUpAddress(lat, lon), 300);
      }
    });
  }
  // The filter forms have nothing to submit (Enter in a search field would reload the page).
  for (const id of ["#queue-filters", "#unit-filters"]) $(id).addEventListener("submit", (e) => e.preventDefault());
  for (const id of ["#queue-filter", "#queue-priority"]) $(id).addEventListener("input", () => render("queue"));
  $("#queue-status").addEventListener("change", async () => {
    if ($("#queue-status").value === "closed" && !S.closedLoaded) await loadClosed().catch((e) => toast(e.message));
    render("queue");
  });
  for (const id of ["#unit-filter", "#unit-agency", "#unit-capability", "#unit-status"]) $(id).addEventListener("input", () => render("units"));
  document.addEventListener("keydown", onKey);
  command.init({ S, putIncident, putUnit, renderAll, loadRec, selectedIncident, callTypeName });

  setInterval(() => {
    const now = Date.now();
    $("#clock").textContent = new Date(now).toLocaleTimeString([], { hour12: false });
    document.querySelectorAll("[data-age]").forEach((el) => {
      if (el.dataset.age) el.textContent = age(el.dataset.age, now);
    });
  }, 1000);

  connectLive({
    onEvent,
    onState: showState,
    // Every (re)connection re-reads the state: nothing missed while offline stays missing.
    onSync: (resync) => {
      loadState().catch((e) => toast(`${resync ? "Refresh after reconnecting" : "Loading"} failed: ${e.message}`));
      floor.sync();
    },
  });
  try {
    await loadStatic();
    await refreshJurisdictions();
    drawRoads(map);
    await loadState();
  } catch (e) {
    toast(`Loading the console failed: ${e.message}`);
  }
  document.body.dataset.ready = "true";
}

if (me && me.role === "officer") location.replace("/officer");
else if (me) main();
