// The analyst's view: search the incidents (GET /api/v1/incidents with filters, newest
// first, 50 to a page) and read one incident's record and timeline. Read-only: it has no
// control that changes anything. The filters stay in the page's address, so a reload or a
// shared link shows the same search. The first page follows the event stream: a call
// taken or changed anywhere shows in it (a later page stays put while you read it).
//
// FILTERS is the one list of the search's fields: a filter the API gains is one more line
// here and one more field in analyst.html.

import { api, requireSession, signOut } from "./api.js";
import { h, fill } from "./dom.js";
import { dateTime, localInput, status as words } from "./format.js";
import { connectLive, showState } from "./live.js";
import { announce, showUser, toast } from "./ui.js";

const $ = (sel) => document.querySelector(sel);
const LIMIT = 50;
/** Each filter: its query parameter (= the field's id after "s-") and whether it is a time. */
const FILTERS = [
  { key: "received_from", time: true },
  { key: "received_until", time: true },
  { key: "address" },
  { key: "unit_id" },
  { key: "call_type" },
  { key: "disposition" },
  { key: "status" },
  { key: "priority" },
  { key: "q" },
];
const S = { where: {}, offset: 0, items: [], total: 0, callTypes: new Map(), places: new Map(), selected: null };
const me = requireSession();

function fromUrl() {
  const q = new URLSearchParams(location.search);
  S.where = {};
  for (const f of FILTERS) if (q.get(f.key)) S.where[f.key] = q.get(f.key);
  S.offset = Math.max(0, Number(q.get("offset")) || 0);
}

function toForm() {
  for (const f of FILTERS) {
    const v = S.where[f.key] ?? "";
    const t = f.time && v ? new Date(v) : null;
    $(`#s-${f.key}`).value = f.time ? (t && !isNaN(t) ? localInput(t) : "") : v;
  }
}

function fromForm() {
  const where = {};
  for (const f of FILTERS) {
    const v = $(`#s-${f.key}`).value.trim();
    if (!v) continue;
    if (f.time) {
      const t = new Date(v); // a datetime-local value is local time
      if (!isNaN(t)) where[f.key] = t.toISOString();
    } else where[f.key] = v;
  }
  return where;
}

const query = (extra = {}) => new URLSearchParams({ ...S.where, ...extra }).toString();

async function search() {
  const q = query(S.offset ? { offset: S.offset } : {});
  history.replaceState(null, "", q ? `/analyst?${q}` : "/analyst");
  $("#search-error").hidden = true;
  try {
    const page = await api(`/incidents?${query({ limit: LIMIT, offset: S.offset })}`);
    S.items = page.items;
    S.total = page.total;
  } catch (e) {
    S.items = [];
    S.total = 0;
    $("#search-error").textContent = `The search failed: ${e.message}`;
    $("#search-error").hidden = false;
  }
  render();
  announce(`${S.total} incident${S.total === 1 ? "" : "s"} found.`);
}

const callType = (code) => S.callTypes.get(code) ?? code;
const place = (i) => i.address || (i.jurisdiction ? S.places.get(i.jurisdiction) ?? i.jurisdiction : "outside the collective");

function render() {
  fill(
    $("#results-body"),
    S.items.map((i) =>
      h(
        "tr",
        { dataset: { id: i.id }, class: i.id === S.selected ? "selected" : "", tabindex: "0" },
        h("td", {}, dateTime(i.received_at)),
        h("td", {}, h("span", { class: `pri p${i.priority}` }, `P${i.priority}`)),
        h("td", {}, callType(i.call_type)),
        h("td", {}, place(i)),
        h("td", {}, h("span", { class: `pill st-${i.status}` }, words(i.status))),
        h("td", {}, [...new Set(i.assignments.map((a) => a.unit_id))].join(", ")),
      ),
    ),
  );
  $("#results-empty").hidden = S.items.length > 0;
  $("#result-count").textContent = String(S.total);
  $("#page-newer").disabled = S.offset === 0;
  $("#page-older").disabled = S.offset + LIMIT >= S.total;
  $("#page-info").textContent = S.total ? `${S.offset + 1}–${Math.min(S.offset + LIMIT, S.total)} of ${S.total}` : "";
}

function show(id) {
  const i = S.items.find((x) => x.id === id);
  if (!i) return;
  S.selected = id;
  render();
  const field = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  fill(
    $("#incident-body"),
    h(
      "dl",
      { class: "fields" },
      field("Id", i.id),
      field("Call type", `P${i.priority} ${callType(i.call_type)}`),
      field("Where", place(i)),
      field("Status", words(i.status)),
      field("Received", dateTime(i.received_at)),
      field("Closed", i.closed_at ? dateTime(i.closed_at) : "—"),
      field("Description", i.description || "—"),
    ),
    h("h3", {}, "Timeline"),
    h(
      "ol",
      { class: "timeline-list" },
      i.timeline.map((e) => h("li", {}, `${dateTime(e.at)} · ${words(e.kind)}${e.unit_id ? " " + e.unit_id : ""} · ${e.actor}${e.detail ? " — " + e.detail : ""}`)),
    ),
  );
}

function page(step) {
  const next = S.offset + step * LIMIT;
  if (next < 0 || next >= Math.max(S.total, 1)) return;
  S.offset = next;
  search();
}

async function main() {
  showUser(me);
  $("#signout").addEventListener("click", signOut);
  try {
    const [callTypes, places, closing] = await Promise.all([api("/call-types"), api("/jurisdictions"), api("/closing")]);
    S.callTypes = new Map(callTypes.map((c) => [c.code, c.name]));
    S.places = new Map(places.map((j) => [j.id, j.name]));
    for (const c of callTypes) $("#s-call_type").append(h("option", { value: c.code }, c.name));
    for (const d of closing.dispositions) $("#s-disposition").append(h("option", { value: d.code }, d.name));
  } catch (e) {
    toast(`Loading the call types failed: ${e.message}`);
  }
  fromUrl();
  toForm();
  $("#search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    S.where = fromForm();
    S.offset = 0;
    search();
  });
  $("#search-clear").addEventListener("click", () => {
    S.where = {};
    S.offset = 0;
    toForm();
    search();
  });
  $("#page-newer").addEventListener("click", () => page(-1));
  $("#page-older").addEventListener("click", () => page(1));
  $("#results-body").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (row) show(row.dataset.id);
  });
  $("#results-body").addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (row && e.key === "Enter") show(row.dataset.id);
  });
  document.addEventListener("keydown", (e) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName);
    if (e.key === "Escape" && typing) e.target.blur();
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") {
      e.preventDefault();
      $("#s-q").focus();
    } else if (e.key === "[") page(-1);
    else if (e.key === "]") page(1);
  });
  let again = 0;
  connectLive({
    onState: showState,
    onSync: (resync) => resync && search(),
    onEvent: (type) => {
      if (!type.startsWith("incident.") && type !== "unit.assigned") return;
      if (S.offset !== 0) return;
      clearTimeout(again);
      again = setTimeout(async () => {
        await search();
        if (S.selected) show(S.selected);
      }, 250);
    },
  });
  await search();
  document.body.dataset.ready = "true";
}

if (me) main();
