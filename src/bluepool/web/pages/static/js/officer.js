// The officer's view: the unit's current assignment, its route, status buttons, and the
// unit's position from the device's GPS or typed by hand. Phone first.

import { api, newKey, requireSession, signOut } from "./api.js";
import { h, fill } from "./dom.js";
import { age, clock, coords, parseCoord, status as statusText, PRIORITY_LABEL } from "./format.js";
import { connectLive, showState } from "./live.js";
import { createMap, drawJurisdictions, drawRoads, incidentIcon, routeLayer, textTip, unitMarker, STATUS_COLOUR } from "./map.js";
import { acknowledged, backupWanted } from "./timeline.js";
import { announce, showError, toast } from "./ui.js";
import { premiseNotesChanged, showPremiseNotes } from "./incident-edits.js";

const L = window.L;
const $ = (sel) => document.querySelector(sel);

// What each button may do from each status (mirrors the unit lifecycle; the server decides).
const ALLOWED = {
  en_route: new Set(["dispatched"]),
  on_scene: new Set(["dispatched", "en_route"]),
  available: new Set(["dispatched", "en_route", "on_scene", "busy", "out_of_service", "off_duty"]),
};
const BUTTON_LABEL = { en_route: "En route", on_scene: "On scene", available: "Clear" };

const S = { unit: null, incident: null, callTypes: new Map(), places: new Map(), agencies: [] };
let map;
let unitLayer = null;
let incidentLayer = null;
const routeGroup = L.layerGroup();
let manualMarker = null;
let watchId = null;
let lastSent = null;
let busy = false;

const me = requireSession();

const callTypeName = (code) => S.callTypes.get(code)?.name ?? code;
const placeName = (id) => (id ? S.places.get(id) ?? id : "outside the collective");

async function load() {
  const unit = await api(`/units/${encodeURIComponent(me.unit_id)}`);
  S.unit = unit;
  S.incident = unit.incident_id ? await api(`/incidents/${encodeURIComponent(unit.incident_id)}`) : null;
  render();
}

function render() {
  const u = S.unit;
  if (!u) return;
  $("#unit-title").textContent = u.name || u.id;
  const pill = $("#unit-status");
  pill.className = `status-pill st-${u.status}`;
  pill.textContent = statusText(u.status);
  $("#unit-meta").textContent = `${u.id} · ${u.agency}${u.jurisdiction ? " · in " + placeName(u.jurisdiction) : ""}`;
  renderAssignment();
  renderActions();
  for (const b of document.querySelectorAll(".st-btn")) {
    const target = b.dataset.status;
    b.disabled = busy || !ALLOWED[target].has(u.status);
    b.classList.toggle("current", u.status === target);
  }
  renderMap();
}

function renderAssignment() {
  const box = $("#assignment-body");
  const i = S.incident;
  const open = i && !["closed", "cancelled"].includes(i.status);
  $("#note-card").hidden = !i || !open;
  if (!i || !open) {
    fill(box, h("p", { class: "empty" }, i ? `Incident #${i.id} is ${statusText(i.status)}. ` : "", "No current assignment."));
    return;
  }
  const others = i.assignments.filter((a) => !a.cleared_at && a.unit_id !== S.unit.id).map((a) => a.unit_id);
  const field = (label, cls, ...value) => h("div", { class: cls }, h("dt", {}, label), h("dd", {}, ...value));
  fill(
    box,
    h(
      "div",
      { class: "inc-head" },
      h("span", { class: `pri pri-big p${i.priority}`, title: `Priority ${i.priority}` }, `P${i.priority}`),
      h(
        "div",
        { class: "inc-title" },
        h("h3", { id: "assignment-title" }, callTypeName(i.call_type)),
        h("div", { class: "muted small" }, `${PRIORITY_LABEL[i.priority] ?? ""} · #${i.id}`),
      ),
    ),
    h(
      "dl",
      { class: "kv" },
      i.address ? field("Address", "wide", i.address) : null,
      field(
        "Location",
        "wide",
        `${placeName(i.jurisdiction)} · ${coords(i.location)} `,
        h("a", { class: "navlink", href: `geo:${Number(i.location.lat)},${Number(i.location.lon)}` }, "Open in maps"),
      ),
      field("Received", null, clock(i.received_at), " ", h("span", { class: "muted", dataset: { age: i.received_at } }, age(i.received_at))),
      field("Incident", null, i.status === "received" ? "unassigned" : statusText(i.status)),
      others.length ? field("With", "wide", others.join(", ")) : null,
      i.description ? field("Notes", "wide", i.description) : null,
    ),
    h("div", { id: "premise-notes", class: "premise-box" }),
    h("p", { class: "muted small", id: "route-note" }),
  );
  showPremiseNotes(box.querySelector("#premise-notes"), i);
}

