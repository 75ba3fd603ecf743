// The audit log's page: its entries newest first (filtered, paged), each entry's body and
// hash, the chain's state (latest checkpoint, a verification on demand) and a CSV download
// of the filtered entries. Everything comes from the public API (/api/v1/audit...), which
// decides who may read: any other role gets the "not allowed" state from its 403.

import { ApiError, api, requireSession, saveDownload, signOut } from "./api.js";
import { h, fill } from "./dom.js";
import { dateTime, localInput, status as words } from "./format.js";
import { announce, showUser, toast } from "./ui.js";

const $ = (sel) => document.querySelector(sel);
const LIMIT = 50;
const TEXT = ["actor", "kind", "agency", "subject"];
const TIMES = ["since", "until"];
const S = { where: {}, offset: 0, items: [], total: 0, selected: -1 };

const me = requireSession();

// --------------------------------------------------------------------------------------
// filters: the form <-> the page's URL (?actor=...&since=ISO&offset=50) <-> the API query

function fromUrl() {
  const q = new URLSearchParams(location.search);
  S.where = {};
  for (const key of [...TEXT, ...TIMES]) if (q.get(key)) S.where[key] = q.get(key);
  S.offset = Math.max(0, Number(q.get("offset")) || 0);
}

function toForm() {
  for (const key of TEXT) $(`#f-${key}`).value = S.where[key] ?? "";
  for (const key of TIMES) {
    const t = S.where[key] ? new Date(S.where[key]) : null;
    $(`#f-${key}`).value = t && !isNaN(t) ? localInput(t) : "";
  }
}

function fromForm() {
  const where = {};
  for (const key of TEXT) {
    const v = $(`#f-${key}`).value.trim();
    if (v) where[key] = v;
  }
  for (const key of TIMES) {
    const v = $(`#f-${key}`).value;
    const t = v ? new Date(v) : null; // a datetime-local value is local time
    if (t && !isNaN(t)) where[key] = t.toISOString();
  }
  return where;
}

function query(extra = {}) {
  return new URLSearchParams({ ...S.where, ...extra }).toString();
}

function remember() {
  const q = query(S.offset ? { offset: S.offset } : {});
  history.replaceState(null, "", q ? `/audit?${q}` : "/audit");
}

// --------------------------------------------------------------------------------------
// entries

