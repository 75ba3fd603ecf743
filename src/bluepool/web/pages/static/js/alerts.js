// Alerts that a dispatcher must not miss, stacked at the top of the console. From the field: an officer in distress (the
// phone's emergency button) and a request for backup. Each stays on screen until a
// dispatcher acknowledges it on this console; an emergency also sounds (whatever the sound
// setting: it is the one alert that must be heard) and takes the keyboard focus.

import { h } from "./dom.js";
import { coords } from "./format.js";
import { announce } from "./ui.js";

let box = null;
let audio = null;

/** The one place on screen for alerts that stay until dismissed (this module's, and the
 * requeued P1 of incident-edits.js). */
export function container() {
  if (!box) {
    box = h("section", { id: "field-alerts", class: "field-alerts", "aria-label": "Alerts from the field" });
    document.body.append(box);
  }
  return box;
}

function beep() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const t = audio.currentTime;
    for (let k = 0; k < 3; k++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = k % 2 ? 660 : 880;
      gain.gain.setValueAtTime(0.2, t + k * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.001, t + k * 0.25 + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(t + k * 0.25);
      osc.stop(t + k * 0.25 + 0.22);
    }
  } catch {
    /* no audio on this machine: the alert is still on screen */
  }
}

/** Show an alert event (``alert.emergency`` or ``alert.backup``); ``open(incidentId)``
 * selects its incident on the console; ``unitName`` and ``placeName`` name things. */
export function showFieldAlert(type, data, { open, unitName, placeName }) {
  const unit = data.unit || {};
  const incident = data.incident || null;
  const key = `${type}:${unit.id}:${incident ? incident.id : "-"}`;
  const root = container();
  root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove();
  const emergency = type === "alert.emergency";
  const where = incident ? incident.address || `${placeName(incident.jurisdiction)} · ${coords(incident.location)}` : unit.location ? coords(unit.location) : "position unknown";
  const title = emergency ? `Officer in distress: ${unitName(unit)}` : `Backup requested: ${unitName(unit)}`;
  const detail = emergency
    ? `${where}${data.position_source ? ` (position from the ${data.position_source})` : ""}${incident ? ` · incident #${incident.id}` : " · no incident opened"}`
    : `${where}${incident ? ` · incident #${incident.id}` : ""}`;
  const dismiss = () => {
    el.remove();
    document.body.classList.toggle("has-emergency", Boolean(root.querySelector(".field-alert.emergency")));
  };
  const openBtn = incident ? h("button", { type: "button", class: "btn btn-primary" }, "Open incident") : null;
  openBtn?.addEventListener("click", () => {
    open(incident.id);
    dismiss();
  });
  const ackBtn = h("button", { type: "button", class: "btn" }, "Acknowledge");
  ackBtn.addEventListener("click", dismiss);
  const el = h(
    "div",
    { class: `field-alert ${emergency ? "emergency" : "backup"}`, role: "alertdialog", "aria-label": title, dataset: { key } },
    h("strong", { class: "field-alert-title" }, title),
    h("span", { class: "field-alert-detail" }, detail),
    h("span", { class: "field-alert-actions" }, openBtn, ackBtn),
  );
  el.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      dismiss();
    } else if (e.key === "Enter" && openBtn && e.target === el) {
      e.stopPropagation();
      openBtn.click();
    }
  });
  el.tabIndex = -1;
  root.prepend(el);
  announce(`${title}. ${detail}.`);
  if (emergency) {
    document.body.classList.add("has-emergency");
    beep();
    (openBtn || ackBtn).focus();
  }
}