// The crew's own actions on its assignment: acknowledge it (once), ask for backup.
function renderActions() {
  const u = S.unit;
  const i = S.incident;
  const onIt = Boolean(i && u.incident_id === i.id && !["closed", "cancelled"].includes(i.status));
  const acked = onIt && acknowledged(i, u.id);
  const ack = $("#ack-btn");
  ack.hidden = !onIt || acked;
  ack.disabled = busy;
  const backup = $("#backup-btn");
  backup.hidden = !onIt;
  const waiting = onIt && backupWanted(i);
  backup.disabled = busy || waiting;
  backup.textContent = waiting ? "Backup requested" : "Request backup";
  const start = $("#start-send");
  start.disabled = busy || u.status !== "available" || !$("#start-type").options.length;
}

async function fieldAction(path, body, errorBox) {
  if (busy) return null;
  busy = true;
  render();
  showError(errorBox, "");
  try {
    return await api(`/units/${encodeURIComponent(S.unit.id)}/${path}`, { method: "POST", body });
  } catch (e) {
    showError(errorBox, e.message);
    return null;
  } finally {
    busy = false;
    render();
  }
}

async function acknowledge() {
  const r = await fieldAction("acknowledge", undefined, $("#assignment-error"));
  if (r) {
    S.incident = r;
    render();
    announce("Assignment acknowledged.");
  }
}

async function requestBackup() {
  const r = await fieldAction("backup", {}, $("#assignment-error"));
  if (r) {
    S.incident = r;
    render();
    announce("Backup requested: dispatch is alerted.");
  }
}

async function startIncident(e) {
  e.preventDefault();
  const r = await fieldAction("incidents", { call_type: $("#start-type").value, description: $("#start-note").value }, $("#start-error"));
  if (r) {
    $("#start-note").value = "";
    S.incident = r;
    S.unit = await api(`/units/${encodeURIComponent(me.unit_id)}`);
    render();
    announce(`${callTypeName(r.call_type)} started: you are on scene.`);
  }
}

// The emergency button: a 3-second countdown that Cancel stops, so a pocket press does not
// alert the floor; then the press goes out with the freshest position this phone has.
const COUNTDOWN_S = 3;
let countdown = null;

function armEmergency() {
  if (countdown) return;
  let left = COUNTDOWN_S;
  $("#emergency-seconds").textContent = String(left);
  $("#emergency-countdown").hidden = false;
  $("#emergency-btn").hidden = true;
  $("#emergency-cancel").focus();
  if (navigator.vibrate) navigator.vibrate(300);
  countdown = setInterval(() => {
    left -= 1;
    $("#emergency-seconds").textContent = String(left);
    if (left <= 0) {
      disarmEmergency();
      sendEmergency();
    }
  }, 1000);
}

function disarmEmergency() {
  clearInterval(countdown);
  countdown = null;
  $("#emergency-countdown").hidden = true;
  $("#emergency-btn").hidden = false;
}

async function sendEmergency() {
  const state = $("#emergency-state");
  state.hidden = false;
  state.className = "emergency-state sending";
  state.textContent = "Sending emergency…";
  const fresh = lastSent && Date.now() - lastSent.t < 60000 ? { lat: lastSent.lat, lon: lastSent.lon } : null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const r = await api(`/units/${encodeURIComponent(S.unit.id)}/emergency`, { method: "POST", body: fresh ? { location: fresh } : {} });
      state.className = "emergency-state sent";
      state.textContent = r.incident
        ? `Emergency sent: dispatch is alerted (incident #${r.incident.id}, position from the ${r.position_source}).`
        : "Emergency sent: dispatch is alerted.";
      announce(state.textContent);
      if (r.incident && S.unit.incident_id === r.incident.id) S.incident = r.incident;
      load().catch(() => {});
      return;
    } catch (e) {
      state.textContent = `Emergency not sent yet (${e.message}): retrying…`;
      await new Promise((ok) => setTimeout(ok, 1500));
    }
  }
  state.className = "emergency-state failed";
  state.textContent = "Emergency could not be sent: use the radio.";
}

