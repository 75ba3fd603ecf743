// The board report: how the pooled fleet is used, the idle specialised units, the
// resources several agencies keep a short drive apart and what pooling them would save, and
// the hours agencies lend each other, the KPIs and the hot spots. Everything comes from the
// API (/api/v1/reports/board, /kpis, /hotspots), which decides who may read it; the
// figures are SVG from the same reports.

import { ApiError, api, download, requireSession, saveDownload, signOut } from "./api.js";
import { h, fill } from "./dom.js";
import { announce, showUser, toast } from "./ui.js";

const $ = (sel) => document.querySelector(sel);
const FIGURES = ["utilisation", "idle", "lent-borrowed"];
const me = requireSession();

const hours = (x) => `${x.toFixed(1)} h`;
const pct = (x) => `${(100 * x).toFixed(1)} %`;
const money = (minor) =>
  `CHF ${(minor / 100).toLocaleString("de-CH", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const day = (d) => d.toISOString().slice(0, 10);
const row = (...cells) => h("tr", {}, ...cells.map(([text, cls]) => h("td", cls ? { class: cls } : {}, text)));
const none = (cols) => h("tr", {}, h("td", { colspan: String(cols), class: "muted" }, "none"));

function query() {
  const q = new URLSearchParams({
    from: `${$("#b-from").value}T00:00:00Z`,
    until: `${$("#b-until").value}T00:00:00Z`,
  });
  if ($("#b-idle").value) q.set("idle_below", String(Number($("#b-idle").value) / 100));
  if ($("#b-within").value) q.set("within_minutes", $("#b-within").value);
  return q.toString();
}

function asDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function show(r) {
  $("#b-idle").placeholder = String(100 * r.rules.idle_below);
  $("#b-within").placeholder = String(r.rules.within_minutes);
  $("#board-summary").textContent =
    `${r.incidents} incidents · specialised units idle below ${pct(r.rules.idle_below)} of the time · ` +
    `duplicates within ${r.rules.within_minutes} minutes' drive · yearly saving of pooling: ${money(r.saving)}`;
  fill($("#util-body"), ...(r.utilisation.length ? r.utilisation.map((u) =>
    row([u.agency_id], [u.kind], [String(u.units), "num"], [hours(u.busy_hours), "num"], [pct(u.share), "num"])) : [none(5)]));
  fill($("#idle-body"), ...(r.idle.length ? r.idle.map((i) =>
    row([i.unit_id], [i.agency_id], [i.kind], [hours(i.busy_hours), "num"])) : [none(4)]));
  fill($("#dup-body"), ...(r.duplication.length ? r.duplication.map((d) =>
    row([d.kind], [d.units.join(", ")], [d.agencies.join(", ")], [`${Math.round(d.spread_minutes)} min`, "num"],
      [String(d.needed), "num"], [money(d.saving), "num"])) : [none(6)]));
  $("#dup-saving").textContent = r.duplication.length ? money(r.saving) + " a year" : "";
  fill($("#lent-body"), ...(r.lent_borrowed.length ? r.lent_borrowed.map((l) =>
    row([l.month], [l.agency_id], [hours(l.lent_hours), "num"], [hours(l.borrowed_hours), "num"])) : [none(4)]));
}

const STATUS = { met: "met", at_risk: "at risk", missed: "missed", no_data: "no data" };
const mmss = (s) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;

function showGoals(goals) {
  fill($("#goals-body"), ...(goals.length ? goals.map((g) => h("tr", {},
    h("td", {}, g.description),
    h("td", { class: "num" }, g.period.value_s === null ? "–" : mmss(g.period.value_s)),
    h("td", { class: "num" }, String(g.period.count)),
    h("td", {}, h("span", { class: `goal goal-${g.period.status}` }, STATUS[g.period.status])),
  )) : [none(4)]));
}

const KPI_FIGURES = ["by-priority", "time-of-week", "by-jurisdiction"];
const KPI_SHOWN = ["call_processing", "travel", "total_response"];
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function showKpis(report) {
  const rows = report.rows.filter((r) => r.group.self_initiated === "public" && KPI_SHOWN.includes(r.kpi));
  const time = (s) => (s === null ? "–" : mmss(s));
  fill($("#kpis-body"), ...(rows.length ? rows.map((r) =>
    row([`P${r.group.priority}`], [r.kpi.replace(/_/g, " ")], [time(r.median_s), "num"], [time(r.p90_s), "num"],
      [String(r.count), "num"], [String(r.missing), "num"])) : [none(6)]));
}

