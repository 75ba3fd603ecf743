// Nothing goes stale: the floor's timers on the console (and the supervisor panel).
//
// Which timers run and when each falls due is the server's rule
// (bluepool.domain.dispatch.timers, served by GET /api/v1/timers with each timer's due_at);
// the page only compares due_at with the server's clock, colours the queue's and the unit
// board's rows, lists what is due with an Acknowledge button, beeps (when the sound is on)
// and keeps a waiting P1 impossible to miss (banner, flashing row, the tab title). When a
// unit comes free and a waiting call it may take is pending (GET /api/v1/pending?unit_id=),
// it offers that call: Enter assigns, Escape dismisses.

import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { age } from "./format.js";
import { announce, toast } from "./ui.js";

export const TIMER_LABEL = {
  unassigned: "waiting unassigned",
  dispatched_not_enroute: "dispatched, not en route",
  welfare_check: "welfare check due",
};
const SOUND_KEY = "bluepool.sound";
const typing = (el) => Boolean(el) && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));
const timerKey = (t) => `${t.incident_id}|${t.kind}|${t.unit_id ?? ""}`;

/** The timers as the server last served them, and its clock. */
export function timerClock() {
  let timers = [];
  let skew = 0; // server time minus this device's time
  return {
    async load() {
      const body = await api("/timers");
      skew = Date.parse(body.now) - Date.now();
      timers = body.timers;
      return body;
    },
    now: () => Date.now() + skew,
    /** The timers due now, most urgent first (priority, then the longest overdue). */
    due() {
      const now = Date.now() + skew;
      return timers
        .filter((t) => Date.parse(t.due_at) <= now)
        .sort((a, b) => a.priority - b.priority || a.due_at.localeCompare(b.due_at));
    },
  };
}

/** POST the acknowledgement of ``t``; every console hears it as incident.updated. */
function acknowledge(t) {
  return api(`/incidents/${encodeURIComponent(t.incident_id)}/acknowledgements`, {
    method: "POST",
    body: { timer: t.kind, unit_id: t.unit_id ?? null },
  });
}

/** One alert row: "P1 Burglary · vaduz-p1 welfare check due (2 min)" and its buttons. */
export function alertItem(t, { describe, canAck, now }) {
  const who = t.unit_id ? `${t.unit_id} ` : "";
  return h(
    "li",
    { class: `alert-item p${t.priority} t-${t.kind}`, dataset: { key: timerKey(t) } },
    h("span", { class: `pri p${t.priority}` }, `P${t.priority}`),
    h(
      "button",
      { type: "button", class: "link alert-select", dataset: { incident: t.incident_id } },
      describe(t.incident_id),
    ),
    h("span", { class: "alert-what" }, `${who}${TIMER_LABEL[t.kind] ?? t.kind}`),
    h("span", { class: "alert-age", title: `due since ${new Date(t.due_at).toLocaleTimeString()}` }, age(t.due_at, now)),
    canAck
      ? h(
          "button",
          { type: "button", class: "btn btn-sm alert-ack", dataset: { key: timerKey(t) }, "aria-label": `Acknowledge ${TIMER_LABEL[t.kind]} on ${describe(t.incident_id)}${t.unit_id ? " " + t.unit_id : ""}` },
          "Acknowledge",
        )
      : null,
  );
}

/** The alert list's buttons: the incident's name selects it, Acknowledge acknowledges. */
export function bindAlerts(list, clock, describe, select = null) {
  list.addEventListener("click", async (e) => {
    const sel = e.target.closest(".alert-select");
    if (sel && select) return select(sel.dataset.incident);
    const ack = e.target.closest(".alert-ack");
    if (!ack) return;
    const t = clock.due().find((x) => timerKey(x) === ack.dataset.key);
    if (!t) return;
    ack.disabled = true;
    try {
      await acknowledge(t);
      announce(`Acknowledged: ${TIMER_LABEL[t.kind]} on ${describe(t.incident_id)}.`);
    } catch (err) {
      toast(`Could not acknowledge: ${err.message}`);
      ack.disabled = false;
    }
  });
}