let routeSeq = 0;
let framed = null;
let areaBounds = null;

function fitArea() {
  if (areaBounds) map.fitBounds(areaBounds, { padding: [10, 10], animate: false });
}
async function renderMap() {
  const u = S.unit;
  const i = S.incident && !["closed", "cancelled"].includes(S.incident.status) ? S.incident : null;
  if (unitLayer) unitLayer.remove();
  unitLayer = null;
  if (u.location) {
    unitLayer = unitMarker(u).setRadius(8).addTo(map).bindTooltip(textTip("You"), { permanent: true, direction: "right", offset: [8, 0], className: "you-label" });
  }
  if (incidentLayer) incidentLayer.remove();
  incidentLayer = i ? L.marker([i.location.lat, i.location.lon], { icon: incidentIcon(i, true), keyboard: false }).addTo(map) : null;
  const seq = ++routeSeq;
  const route = i && u.location ? await routeLayer(i, u, { colour: STATUS_COLOUR[u.status] || "#58a6ff" }) : null;
  if (seq !== routeSeq) return;
  routeGroup.clearLayers();
  if (route) routeGroup.addLayer(route);
  const note = $("#route-note");
  if (note) note.textContent = route ? (route.straight ? "Straight line shown: no road route available." : "Road route shown.") : u.location ? "" : "Your position is unknown: share GPS or enter it below.";
  // Frame the unit and its incident once per assignment; after that the officer pans freely.
  const frame = `${i ? i.id : "-"}:${u.location ? "u" : "-"}`;
  if (frame === framed) return;
  framed = frame;
  const pts = [];
  if (u.location) pts.push([u.location.lat, u.location.lon]);
  if (i) pts.push([i.location.lat, i.location.lon]);
  if (pts.length === 2) map.fitBounds(pts, { padding: [36, 36], maxZoom: 16, animate: false });
  else if (pts.length === 1) map.setView(pts[0], Math.max(map.getZoom(), 14), { animate: false });
  else fitArea();
}

async function setStatus(status, { confirm = false } = {}) {
  if (busy || !S.unit) return;
  busy = true;
  render();
  showError($("#status-error"), "");
  askToConfirm(null);
  try {
    const r = await api(`/units/${encodeURIComponent(S.unit.id)}/status`, {
      method: "POST",
      // A button pressed online is stamped by the server on arrival: a phone whose clock
      // runs a few seconds behind would otherwise look older than the dispatch it answers.
      body: { status, idempotency_key: newKey(), ...(confirm ? { confirm: true } : {}) },
    });
    S.unit = r;
    if (r.incident_id && (!S.incident || S.incident.id !== r.incident_id)) S.incident = await api(`/incidents/${encodeURIComponent(r.incident_id)}`);
    else if (S.incident) S.incident = await api(`/incidents/${encodeURIComponent(S.incident.id)}`);
    announce(`Status: ${BUTTON_LABEL[status] ?? statusText(status)}.`);
  } catch (e) {
    // A clear before arrival (an accidental tap?) is asked about, never done silently.
    if (e.code === "confirm_clear") askToConfirm(status);
    else showError($("#status-error"), e.message);
  } finally {
    busy = false;
    render();
  }
}

/** Ask whether a clear before arrival is meant (``status``; null: take the question away). */
function askToConfirm(status) {
  const box = $("#confirm-clear");
  if (!status) {
    box.hidden = true;
    return;
  }
  const i = S.incident;
  const what = i ? `P${i.priority} ${callTypeName(i.call_type)}` : "this call";
  fill(
    box,
    h("p", { id: "confirm-clear-text" }, h("b", {}, "You have not arrived yet. "), `Clear anyway? You leave ${what}; with no other unit on it, it goes back to the dispatch queue.`),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "btn btn-danger", id: "confirm-clear-yes" }, "Yes, clear"),
      h("button", { type: "button", class: "btn", id: "confirm-clear-no" }, "Keep the assignment"),
    ),
  );
  box.hidden = false;
  box.querySelector("#confirm-clear-yes").addEventListener("click", () => setStatus(status, { confirm: true }));
  box.querySelector("#confirm-clear-no").addEventListener("click", () => {
    askToConfirm(null);
    announce("Assignment kept.");
  });
  box.querySelector("#confirm-clear-no").focus();
  announce("You have not arrived yet: confirm the clear or keep the assignment.");
}