async function load({ focusRow = false } = {}) {
  let page;
  try {
    page = await api(`/audit?${query({ limit: LIMIT, offset: S.offset })}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return deny(e.message);
    $("#audit-main").hidden = false; // the filters stay usable: Apply tries again
    toast(`Loading the audit log failed: ${e.message}`);
    return;
  }
  $("#audit-main").hidden = false;
  S.items = page.items;
  S.total = page.total;
  S.selected = -1;
  remember();
  renderEntries();
  renderEntry();
  announce(`${page.total} ${page.total === 1 ? "entry" : "entries"} found.`);
  if (focusRow && S.items.length) select(0, true);
}

function renderEntries() {
  fill(
    $("#entries-body"),
    S.items.map((e, i) =>
      h(
        "tr",
        { dataset: { i }, class: i === S.selected ? "selected" : null },
        h(
          "td",
          { class: "num" },
          h("button", { type: "button", class: "link seq", dataset: { i }, "aria-current": i === S.selected ? "true" : null }, e.seq ? String(e.seq) : "waiting"),
        ),
        h("td", { title: e.at }, dateTime(e.at)),
        h("td", {}, h("span", { class: `pill kind-${e.kind}` }, words(e.kind))),
        h("td", { class: "mono" }, e.action),
        h("td", {}, e.actor),
        h("td", {}, e.agency ?? ""),
        h("td", { class: "mono" }, e.subject ?? ""),
      ),
    ),
  );
  $("#entries-empty").hidden = S.items.length > 0;
  $("#entries-count").textContent = String(S.total);
  const first = S.items.length ? S.offset + 1 : 0;
  $("#page-range").textContent = `${first}–${S.offset + S.items.length} of ${S.total}`;
  $("#page-prev").disabled = S.offset === 0;
  $("#page-next").disabled = S.offset + S.items.length >= S.total;
}

function select(i, focus = false) {
  if (i < 0 || i >= S.items.length) return;
  S.selected = i;
  for (const row of $("#entries-body").children) {
    const on = Number(row.dataset.i) === i;
    row.classList.toggle("selected", on);
    const b = row.querySelector("button.seq");
    if (on) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
    if (on && focus) b.focus();
  }
  renderEntry();
}

function renderEntry() {
  const e = S.items[S.selected];
  $("#entry-empty").hidden = Boolean(e);
  $("#entry-detail").hidden = !e;
  if (!e) return;
  const field = (label, value, cls) => h("div", { class: cls ?? null }, h("dt", {}, label), h("dd", {}, value));
  const mono = (text) => h("code", { class: "hash" }, text || "–");
  fill(
    $("#entry-fields"),
    field("Seq", e.seq ? String(e.seq) : "waiting to be chained"),
    field("Kind", words(e.kind)),
    field("Time", h("span", { title: e.at }, dateTime(e.at), " ", h("span", { class: "muted" }, `(${e.at})`)), "wide"),
    field("Action", mono(e.action)),
    field("Actor", e.actor),
    field("Agency", e.agency ?? "–"),
    field("Subject", e.subject ?? "–"),
    field("Hash", mono(e.hash), "wide"),
    field("Previous hash", mono(e.prev_hash), "wide"),
  );
  $("#entry-body").textContent = e.body;
  let data;
  try {
    data = JSON.stringify(JSON.parse(e.body).data ?? {}, null, 2);
  } catch {
    data = "(the body is not JSON)";
  }
  $("#entry-data").textContent = data;
}

// --------------------------------------------------------------------------------------
// the chain: the latest checkpoint at once, a whole verification when asked

async function loadCheckpoint() {
  try {
    const c = await api("/audit/checkpoint");
    fill($("#chain-checkpoint"), `seq ${c.seq}, signed ${dateTime(c.at)}`, " ", h("span", { class: "muted" }, `(key ${c.public_key.slice(0, 12)}…)`));
  } catch (e) {
    if (e instanceof ApiError && e.code === "no_checkpoint") $("#chain-checkpoint").textContent = "None yet (a collective admin makes them).";
    else if (!(e instanceof ApiError && e.status === 403)) $("#chain-checkpoint").textContent = `Unknown: ${e.message}`;
  }
}

async function verify() {
  const button = $("#verify");
  button.disabled = true;
  $("#chain-verified").textContent = "Verifying the whole chain…";
  try {
    const r = await api("/audit/verify", { method: "POST" });
    const ok = r.findings.length === 0 && !r.checkpoint_problem;
    const against = r.checkpoint ? `, against the checkpoint at seq ${r.checkpoint.seq}` : ", no checkpoint to check against";
    const waiting = r.waiting ? ` ${r.waiting} more committed, not chained yet.` : "";
    fill(
      $("#chain-verified"),
      h("span", { class: `verdict ${ok ? "ok" : "bad"}` }, ok ? "Whole" : "Not whole"),
      ` — verified up to seq ${r.head_seq} (${r.entries} entries)${against}.${waiting}`,
    );
    const problems = [...(r.checkpoint_problem ? [r.checkpoint_problem] : []), ...r.findings.map((f) => `seq ${f.seq}: ${f.problem}: ${f.detail}`)];
    fill($("#chain-findings"), problems.map((p) => h("li", {}, p)));
    $("#chain-findings").hidden = problems.length === 0;
    announce(ok ? `The chain is whole up to seq ${r.head_seq}.` : `The chain is not whole: ${problems.length} findings.`);
  } catch (e) {
    $("#chain-verified").textContent = `Could not verify: ${e.message}`;
  } finally {
    button.disabled = false;
  }
}

// --------------------------------------------------------------------------------------

async function downloadCsv() {
  const button = $("#csv");
  button.disabled = true;
  try {
    const name = `bluepool-audit-${localInput(new Date()).replace(/[-:]/g, "").replace("T", "-")}.csv`;
    await saveDownload(`/audit.csv?${query()}`, name);
    announce(`Downloaded ${name}.`);
  } catch (e) {
    toast(`The download failed: ${e.message}`);
  } finally {
    button.disabled = false;
  }
}

async function loadAgencies() {
  try {
    const agencies = await api("/agencies");
    const select = $("#f-agency");
    select.append(...agencies.map((a) => h("option", { value: a.id }, a.name)));
    select.value = S.where.agency ?? "";
  } catch {
    // The filter still works with the agencies the URL names; the list is a convenience.
  }
}

function deny(message) {
  $("#audit-main").hidden = true;
  $("#denied").hidden = false;
  $("#denied-text").textContent = message;
  document.body.dataset.denied = "true";
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
  if (typing) {
    if (e.key === "Escape") t.blur();
    return;
  }
  if (!$("#denied").hidden) return;
  const k = e.key;
  if (k === "j" || k === "k") {
    e.preventDefault();
    select(S.selected < 0 ? 0 : S.selected + (k === "j" ? 1 : -1), true);
  } else if (k === "[" && !$("#page-prev").disabled) {
    e.preventDefault();
    page(-1);
  } else if (k === "]" && !$("#page-next").disabled) {
    e.preventDefault();
    page(1);
  } else if (k === "/") {
    e.preventDefault();
    $("#f-actor").focus();
  }
}

function page(step) {
  S.offset = Math.max(0, S.offset + step * LIMIT);
  load({ focusRow: true });
}

async function main() {
  showUser(me);
  $("#signout").addEventListener("click", signOut);
  fromUrl();
  toForm();
  $("#audit-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    S.where = fromForm();
    S.offset = 0;
    load();
  });
  $("#f-clear").addEventListener("click", () => {
    S.where = {};
    S.offset = 0;
    toForm();
    load();
  });
  $("#csv").addEventListener("click", downloadCsv);
  $("#verify").addEventListener("click", verify);
  $("#page-prev").addEventListener("click", () => page(-1));
  $("#page-next").addEventListener("click", () => page(1));
  $("#entries-body").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-i]");
    if (row) select(Number(row.dataset.i), e.target.closest("button") !== null);
  });
  document.addEventListener("keydown", onKey);
  await load();
  if ($("#denied").hidden) await Promise.all([loadAgencies(), loadCheckpoint()]);
  document.body.dataset.ready = "true";
}

if (me) main();