let audio = null;
/** A short beep through WebAudio (only after the user turned the sound on: a gesture). */
function beep(urgent) {
  if (!audio) return;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = urgent ? 880 : 660;
  gain.gain.value = 0.08;
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + (urgent ? 0.35 : 0.18));
}

/**
 * The console's floor watch. ``state`` gives the incidents and units maps and the names;
 * ``select(id)`` selects an incident; ``canDispatch`` says whether the role may assign and
 * acknowledge. Returns the hooks the console calls: ``beforeEvent`` (with the event, before
 * it merges it), ``sync`` (after every (re)connection) and ``title(unassigned, name)``.
 */
export function watchFloor({ state, select, describe, canDispatch }) {
  const clock = timerClock();
  const seenDue = new Set();
  const offers = [];
  let offer = null;
  let sound = localStorage.getItem(SOUND_KEY) === "on";

  const soundBtn = document.getElementById("sound-toggle");
  const showSound = () => {
    soundBtn.setAttribute("aria-pressed", String(sound));
    soundBtn.textContent = sound ? "Sound on" : "Sound off";
  };
  soundBtn.addEventListener("click", () => {
    sound = !sound;
    localStorage.setItem(SOUND_KEY, sound ? "on" : "off");
    if (sound && !audio) audio = new AudioContext();
    showSound();
  });
  showSound();

  let loadTimer = 0;
  function reload() {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(() => clock.load().then(paint).catch(() => {}), 150);
  }

  const waitingP1 = () => [...state.incidents.values()].filter((i) => i.priority === 1 && i.status === "received");

  function paint() {
    const now = clock.now();
    const due = clock.due();
    const onIncident = new Map();
    const onUnit = new Map();
    for (const t of due) {
      if (!onIncident.has(t.incident_id)) onIncident.set(t.incident_id, t);
      if (t.unit_id && !onUnit.has(t.unit_id)) onUnit.set(t.unit_id, t);
    }
    const p1 = new Set(waitingP1().map((i) => i.id));
    for (const row of document.querySelectorAll("#queue-list .q-item")) {
      const t = onIncident.get(row.dataset.id);
      row.classList.toggle("t-due", Boolean(t));
      row.dataset.timer = t ? t.kind : "";
      row.classList.toggle("p1-waiting", p1.has(row.dataset.id));
    }
    for (const row of document.querySelectorAll("#units-body tr[data-id]")) {
      const t = onUnit.get(row.dataset.id);
      row.classList.toggle("t-due", Boolean(t));
      row.dataset.timer = t ? t.kind : "";
    }
    const list = document.getElementById("alert-list");
    fill(list, due.map((t) => alertItem(t, { describe, canAck: canDispatch, now })));
    document.getElementById("alerts").hidden = due.length === 0;
    document.getElementById("alert-count").textContent = due.length ? String(due.length) : "";
    let fresh = false;
    let urgent = false;
    for (const t of due) {
      if (!seenDue.has(timerKey(t))) {
        seenDue.add(timerKey(t));
        fresh = true;
        urgent ||= t.priority === 1;
        announce(`Timer due: P${t.priority} ${describe(t.incident_id)}, ${t.unit_id ? t.unit_id + " " : ""}${TIMER_LABEL[t.kind]}.`);
      }
    }
    const dueKeys = new Set(due.map(timerKey));
    for (const k of [...seenDue]) if (!dueKeys.has(k)) seenDue.delete(k);
    if (fresh && sound) beep(urgent);
    paintBanner(now);
  }

  let p1Shown = "";
  function paintBanner(now) {
    const waiting = waitingP1().sort((a, b) => a.received_at.localeCompare(b.received_at));
    const banner = document.getElementById("p1-banner");
    banner.hidden = waiting.length === 0;
    const key = waiting.map((i) => i.id).join(",");
    if (waiting.length) {
      const first = waiting[0];
      fill(
        document.getElementById("p1-text"),
        h("strong", {}, waiting.length === 1 ? "P1 waiting: " : `${waiting.length} P1 calls waiting: `),
        `${describe(first.id)}, ${age(first.received_at, now)}`,
      );
      document.getElementById("p1-select").dataset.incident = first.id;
      if (key !== p1Shown && sound) beep(true);
    }
    p1Shown = key;
  }

  // -- the re-offer prompt

  async function offerFor(unitId) {
    let pending;
    try {
      pending = await api(`/pending?unit_id=${encodeURIComponent(unitId)}`);
    } catch {
      return;
    }
    const call = pending.items[0];
    if (!call || offers.some((o) => o.unit === unitId) || offer?.unit === unitId) return;
    offers.push({ unit: unitId, call });
    if (!offer) nextOffer();
  }

  function nextOffer() {
    offer = offers.shift() ?? null;
    const box = document.getElementById("offer");
    box.hidden = !offer;
    if (!offer) return;
    const i = offer.call;
    fill(
      document.getElementById("offer-text"),
      `Unit ${offer.unit} is available for P${i.priority} ${describe(i.id)} (waiting ${age(i.received_at, clock.now())}) — assign?`,
    );
    document.getElementById("offer-error").hidden = true;
    // Someone typing (a new call) keeps the focus and their keys; otherwise the offer takes them.
    if (!typing(document.activeElement)) document.getElementById("offer-assign").focus();
    announce(`Unit ${offer.unit} is available for a waiting call. Enter assigns, Escape dismisses.`);
  }

  async function takeOffer() {
    if (!offer) return;
    const { unit, call } = offer;
    try {
      await api(`/incidents/${encodeURIComponent(call.id)}/assignments`, { method: "POST", body: { unit_id: unit } });
      announce(`${unit} assigned to ${describe(call.id)}.`);
      nextOffer();
      select(call.id);
    } catch (e) {
      const err = document.getElementById("offer-error");
      err.textContent = `Could not assign ${unit}: ${e.message}`;
      err.hidden = false;
    }
  }

  document.getElementById("offer-assign").addEventListener("click", takeOffer);
  document.getElementById("offer-dismiss").addEventListener("click", nextOffer);
  // While an offer is open, Enter and Escape answer it (before the console's own keys).
  document.addEventListener(
    "keydown",
    (e) => {
      if (!offer || e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e.target) && !e.target.closest("#offer")) return;
      if (e.key === "Enter" && !e.target.closest?.("#offer-dismiss")) {
        e.preventDefault();
        e.stopImmediatePropagation();
        takeOffer();
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopImmediatePropagation();
        nextOffer();
      }
    },
    true,
  );

  // -- the alert list and the banner

  bindAlerts(document.getElementById("alert-list"), clock, describe, select);
  document.getElementById("p1-select").addEventListener("click", (e) => select(e.currentTarget.dataset.incident));

  // Rows are redrawn by the console: colour them again whenever they are.
  const observer = new MutationObserver(() => paint());
  for (const id of ["queue-list", "units-body"]) observer.observe(document.getElementById(id), { childList: true });
  setInterval(paint, 1000);

  return {
    /** Called with every event before the console merges it. */
    beforeEvent(type, data) {
      const unit = data?.unit;
      if (unit && typeof unit === "object" && type !== "unit.moved") {
        const before = state.units.get(unit.id);
        const freed = unit.status === "available" && before && before.status !== "available" && before.version < unit.version;
        if (freed && canDispatch) offerFor(unit.id);
      }
      if (type.startsWith("incident.") || (type.startsWith("unit.") && type !== "unit.moved" && type !== "unit.positions")) reload();
    },
    sync: reload,
    /** The tab title: waiting P1 calls first, then the unassigned count, then ``name``. */
    title(unassigned, name = "Dispatch · bluepool") {
      const p1 = waitingP1().length;
      return `${p1 ? `P1 ×${p1} ` : ""}${unassigned ? `(${unassigned}) ` : ""}${name}`;
    },
  };
}