async function sendPosition(lat, lon, at, { quiet = false } = {}) {
  try {
    const r = await api(`/units/${encodeURIComponent(S.unit.id)}/positions`, {
      method: "POST",
      body: { lat, lon, at, idempotency_key: newKey() },
    });
    S.unit = r;
    lastSent = { lat, lon, t: Date.now() };
    $("#pos-last").textContent = `Position sent at ${clock(new Date().toISOString())}: ${coords({ lat, lon })}`;
    showError($("#pos-error"), "");
    render();
    return true;
  } catch (e) {
    if (!quiet) showError($("#pos-error"), e.message);
    else $("#gps-state").textContent = `GPS: could not send (${e.message})`;
    return false;
  }
}

function metres(a, b) {
  const k = 111320;
  const dx = (a.lon - b.lon) * k * Math.cos((a.lat * Math.PI) / 180);
  const dy = (a.lat - b.lat) * k;
  return Math.hypot(dx, dy);
}

function startGps() {
  if (!("geolocation" in navigator)) {
    $("#gps-state").textContent = "This device has no GPS access: enter the position by hand.";
    return;
  }
  $("#gps-state").textContent = "GPS: waiting for a fix…";
  $("#gps-toggle").setAttribute("aria-pressed", "true");
  $("#gps-toggle").textContent = "Stop sharing GPS";
  watchId = navigator.geolocation.watchPosition(
    (pos) => {
      const fix = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      $("#gps-state").textContent = `GPS on · ±${Math.round(pos.coords.accuracy)} m`;
      // Send at most every 5 s, or at once after a move of 25 m.
      if (!lastSent || Date.now() - lastSent.t > 5000 || metres(fix, lastSent) > 25) {
        sendPosition(fix.lat, fix.lon, new Date(pos.timestamp || Date.now()).toISOString(), { quiet: true });
      }
    },
    (err) => {
      const denied = err.code === err.PERMISSION_DENIED;
      $("#gps-state").textContent = denied ? "GPS not allowed: enter the position by hand." : `GPS: ${err.message || "no fix"}`;
      if (denied) stopGps(false);
    },
    { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 },
  );
}

function stopGps(resetText = true) {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
  $("#gps-toggle").setAttribute("aria-pressed", "false");
  $("#gps-toggle").textContent = "Share GPS position";
  if (resetText) $("#gps-state").textContent = "GPS off";
}

function onEvent(type, data) {
  if (!S.unit) return;
  if (type.startsWith("premise_note.")) {
    premiseNotesChanged();
    render();
    return;
  }
  if (type === "unit.positions" && Array.isArray(data.positions)) {
    // A batch (or grouped fixes): only the moved units' latest positions.
    const p = data.positions.find((x) => x.id === S.unit.id);
    if (p) {
      S.unit = { ...S.unit, location: p.location, position_at: p.position_at, jurisdiction: p.jurisdiction };
      render();
    }
    return;
  }
  if (data.unit && data.unit.id === S.unit.id) {
    if (data.unit.version < S.unit.version) return;
    const newJob = data.unit.incident_id && data.unit.incident_id !== S.unit.incident_id;
    S.unit = data.unit;
    if (data.incident && data.incident.id === data.unit.incident_id) S.incident = data.incident;
    if (newJob) {
      const i = S.incident && S.incident.id === data.unit.incident_id ? S.incident : null;
      const text = i ? `New assignment: priority ${i.priority} ${callTypeName(i.call_type)} in ${placeName(i.jurisdiction)}.` : "New assignment.";
      announce(text);
      const card = $("#assignment");
      card.classList.remove("flash");
      void card.offsetWidth;
      card.classList.add("flash");
      if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
      if (!i) load().catch(() => {});
    }
    render();
  } else if (data.incident && S.incident && data.incident.id === S.incident.id) {
    if (data.incident.version >= S.incident.version) S.incident = data.incident;
    render();
  }
}