const spotLabel = (s) => (s === "none" ? "not significant" : `${s.split("_")[0]}, ${s.split("_")[1]} %`);
const SHOWN_SPOTS = 10;

function showHotspots(r) {
  $("#hot-basis").textContent = `${r.basis}.`;
  $("#hot-summary").textContent =
    `${r.counted} ${r.counted === 1 ? "call" : "calls"} counted · ${r.self_initiated_left_out} self-initiated left out · ` +
    `${r.without_location} without location (not on the map) · H3 resolution ${r.resolution} · ` +
    `emerging classes over ${r.steps} ${r.step}s`;
  const spots = r.cells.filter((c) => c.spot !== "none")
    .sort((a, b) => Math.abs(b.gi_z) - Math.abs(a.gi_z)).slice(0, SHOWN_SPOTS);
  fill($("#hot-body"), ...(spots.length ? spots.map((c) =>
    row([c.id], [String(c.count), "num"], [c.gi_z.toFixed(2), "num"], [spotLabel(c.spot)],
      [c.emerging ? c.emerging.replace(/_/g, " ") : "–"])) : [none(5)]));
}

async function load() {
  const q = query();
  const period = new URLSearchParams(q);
  period.delete("idle_below");
  period.delete("within_minutes");
  history.replaceState(null, "", `/board?${q}`);
  try {
    const report = await api(`/reports/board?${q}`);
    $("#denied").hidden = true;
    $("#board-main").hidden = false;
    show(report);
    showGoals(await api(`/goals?${period}`));
    const zoned = new URLSearchParams(period);
    zoned.set("tz", ZONE);
    showKpis(await api(`/kpis?${zoned}&by=priority`));
    showHotspots(await api(`/hotspots?${zoned}`));
    announce("Board report updated");
    await Promise.all(FIGURES.map(async (name) => {
      $(`#fig-${name}`).src = await asDataUrl(await download(`/reports/board/${name}.svg?${q}`));
    }));
    $("#fig-goals").src = await asDataUrl(await download(`/reports/goals.svg?${period}`));
    await Promise.all(KPI_FIGURES.map(async (name) => {
      $(`#kfig-${name}`).src = await asDataUrl(await download(`/reports/kpis/${name}.svg?${zoned}`));
    }));
    $("#hfig-hotspots").src = await asDataUrl(await download(`/reports/hotspots.svg?${period}`));
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      $("#board-main").hidden = true;
      $("#denied").hidden = false;
    } else {
      toast(e.message || String(e));
    }
  }
}

function start() {
  if (!me) return;
  showUser(me);
  $("#signout").addEventListener("click", () => signOut());
  const q = new URLSearchParams(location.search);
  const until = q.get("until") ? new Date(q.get("until")) : new Date(Date.now() + 86400000);
  const from = q.get("from") ? new Date(q.get("from")) : new Date(until.getTime() - 30 * 86400000);
  $("#b-until").value = day(until);
  $("#b-from").value = day(from);
  if (q.get("idle_below")) $("#b-idle").value = String(100 * Number(q.get("idle_below")));
  if (q.get("within_minutes")) $("#b-within").value = q.get("within_minutes");
  const saving = (run) => () => run().catch((e) => toast(e.message || String(e)));
  $("#goals-pdf").addEventListener("click", saving(() =>
    saveDownload(`/goals/report.pdf?tz=${encodeURIComponent(ZONE)}`, "goals-report.pdf")));
  $("#kpis-html").addEventListener("click", saving(() => {
    const period = new URLSearchParams(query());
    period.delete("idle_below");
    period.delete("within_minutes");
    period.set("tz", ZONE);
    return saveDownload(`/reports/kpis.html?${period}`, "kpi-report.html");
  }));
  $("#board-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    load();
  });
  load().finally(() => {
    document.body.dataset.ready = "true";
  });
}

start();