async function main() {
  $("#signout").addEventListener("click", () => {
    stopGps();
    signOut();
  });
  map = createMap($("#officer-map"), {
    tileUrl: $("#app").dataset.tileUrl || null,
    onClick: (ll) => {
      $("#pos-lat").value = ll.lat.toFixed(5);
      $("#pos-lon").value = ll.lng.toFixed(5);
      if (manualMarker) manualMarker.setLatLng(ll);
      else manualMarker = L.circleMarker(ll, { radius: 7, color: "#e6edf3", weight: 2, dashArray: "3 3", fill: false }).addTo(map);
      $("#pos-send").focus();
    },
  });
  routeGroup.addTo(map);
  if (!me.unit_id) {
    fill(
      $("#assignment-body"),
      h(
        "p",
        { class: "empty" },
        "Your account crews no unit, so there is nothing to show here. ",
        me.role !== "officer" ? ["Open the ", h("a", { href: "/" }, "dispatch console"), "."] : "Ask your agency administrator to put you on a unit.",
      ),
    );
    document.querySelectorAll(".st-btn, #gps-toggle, #pos-send, #emergency-btn, #start-send").forEach((b) => (b.disabled = true));
    drawJurisdictions(map, []).catch(() => {});
    return;
  }
  for (const b of document.querySelectorAll(".st-btn")) b.addEventListener("click", () => setStatus(b.dataset.status));
  $("#emergency-btn").addEventListener("click", armEmergency);
  $("#emergency-cancel").addEventListener("click", () => {
    disarmEmergency();
    announce("Emergency cancelled.");
    $("#emergency-btn").focus();
  });
  $("#ack-btn").addEventListener("click", acknowledge);
  $("#backup-btn").addEventListener("click", requestBackup);
  $("#start-form").addEventListener("submit", startIncident);
  $("#gps-toggle").addEventListener("click", () => (watchId === null ? startGps() : stopGps()));
  $("#note-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("#note-text").value.trim();
    if (!text || !S.incident) return;
    try {
      const r = await api(`/incidents/${encodeURIComponent(S.incident.id)}/notes`, { method: "POST", body: { text } });
      S.incident = r.incident;
      $("#note-text").value = "";
      showError($("#note-error"), "");
      announce("Note added.");
    } catch (err) {
      showError($("#note-error"), err.message);
    }
  });
  $("#pos-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const lat = parseCoord($("#pos-lat").value, 90);
    const lon = parseCoord($("#pos-lon").value, 180);
    if (lat === null || lon === null) {
      showError($("#pos-error"), "Enter a latitude (-90 to 90) and a longitude (-180 to 180), e.g. 47.14 and 9.52.");
      return;
    }
    if (await sendPosition(lat, lon, new Date().toISOString()) && manualMarker) {
      manualMarker.remove();
      manualMarker = null;
    }
  });
  setInterval(() => {
    document.querySelectorAll("[data-age]").forEach((el) => (el.textContent = age(el.dataset.age)));
  }, 1000);

  connectLive({
    onEvent,
    onState: showState,
    onSync: () => load().catch((e) => toast(e.message)),
  });
  try {
    const [callTypes, agencies] = await Promise.all([api("/call-types"), api("/agencies")]);
    S.callTypes = new Map(callTypes.map((c) => [c.code, c]));
    const own = callTypes.filter((c) => c.self_initiated);
    fill($("#start-type"), ...own.map((c) => h("option", { value: c.code }, c.name)));
    $("#start-form").hidden = !own.length;
    S.agencies = agencies.map((a) => a.id);
    const j = await drawJurisdictions(map, S.agencies, null, { fit: false });
    areaBounds = j.data.features.length ? j.layer.getBounds() : null;
    if (framed === null || framed.startsWith("-:-")) fitArea();
    S.places = new Map(j.data.features.map((f) => [f.properties.id, f.properties.name]));
    drawRoads(map);
    await load();
  } catch (e) {
    toast(`Loading failed: ${e.message}`);
  }
  // Share the position at once when the user has already allowed it.
  try {
    const perm = await navigator.permissions?.query({ name: "geolocation" });
    if (perm && perm.state === "granted") startGps();
  } catch {
    /* permissions API unavailable: the button still works */
  }
  document.body.dataset.ready = "true";
}

if (me) main();
