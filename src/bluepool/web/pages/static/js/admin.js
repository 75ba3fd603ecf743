// The admin screens (/admin): the collective's standing records kept through the public API.
// One section per kind of record (agencies, jurisdictions, stations, units, call types with
// their response plans, agreements, resources and their loans, mutual-aid requests, users),
// each a list with the forms its rows need; and the ledger (a month's statement, and the
// settlement for a collective admin).
//
// What a section shows follows the signed-in user (GET /auth/me): a collective admin keeps
// everything; an agency admin keeps their own agency's stations, units, agreements and
// users, and reads the rest. Controls the user may not use are left out, not disabled; the
// server stays the authority and its refusals are shown as it words them.

import { api, requireSession, saveDownload, signOut } from "./api.js";
import { h, fill } from "./dom.js";
import { coords, dateTime } from "./format.js";
import { connectLive, showState } from "./live.js";
import { announce, showError, toast } from "./ui.js";

const $ = (sel) => document.querySelector(sel);
const enc = encodeURIComponent;
const session = requireSession();

const ROLES = ["dispatcher", "supervisor", "officer", "agency_admin", "analyst", "collective_admin"];
// The roles an agency admin grants within their agency (services/access/policy.py).
const AGENCY_ROLES = ["officer", "agency_admin"];
const PRIORITIES = [1, 2, 3, 4, 5];

const S = { me: null, agencies: [], jurisdictions: [], stations: [], units: [], callTypes: [], agreements: [], resources: [], resourceTypes: [], aid: [], users: [] };

// who may do what (mirrors the server's rules; the server decides) ------------------------

const isCollective = () => S.me?.role === "collective_admin";
const keeps = (agency) => isCollective() || (S.me?.role === "agency_admin" && S.me.agency === agency);
const keptAgencies = () => S.agencies.filter((a) => keeps(a.id));
const grantable = () => (isCollective() ? ROLES : AGENCY_ROLES);
const keepsUser = (u) => isCollective() || (Boolean(u.agency) && keeps(u.agency) && AGENCY_ROLES.includes(u.role));

// words --------------------------------------------------------------------------------

const words = (s) => String(s).replace(/_/g, " ");
const agencyName = (id) => (id ? S.agencies.find((a) => a.id === id)?.name ?? id : "");
const stationName = (id) => (id ? S.stations.find((s) => s.id === id)?.name ?? id : "");
const list = (text) =>
  String(text ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
const plan = (reqs) => reqs.map((r) => (r.count > 1 ? `${r.capability} ×${r.count}` : r.capability)).join(", ");
const code = (text) => h("span", { class: "u-id" }, text);
const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

const agencyOptions = (agencies) => agencies.map((a) => [a.id, a.name]);
const priorityOptions = () => PRIORITIES.map((p) => [String(p), `P${p}`]);
// A station's or a unit's option names its agency: the form offers only the chosen agency's.
const mine = (agency) => (r) => keeps(r.agency) && (!agency || r.agency === agency);
const stationOptions = (agency) => [["", "— none —"], ...S.stations.filter(mine(agency)).map((s) => [s.id, `${s.name} (${agencyName(s.agency)})`, s.agency])];
const unitOptions = (agency) => [["", "— none —"], ...S.units.filter(mine(agency)).map((u) => [u.id, `${u.id}${u.name ? " · " + u.name : ""}`, u.agency])];

const SLUG_HINT = "Lowercase letters, digits, - and _; it cannot be changed later.";

// GeoJSON upload -----------------------------------------------------------------------

/** The Polygon or MultiPolygon in an uploaded GeoJSON text: a geometry, a Feature, or a
 * FeatureCollection (its polygons joined into one MultiPolygon). */
export function boundary(text) {
  let g;
  try {
    g = JSON.parse(text);
  } catch {
    throw new Error("The file is not JSON: choose a GeoJSON file.");
  }
  if (g && g.type === "Feature") g = g.geometry;
  if (g && g.type === "FeatureCollection") {
    const shapes = (g.features || []).map((f) => f && f.geometry).filter(Boolean);
    if (shapes.length === 1) g = shapes[0];
    else if (shapes.length && shapes.every((s) => s.type === "Polygon" || s.type === "MultiPolygon")) {
      g = { type: "MultiPolygon", coordinates: shapes.flatMap((s) => (s.type === "Polygon" ? [s.coordinates] : s.coordinates)) };
    } else throw new Error("The file has no polygon to use as a boundary.");
  }
  if (!g || (g.type !== "Polygon" && g.type !== "MultiPolygon")) {
    throw new Error(`A jurisdiction's boundary is a Polygon or a MultiPolygon, not ${g && g.type ? g.type : "this"}.`);
  }
  return g;
}

function geometrySummary(g) {
  if (!g) return "no boundary";
  const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  const points = polygons.flat(2);
  const lats = points.map((p) => p[1]);
  const lons = points.map((p) => p[0]);
  const box = points.length
    ? ` · from ${Math.min(...lats).toFixed(4)}, ${Math.min(...lons).toFixed(4)} to ${Math.max(...lats).toFixed(4)}, ${Math.max(...lons).toFixed(4)}`
    : "";
  return `${g.type}: ${count(polygons.length, "polygon", "polygons")}, ${count(points.length, "point", "points")}${box}`;
}

// the sections -------------------------------------------------------------------------

const edit = (title, fields, save) => ({ act: "edit", label: "Edit", form: { title, fields, save } });
const remove = (noun, path) => ({
  act: "delete",
  label: "Delete",
  danger: true,
  confirm: (r, id) => `Delete ${noun} ${id}? This cannot be undone.`,
  run: (r, id) => api(path(id), { method: "DELETE" }),
});

const SECTIONS = [
  {
    key: "agencies",
    title: "Agencies",
    noun: "agency",
    intro: () => (isCollective() ? "The members of the collective." : "The members of the collective; you may rename your own agency."),
    load: async () => (S.agencies = await api("/agencies")),
    rows: () => S.agencies,
    id: (r) => r.id,
    columns: [
      ["ID", (r) => code(r.id)],
      ["Name", (r) => r.name],
      ["Jurisdictions", (r) => S.jurisdictions.filter((j) => j.agency === r.id).length, "num"],
      ["Stations", (r) => S.stations.filter((s) => s.agency === r.id).length, "num"],
      ["Units", (r) => S.units.filter((u) => u.agency === r.id).length, "num"],
    ],
    create: {
      allowed: isCollective,
      title: "New agency",
      fields: () => [
        { name: "id", label: "ID", required: true, hint: SLUG_HINT },
        { name: "name", label: "Name", required: true },
      ],
      save: (v) => api("/agencies", { method: "POST", body: { id: v.id, name: v.name } }),
    },
    actions: [
      {
        ...edit(
          (r) => `Rename agency ${r.id}`,
          (r) => [{ name: "name", label: "Name", value: r.name, required: true }],
          (v, r) => api(`/agencies/${enc(r.id)}`, { method: "PUT", body: { name: v.name } }),
        ),
        allowed: (r) => keeps(r.id),
      },
      { ...remove("agency", (id) => `/agencies/${enc(id)}`), allowed: isCollective },
    ],
  },
  {
    key: "jurisdictions",
    agencyOf: (r) => r.agency,
    title: "Jurisdictions",
    noun: "jurisdiction",
    intro: () => "The areas of the collective and the agency answering for each.",
    load: async () => (S.jurisdictions = await api("/jurisdictions")),
    rows: () => S.jurisdictions,
    id: (r) => r.id,
    columns: [
      ["ID", (r) => code(r.id)],
      ["Name", (r) => r.name],
      ["Agency", (r) => agencyName(r.agency)],
    ],
    create: {
      allowed: isCollective,
      title: "New jurisdiction",
      fields: () => [
        { name: "id", label: "ID", required: true, hint: SLUG_HINT },
        { name: "name", label: "Name", required: true },
        { name: "agency", label: "Agency", type: "select", options: agencyOptions(S.agencies) },
        geometryField(true),
      ],
      save: async (v) => {
        if (!v.geometry) throw new Error("Choose the jurisdiction's boundary: a GeoJSON file.");
        const body = { id: v.id, name: v.name, agency: v.agency, geometry: boundary(v.geometry) };
        return api("/jurisdictions", { method: "POST", body });
      },
    },
    actions: [
      {
        act: "view",
        label: "View",
        allowed: () => true,
        view: async (r) => {
          const j = await api(`/jurisdictions/${enc(r.id)}`);
          return [
            h("h3", {}, j.name),
            h(
              "dl",
              { class: "kv" },
              h("div", {}, h("dt", {}, "ID"), h("dd", {}, j.id)),
              h("div", {}, h("dt", {}, "Agency"), h("dd", {}, agencyName(j.agency))),
              h("div", { class: "wide" }, h("dt", {}, "Boundary"), h("dd", {}, geometrySummary(j.geometry))),
            ),
            h("details", {}, h("summary", {}, "GeoJSON"), h("pre", {}, JSON.stringify(j.geometry, null, 1))),
          ];
        },
      },
      {
        ...edit(
          (r) => `Edit jurisdiction ${r.id}`,
          (r) => [
            { name: "name", label: "Name", value: r.name, required: true },
            { name: "agency", label: "Agency", type: "select", value: r.agency, options: agencyOptions(S.agencies) },
            geometryField(false),
          ],
          async (v, r) => {
            const geometry = v.geometry ? boundary(v.geometry) : (await api(`/jurisdictions/${enc(r.id)}`)).geometry;
            const body = { id: r.id, name: v.name, agency: v.agency, geometry };
            return api(`/jurisdictions/${enc(r.id)}`, { method: "PUT", body });
          },
        ),
        allowed: isCollective,
      },
      { ...remove("jurisdiction", (id) => `/jurisdictions/${enc(id)}`), allowed: isCollective },
    ],
  },
  {
    key: "stations",
    agencyOf: (r) => r.agency,
    title: "Stations",
    noun: "station",
    intro: () => (isCollective() ? "Every agency's stations." : "Every agency's stations; you keep your own agency's."),
    load: async () => (S.stations = await api("/stations")),
    rows: () => S.stations,
    id: (r) => r.id,
    columns: [
      ["ID", (r) => code(r.id)],
      ["Name", (r) => r.name],
      ["Agency", (r) => agencyName(r.agency)],
      ["Location", (r) => coords(r.location)],
      ["Units", (r) => S.units.filter((u) => u.station === r.id).length, "num"],
    ],
    create: {
      allowed: () => keptAgencies().length > 0,
      title: "New station",
      fields: () => [
        { name: "id", label: "ID", required: true, hint: SLUG_HINT },
        { name: "name", label: "Name", required: true },
        { name: "agency", label: "Agency", type: "select", options: agencyOptions(keptAgencies()) },
        { name: "lat", label: "Latitude", type: "number", required: true },
        { name: "lon", label: "Longitude", type: "number", required: true },
      ],
      save: (v) => api("/stations", { method: "POST", body: stationBody(v, v.id, v.agency) }),
    },
    actions: [
      {
        ...edit(
          (r) => `Edit station ${r.id}`,
          (r) => [
            { name: "name", label: "Name", value: r.name, required: true },
            { name: "lat", label: "Latitude", type: "number", value: r.location.lat, required: true },
            { name: "lon", label: "Longitude", type: "number", value: r.location.lon, required: true },
          ],
          (v, r) => api(`/stations/${enc(r.id)}`, { method: "PUT", body: stationBody(v, r.id, r.agency) }),
        ),
        allowed: (r) => keeps(r.agency),
      },
      { ...remove("station", (id) => `/stations/${enc(id)}`), allowed: (r) => keeps(r.agency) },
    ],
  },
  {
    key: "units",
    agencyOf: (r) => r.agency,
    title: "Units",
    noun: "unit",
    intro: () => (isCollective() ? "Every agency's fleet." : "Every agency's fleet; you keep your own agency's units."),
    load: async () => (S.units = await allUnits()),
    rows: () => S.units,
    id: (r) => r.id,
    columns: [
      ["ID", (r) => code(r.id)],
      ["Name", (r) => r.name],
      ["Agency", (r) => agencyName(r.agency)],
      ["Kind", (r) => r.kind],
      ["Capabilities", (r) => r.capabilities.join(", ")],
      ["Station", (r) => stationName(r.station)],
      ["Status", (r) => h("span", { class: `pill st-${r.status}` }, words(r.status))],
    ],
    create: {
      allowed: () => keptAgencies().length > 0,
      title: "New unit",
      fields: () => [
        { name: "id", label: "ID", required: true, hint: SLUG_HINT },
        { name: "name", label: "Name" },
        { name: "agency", label: "Agency", type: "select", options: agencyOptions(keptAgencies()) },
        { name: "kind", label: "Kind", required: true, hint: "patrol, k9, air, …" },
        { name: "capabilities", label: "Capabilities", required: true, hint: "Comma-separated: patrol, traffic, …" },
        { name: "station", label: "Station", type: "select", options: stationOptions() },
      ],
      save: (v) => {
        const body = { id: v.id, agency: v.agency, name: v.name, kind: v.kind, capabilities: list(v.capabilities) };
        if (v.station) body.station = v.station;
        return api("/units", { method: "POST", body });
      },
    },
    actions: [
      {
        ...edit(
          (r) => `Edit unit ${r.id}`,
          (r) => [
            { name: "name", label: "Name", value: r.name },
            { name: "kind", label: "Kind", value: r.kind, required: true },
            { name: "capabilities", label: "Capabilities", value: r.capabilities.join(", "), required: true, hint: "Comma-separated." },
            { name: "station", label: "Station", type: "select", value: r.station ?? "", options: stationOptions(r.agency) },
          ],
          (v, r) => {
            const body = { name: v.name, kind: v.kind, capabilities: list(v.capabilities) };
            if (v.station) body.station = v.station;
            return api(`/units/${enc(r.id)}`, { method: "PATCH", body });
          },
        ),
        allowed: (r) => keeps(r.agency),
      },
      { ...remove("unit", (id) => `/units/${enc(id)}`), allowed: (r) => keeps(r.agency) },
    ],
  },
  {
    key: "call-types",
    title: "Call types",
    noun: "call type",
    intro: () => "Call types and their response plans (run cards): the units each call needs.",
    load: async () => (S.callTypes = await api("/call-types")),
    rows: () => S.callTypes,
    id: (r) => r.code,
    columns: [
      ["Code", (r) => code(r.code)],
      ["Name", (r) => r.name],
      ["Priority", (r) => h("span", { class: `pri p${r.default_priority}` }, `P${r.default_priority}`)],
      ["Response plan", (r) => plan(r.plan)],
      ["Phone", (r) => FIELD_USE_SHORT[fieldUse(r)]],
    ],
    create: {
      allowed: isCollective,
      title: "New call type",
      fields: () => [{ name: "code", label: "Code", required: true, hint: SLUG_HINT }, ...callTypeFields(null)],
      save: (v) => api("/call-types", { method: "POST", body: callTypeBody(v, v.code) }),
    },
    actions: [
      {
        ...edit(
          (r) => `Edit call type ${r.code}`,
          (r) => callTypeFields(r),
          (v, r) => api(`/call-types/${enc(r.code)}`, { method: "PUT", body: callTypeBody(v, r.code) }),
        ),
        allowed: isCollective,
      },
      { ...remove("call type", (id) => `/call-types/${enc(id)}`), allowed: isCollective },
    ],
  },
  {
    key: "agreements",
    title: "Agreements",
    noun: "agreement",
    intro: () =>
      "What the agencies lend each other, or the whole collective: for what, how long, at what rate. " +
      "Each party's admin signs (the collective admin for the collective); only an active agreement lends, and a lent unit's time is priced at its clause's rate.",
    load: async () => (S.agreements = await api("/agreements")),
    rows: () => S.agreements,
    id: (r) => r.id,
    columns: [
      ["ID", (r) => code(r.id)],
      ["Title", (r) => r.title],
      ["Parties", (r) => r.parties.map(partyName).join(" · ")],
      ["State", (r) => h("span", { class: `pill agr-${r.state}` }, r.state), null],
      ["Valid", (r) => `${day(r.valid_from)} – ${r.valid_until ? day(r.valid_until) : "open-ended"}`],
      [
        "Clauses",
        (r) =>
          h(
            "ol",
            { class: "plain" },
            r.clauses.map((c) => h("li", {}, `${agencyName(c.lender)} lends ${c.summary}`, h("br"), h("small", {}, rateWords(c.rates)))),
          ),
      ],
      ["Awaiting", (r) => r.awaiting.map(partyName).join(", ")],
    ],
    create: {
      allowed: () => isCollective() || keptAgencies().length > 0,
      title: "New agreement",
      fields: () => agreementFields(),
      save: (v) => api("/agreements", { method: "POST", body: { id: v.id, ...agreementBody(v), propose: v.propose === "yes" } }),
    },
    actions: [
      {
        ...edit(
          (r) => `Amend agreement ${r.id} (back to draft, signatures dropped)`,
          (r) => agreementFields(r),
          (v, r) => api(`/agreements/${enc(r.id)}`, { method: "PUT", body: { ...agreementBody(v), version: r.version } }),
        ),
        label: "Amend",
        allowed: (r) => (r.state === "draft" || r.state === "proposed") && keepsParty(r),
      },
      {
        act: "propose",
        label: "Propose",
        allowed: (r) => r.state === "draft" && keepsParty(r),
        confirm: (r) => `Propose agreement ${r.id} to ${r.parties.map(partyName).join(" and ")} for signature?`,
        run: (r) => api(`/agreements/${enc(r.id)}/propose`, { method: "POST", body: { version: r.version } }),
      },
      {
        act: "sign",
        label: "Sign",
        allowed: (r) => r.state === "proposed" && signsFor(r) !== null && r.awaiting.includes(signsFor(r)),
        confirm: (r) =>
          `Sign agreement ${r.id} for ${partyName(signsFor(r))}? Once every party has signed it lends from ${day(r.valid_from)} at the rates shown.`,
        run: (r) => api(`/agreements/${enc(r.id)}/sign`, { method: "POST", body: { version: r.version } }),
      },
      {
        act: "terminate",
        label: "Terminate",
        danger: true,
        allowed: (r) => r.state !== "terminated" && r.state !== "expired" && keepsParty(r),
        form: {
          title: (r) => `Terminate agreement ${r.id}: it lends to no incident from now on`,
          fields: () => [{ name: "reason", label: "Reason", required: true }],
          save: (v, r) => api(`/agreements/${enc(r.id)}/terminate`, { method: "POST", body: { reason: v.reason, version: r.version } }),
        },
      },
      {
        act: "view",
        label: "Versions",
        allowed: () => true,
        view: async (r) => {
          const versions = await api(`/agreements/${enc(r.id)}/versions`);
          return [
            h("h3", {}, `${r.title} (${r.id})`),
            h(
              "table",
              { class: "data" },
              h("thead", {}, h("tr", {}, ["Version", "When", "By", "State", "Signed by"].map((t) => h("th", { scope: "col" }, t)))),
              h(
                "tbody",
                {},
                versions.map((v) =>
                  h(
                    "tr",
                    {},
                    h("td", { class: "num" }, String(v.version)),
                    h("td", {}, new Date(v.changed_at).toLocaleString()),
                    h("td", {}, v.changed_by),
                    h("td", {}, v.agreement.state),
                    h("td", {}, v.agreement.signatures.map((x) => `${partyName(x.party)} (${x.by})`).join(", ")),
                  ),
                ),
              ),
            ),
          ];
        },
      },
    ],
  },
  {
    key: "resources",
    agencyOf: (r) => r.owner,
    title: "Resources",
    noun: "resource",
    intro: () =>
      "The catalogue: each agency's typed units and loanable equipment, their condition and who has them. " +
      "Equipment is checked out to an agency or an incident and back in; across agencies an agreement in force must cover its type. Overdue loans are marked.",
    load: async () => {
      [S.resources, S.resourceTypes] = await Promise.all([api("/resources"), api("/resource-types")]);
    },
    rows: () => S.resources,
    id: (r) => r.id,
    columns: [
      ["ID", (r) => code(r.id)],
      ["Name", (r) => r.name],
      ["Type", (r) => r.type_name],
      ["Owner", (r) => agencyName(r.owner)],
      ["Station", (r) => stationName(r.home_station)],
      ["Condition", (r) => h("span", { class: `pill res-${r.condition}` }, words(r.condition))],
      ["Who has it", (r) => holder(r)],
    ],
    create: {
      allowed: () => keptAgencies().length > 0,
      title: "New resource",
      fields: () => [{ name: "id", label: "ID", required: true, hint: SLUG_HINT }, ...resourceFields(null)],
      save: (v) => api("/resources", { method: "POST", body: { id: v.id, ...resourceBody(v, v.agency) } }),
    },
    actions: [
      {
        act: "view",
        label: "Loans",
        allowed: () => true,
        view: async (r) => {
          const history = await api(`/loans?resource=${enc(r.id)}`);
          return [
            h("h3", {}, `${r.name}: loans`),
            r.maintenance_notes ? h("p", {}, `Maintenance: ${r.maintenance_notes}`) : null,
            history.length
              ? h(
                  "table",
                  { class: "grid" },
                  h("caption", { class: "sr-only" }, `Loans of ${r.id}, newest first`),
                  h("thead", {}, h("tr", {}, ["Out", "To", "Due", "Back", "Condition back", "Agreement"].map((t) => h("th", { scope: "col" }, t)))),
                  h(
                    "tbody",
                    {},
                    history.map((l) =>
                      h(
                        "tr",
                        {},
                        h("td", {}, minutes(l.out_at)),
                        h("td", {}, `${partyName(l.borrower)}${l.incident ? ` · incident ${l.incident}` : ""}`),
                        h("td", {}, l.overdue ? [h("span", { class: "pill res-overdue" }, "overdue"), " ", minutes(l.due_at)] : minutes(l.due_at)),
                        h("td", {}, l.returned_at ? minutes(l.returned_at) : "out"),
                        h("td", {}, l.condition_in ? words(l.condition_in) : ""),
                        h("td", {}, l.agreement ? `${l.agreement} clause ${l.clause}` : "own use"),
                      ),
                    ),
                  ),
                )
              : h("p", { class: "muted" }, "Never lent."),
          ];
        },
      },
      {
        ...edit(
          (r) => `Edit resource ${r.id}`,
          (r) => resourceFields(r),
          (v, r) => api(`/resources/${enc(r.id)}`, { method: "PUT", body: { ...resourceBody(v, r.owner), version: r.version } }),
        ),
        allowed: (r) => keeps(r.owner),
      },
      {
        act: "lend",
        label: "Check out",
        allowed: (r) => r.kind === "equipment" && !r.loan && r.condition === "serviceable" && keeps(r.owner),
        form: {
          title: (r) => `Check out ${r.name} (${r.id})`,
          fields: () => [
            { name: "agency", label: "To agency", type: "select", options: [["", "— an incident instead —"], ...agencyOptions(S.agencies)] },
            { name: "incident", label: "Or to incident", hint: "The incident's id; the borrower is the agency of its jurisdiction." },
            { name: "due_at", label: "Due back", required: true, value: dueDefault(), hint: "YYYY-MM-DD HH:MM, your local time" },
            { name: "notes", label: "Notes" },
          ],
          save: (v, r) => {
            const body = { due_at: moment(v.due_at, "Due back"), notes: v.notes };
            if (v.agency) body.agency = v.agency;
            if (v.incident) body.incident = v.incident;
            return api(`/resources/${enc(r.id)}/loans`, { method: "POST", body });
          },
          done: (r) => `Checked out ${r.id}.`,
        },
      },
      {
        act: "return",
        label: "Return",
        allowed: (r) => Boolean(r.loan) && (keeps(r.owner) || keeps(r.loan.borrower)),
        form: {
          title: (r) => `Check in ${r.name} (${r.id}) from ${partyName(r.loan.borrower)}`,
          fields: () => [
            { name: "condition", label: "Condition back", type: "select", options: CONDITIONS.map((c) => [c, words(c)]), hint: "Not serviceable: the item needs repair." },
            { name: "notes", label: "Notes" },
          ],
          save: (v, r) => api(`/loans/${enc(r.loan.id)}/return`, { method: "POST", body: { condition: v.condition, notes: v.notes } }),
          done: (r) => `Checked in ${r.id}.`,
        },
      },
    ],
  },
  {
    key: "mutual-aid",
    title: "Mutual aid",
    noun: "request",
    intro: () =>
      "Resource requests (ICS-213RR) made from incidents, routed to the agencies whose agreements lend what they ask for. " +
      "Each step is approved in turn: the requesting supervisor, the supplying agency's admin, finance (a collective admin), as the collective configures; then the supplier's units or equipment are sent, and released.",
    load: async () => (S.aid = await api("/mutual-aid-requests")),
    rows: () => S.aid,
    id: (r) => r.id,
    columns: [
      ["Number", (r) => code(r.id)],
      ["Incident", (r) => r.incident_name],
      ["Requested by", (r) => `${agencyName(r.requesting_agency)} (${r.requested_by})`],
      ["Order", (r) => h("ul", { class: "plain" }, r.items.map((i) => h("li", {}, itemWords(i))))],
      ["State", (r) => h("span", { class: `pill aid-${r.state}` }, words(r.state))],
      ["Waiting for", (r) => (r.next_step ? words(r.next_step) : "")],
      ["Routed to", (r) => r.routed_to.map(agencyName).join(", ")],
      ["Supplier", (r) => (r.supplier ? `${agencyName(r.supplier)}${r.order_number ? " · " + r.order_number : ""}` : "")],
      ["Cost (est.)", (r) => chf(r.cost), "num"],
      ["Out", (r) => r.fulfilments.filter((f) => !f.released_at).map((f) => f.resource).join(", ")],
    ],
    actions: [
      {
        act: "approve",
        label: (r) => `Approve ${words(r.next_step ?? "")}`,
        allowed: (r) => r.state === "requested" && approvesStep(r),
        form: {
          title: (r) => `Approve the ${words(r.next_step)} step of ${r.id}`,
          fields: (r) => [
            ...(r.next_step === "supplying_agency" && isCollective()
              ? [{ name: "agency", label: "Supplying agency", type: "select", options: r.routed_to.map((a) => [a, agencyName(a)]) }]
              : []),
            ...(r.next_step === "supplying_agency"
              ? [
                  { name: "order_number", label: "Order number" },
                  { name: "eta", label: "ETA", type: "datetime" },
                ]
              : []),
            { name: "comment", label: "Comment" },
          ],
          save: (v, r) =>
            api(`/mutual-aid-requests/${enc(r.id)}/approve`, {
              method: "POST",
              body: {
                step: r.next_step,
                version: r.version,
                comment: v.comment,
                ...(v.order_number ? { order_number: v.order_number } : {}),
                ...(v.eta ? { eta: new Date(v.eta).toISOString() } : {}),
                ...(v.agency ? { agency: v.agency } : {}),
              },
            }),
          done: (r) => `${r.id}: ${words(r.next_step)} approved.`,
        },
      },
      {
        act: "decline",
        label: "Decline",
        danger: true,
        allowed: (r) => r.state === "requested" && approvesStep(r),
        form: {
          title: (r) => `Decline ${r.id}: the request ends`,
          fields: () => [{ name: "reason", label: "Reason", required: true }],
          save: (v, r) => api(`/mutual-aid-requests/${enc(r.id)}/decline`, { method: "POST", body: { reason: v.reason, version: r.version } }),
          done: (r) => `${r.id} declined.`,
        },
      },
      {
        act: "fulfil",
        label: "Send",
        allowed: (r) => (r.state === "approved" || r.state === "partly_fulfilled") && sendable(r).length > 0,
        form: {
          title: (r) => `Send a resource for ${r.id} (supplied by ${agencyName(r.supplier)})`,
          fields: (r) => [
            {
              // Not "item": form.elements.item is the collection's own method.
              name: "line",
              label: "Item",
              type: "select",
              options: sendable(r).map((i) => [String(i.number), `${i.number}: ${itemWords(i)} (${i.fulfilled} of ${i.quantity} sent)`]),
            },
            ...(sendable(r).some((i) => i.category === "unit")
              ? [
                  {
                    name: "unit_id",
                    label: "Unit (for a unit item)",
                    type: "select",
                    options: [["", "— none —"], ...S.units.filter((u) => u.agency === r.supplier && u.status === "available").map((u) => [u.id, `${u.id} · ${u.capabilities.join(", ")}`])],
                  },
                ]
              : []),
            ...(sendable(r).some((i) => i.category === "equipment")
              ? [{ name: "equipment_id", label: "Equipment id (for an equipment item)", hint: "The equipment's id as written on it." }]
              : []),
          ],
          save: (v, r) => {
            const item = r.items.find((i) => String(i.number) === v.line);
            const body = { item: Number(v.line), version: r.version };
            if (item.category === "unit") {
              if (!v.unit_id) throw new Error("Choose the unit to send.");
              body.unit_id = v.unit_id;
            } else {
              if (!v.equipment_id) throw new Error("Enter the equipment's id.");
              body.equipment_id = v.equipment_id;
            }
            return api(`/mutual-aid-requests/${enc(r.id)}/fulfil`, { method: "POST", body });
          },
          done: (r) => `Sent for ${r.id}.`,
        },
      },
      {
        act: "release",
        label: "Release",
        allowed: (r) => r.fulfilments.some((f) => !f.released_at) && (isCollective() || S.me?.agency === r.supplier),
        form: {
          title: (r) => `Release resources of ${r.id}`,
          fields: (r) => [
            {
              name: "resource",
              label: "Release",
              type: "select",
              options: [["", "— every one still out —"], ...r.fulfilments.filter((f) => !f.released_at).map((f) => [f.resource, `${f.resource} (item ${f.item})`])],
            },
          ],
          save: (v, r) =>
            api(`/mutual-aid-requests/${enc(r.id)}/release`, {
              method: "POST",
              body: { version: r.version, ...(v.resource ? { resources: [v.resource] } : {}) },
            }),
          done: (r) => `Released for ${r.id}.`,
        },
      },
      {
        act: "form",
        label: "Form (PDF)",
        allowed: () => true,
        run: (r) => saveDownload(`/mutual-aid-requests/${enc(r.id)}/form.pdf`, `${r.id}.pdf`),
      },
    ],
  },
  {
    key: "users",
    agencyOf: (r) => r.agency,
    title: "Users",
    noun: "user",
    intro: () => (isCollective() ? "Everyone who signs in to bluepool." : "Your agency's users: officers and agency admins."),
    load: async () => (S.users = await api("/users")),
    rows: () => S.users,
    id: (r) => r.username,
    columns: [
      ["Username", (r) => code(r.username)],
      ["Name", (r) => r.full_name],
      ["Role", (r) => words(r.role)],
      ["Agency", (r) => agencyName(r.agency) || "collective"],
      ["Unit", (r) => r.unit_id ?? ""],
      ["Status", (r) => (r.active ? "active" : h("span", { class: "pill st-off_duty" }, "deactivated"))],
    ],
    create: {
      allowed: () => isCollective() || keptAgencies().length > 0,
      title: "New user",
      fields: () => [
        { name: "username", label: "Username", required: true, hint: SLUG_HINT },
        passwordField("Password"),
        { name: "role", label: "Role", type: "select", options: grantable().map((r) => [r, words(r)]) },
        { name: "full_name", label: "Full name" },
        {
          name: "agency",
          label: "Agency",
          type: "select",
          options: isCollective() ? [["", "— none: the whole collective —"], ...agencyOptions(S.agencies)] : agencyOptions(keptAgencies()),
        },
        { name: "unit_id", label: "Unit (an officer's)", type: "select", options: unitOptions() },
      ],
      save: (v) => {
        const body = { username: v.username, password: v.password, role: v.role, full_name: v.full_name };
        if (v.agency) body.agency = v.agency;
        if (v.unit_id) body.unit_id = v.unit_id;
        return api("/users", { method: "POST", body });
      },
    },
    actions: [
      {
        ...edit(
          (r) => `Edit user ${r.username}`,
          (r) => [
            { name: "full_name", label: "Full name", value: r.full_name },
            { name: "role", label: "Role", type: "select", value: r.role, options: grantable().map((x) => [x, words(x)]) },
            { name: "unit_id", label: "Unit (an officer's)", type: "select", value: r.unit_id ?? "", options: unitOptions(r.agency) },
          ],
          (v, r) => api(`/users/${enc(r.username)}`, { method: "PATCH", body: { full_name: v.full_name, role: v.role, unit_id: v.unit_id } }),
        ),
        allowed: keepsUser,
      },
      {
        act: "password",
        label: "Reset password",
        allowed: keepsUser,
        form: {
          title: (r) => `Reset ${r.username}'s password`,
          fields: () => [passwordField("New password")],
          save: (v, r) => api(`/users/${enc(r.username)}`, { method: "PATCH", body: { password: v.password } }),
          done: (r) => `${r.username}'s password is changed; their sessions have ended.`,
        },
      },
      {
        act: "active",
        label: (r) => (r.active ? "Deactivate" : "Reactivate"),
        danger: true,
        allowed: (r) => keepsUser(r) && r.username !== S.me.username,
        confirm: (r) => (r.active ? `Deactivate ${r.username}? They can no longer sign in.` : null),
        run: (r) => api(`/users/${enc(r.username)}`, { method: "PATCH", body: { active: !r.active } }),
      },
    ],
  },
];

function passwordField(label) {
  return {
    name: "password",
    label,
    type: "password",
    required: true,
    autocomplete: "new-password",
    hint: "At least 8 characters; not the user name, not a well-known default.",
  };
}

function geometryField(required) {
  return {
    name: "geometry",
    label: "Boundary (GeoJSON file)",
    type: "file",
    accept: ".geojson,.json,application/geo+json,application/json",
    required,
    hint: required
      ? "A Polygon or MultiPolygon: a geometry, a Feature or a FeatureCollection."
      : "Leave empty to keep the boundary; a new file replaces it.",
  };
}

// How officers use a call type from the phone: one choice, so a call type is never both.
const FIELD_USE = {
  dispatch: "Taken by dispatch only",
  self_initiated: "Officers start it from the phone (traffic stop, on view)",
  emergency: "The emergency button's call (officer in distress; one per collective)",
};
const FIELD_USE_SHORT = { dispatch: "", self_initiated: "officers start it", emergency: "emergency button" };
const fieldUse = (r) => (r?.emergency ? "emergency" : r?.self_initiated ? "self_initiated" : "dispatch");

function callTypeFields(r) {
  return [
    { name: "name", label: "Name", value: r?.name ?? "", required: true },
    { name: "default_priority", label: "Default priority", type: "select", value: String(r?.default_priority ?? 3), options: priorityOptions() },
    { name: "field_use", label: "From the officer's phone", type: "select", value: fieldUse(r), options: Object.entries(FIELD_USE) },
    {
      name: "plan",
      label: "Response plan",
      type: "rows",
      item: "requirement",
      min: 1,
      value: (r?.plan ?? [{ capability: "patrol", count: 1 }]).map((x) => ({ capability: x.capability, count: String(x.count) })),
      columns: [
        { name: "capability", label: "Capability" },
        { name: "count", label: "Units", type: "number", value: "1", min: 1 },
      ],
    },
  ];
}

function callTypeBody(v, code_) {
  const planned = v.plan.map((x) => ({ capability: x.capability.trim(), count: number(x.count, "Units") }));
  return {
    code: code_,
    name: v.name,
    default_priority: Number(v.default_priority),
    plan: planned,
    self_initiated: v.field_use === "self_initiated",
    emergency: v.field_use === "emergency",
  };
}

function stationBody(v, id, agency) {
  return { id, agency, name: v.name, location: { lat: number(v.lat, "Latitude"), lon: number(v.lon, "Longitude") } };
}

// mutual aid ---------------------------------------------------------------------------

const itemWords = (i) => `${i.quantity} × ${i.kind}${i.type ? " " + i.type : ""}${i.category === "equipment" ? " (equipment)" : ""}, P${i.priority}`;
// Who approves the waiting step (services/aid/policy.py; the server decides).
function approvesStep(r) {
  const me = S.me;
  if (!me) return false;
  if (me.role === "collective_admin") return true;
  if (r.next_step === "requesting_supervisor") return me.role === "supervisor" && (!me.agency || me.agency === r.requesting_agency);
  if (r.next_step === "supplying_agency") return me.role === "agency_admin" && r.routed_to.includes(me.agency);
  return false;
}
// The items still short that the signed-in user may send for: central dispatch sends units
// and equipment, the supplier's admin its equipment.
function sendable(r) {
  const me = S.me;
  const dispatch = ["dispatcher", "supervisor", "collective_admin"].includes(me?.role);
  const supplier = me?.role === "agency_admin" && me.agency === r.supplier;
  return r.items.filter((i) => i.fulfilled < i.quantity && (dispatch || (supplier && i.category === "equipment")));
}

// agreements ---------------------------------------------------------------------------

const partyName = (id) => (id === "collective" ? "the collective" : agencyName(id));
const keepsParty = (r) => r.parties.some((p) => (p === "collective" ? isCollective() : keeps(p)));
// The party the signed-in admin signs for: a collective admin for the collective, an agency
// admin for their agency (services/sharing/policy.py).
const signsFor = (r) => {
  const party = isCollective() ? "collective" : S.me?.role === "agency_admin" ? S.me.agency : null;
  return party && r.parties.includes(party) ? party : null;
};
const day = (iso) => iso.slice(0, 10);
const chf = (minor) => `CHF ${(minor / 100).toFixed(2)}`;

function rateWords(rates) {
  const card = (m, unit) => Object.entries(m).map(([k, v]) => `${k === "*" ? "any" : k} ${chf(v)}${unit}`);
  const parts = [...card(rates.per_hour, "/h"), ...card(rates.standby_per_hour, "/h standby"), ...card(rates.per_day, "/day")];
  if (rates.minimum) parts.push(`minimum ${chf(rates.minimum)}`);
  return parts.length ? parts.join(" · ") : "free";
}

// "120.50" francs to 12050 minor units: exact, never through a float.
function cents(text, label) {
  const t = String(text).trim().replace(",", ".");
  if (t === "") return null;
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) throw new Error(`${label}: enter an amount such as 120 or 120.50 (CHF).`);
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

// The other party: any agency, or the collective.
const partyOptions = () => [["collective", "The collective (every other agency)"], ...agencyOptions(S.agencies).filter(([id]) => id)];

function agreementFields(r) {
  const c = r?.clauses ?? [];
  const plain = (x) => (x ?? []).join(", ");
  return [
    ...(r ? [] : [{ name: "id", label: "ID", required: true, hint: "Such as VAD-SCH-2027-01" }]),
    { name: "title", label: "Title", required: true, value: r?.title },
    { name: "party_a", label: "Party", type: "select", value: r?.parties[0], options: agencyOptions(isCollective() ? S.agencies : keptAgencies()) },
    { name: "party_b", label: "Other party", type: "select", value: r?.parties[1] ?? "collective", options: partyOptions() },
    { name: "valid_from", label: "Valid from (date)", required: true, value: r ? day(r.valid_from) : new Date().toISOString().slice(0, 10), hint: "YYYY-MM-DD, from midnight UTC" },
    { name: "valid_until", label: "Valid until (date, optional)", value: r?.valid_until ? day(r.valid_until) : "" },
    ...(r ? [] : [{ name: "propose", label: "Propose at once", type: "select", value: "no", options: [["no", "No: keep as a draft"], ["yes", "Yes: put it to the parties"]] }]),
    {
      name: "clauses",
      label: "Clauses (leave a list empty for any)",
      type: "rows",
      item: "clause",
      value: c.map((x) => ({
        lender: x.lender,
        capabilities: plain(x.capabilities),
        call_types: plain(x.call_types),
        jurisdictions: plain(x.jurisdictions),
        max_priority: String(x.max_priority),
        home_reserve: String(x.home_reserve),
        per_hour: x.rates.per_hour["*"] !== undefined ? (x.rates.per_hour["*"] / 100).toFixed(2) : "",
        minimum: x.rates.minimum ? (x.rates.minimum / 100).toFixed(2) : "",
      })),
      columns: [
        { name: "lender", label: "Lender (agency id)" },
        { name: "capabilities", label: "Capabilities" },
        { name: "call_types", label: "Call types" },
        { name: "jurisdictions", label: "Jurisdictions" },
        { name: "max_priority", label: "Up to priority", type: "select", options: priorityOptions(), value: "5" },
        { name: "home_reserve", label: "Home reserve", type: "number", value: "0" },
        { name: "per_hour", label: "CHF an hour" },
        { name: "minimum", label: "Minimum CHF" },
      ],
    },
  ];
}

function agreementBody(v) {
  const any = (text) => (list(text).length ? list(text) : null);
  const moment = (d, label) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`${label}: enter a date as YYYY-MM-DD.`);
    return `${d}T00:00:00Z`;
  };
  return {
    title: v.title,
    parties: [v.party_a, v.party_b],
    valid_from: moment(v.valid_from, "Valid from"),
    valid_until: v.valid_until ? moment(v.valid_until, "Valid until") : null,
    clauses: v.clauses.map((x, n) => {
      const hourly = cents(x.per_hour, `Clause ${n + 1}: CHF an hour`);
      return {
        lender: x.lender.trim() || v.party_a,
        capabilities: any(x.capabilities),
        call_types: any(x.call_types),
        jurisdictions: any(x.jurisdictions),
        max_priority: Number(x.max_priority),
        home_reserve: number(x.home_reserve || "0", `Clause ${n + 1}: home reserve`),
        rates: { per_hour: hourly === null ? {} : { "*": hourly }, minimum: cents(x.minimum, `Clause ${n + 1}: minimum`) ?? 0 },
      };
    }),
  };
}

// resources ----------------------------------------------------------------------------

const CONDITIONS = ["serviceable", "needs_repair", "out_of_service"];

/** Who has a resource: the open loan's borrower and due time (overdue marked), or in. */
function holder(r) {
  const loan = r.loan;
  if (!loan) return r.available ? "in, available" : "in";
  const to = `${partyName(loan.borrower)}${loan.incident ? ` · incident ${loan.incident}` : ""}`;
  const due = `until ${dateTime(loan.due_at).slice(0, 16)}`;
  return loan.overdue ? [h("span", { class: "pill res-overdue" }, "overdue"), " ", to, " ", due] : `${to} ${due}`;
}

const minutes = (iso) => dateTime(iso).slice(0, 16);
const dueDefault = () => minutes(new Date(Date.now() + 24 * 3600 * 1000).toISOString());

// "2027-01-05 14:30" in local time, or "2027-01-05", to ISO 8601 with its zone.
function moment(text, label) {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?$/.exec(String(text).trim());
  const when = m ? new Date(`${m[1]}T${m[2] ?? "00:00"}`) : null;
  if (!when || Number.isNaN(when.getTime())) throw new Error(`${label}: enter a date and time as YYYY-MM-DD HH:MM.`);
  return when.toISOString();
}

function resourceFields(r) {
  const typeOptions = S.resourceTypes.map((t) => [t.id, `${t.name} (${t.kind})`]);
  return [
    { name: "name", label: "Name", value: r?.name, required: true },
    { name: "type", label: "Type", type: "select", value: r?.type, options: typeOptions },
    // The owner is chosen once (the form then offers only its stations).
    r ? null : { name: "agency", label: "Owner", type: "select", options: agencyOptions(keptAgencies()) },
    { name: "home_station", label: "Home station", type: "select", value: r?.home_station ?? "", options: stationOptions(r?.owner) },
    { name: "condition", label: "Condition", type: "select", value: r?.condition, options: CONDITIONS.map((c) => [c, words(c)]) },
    { name: "maintenance_notes", label: "Maintenance notes", value: r?.maintenance_notes },
    {
      name: "windows",
      label: "Availability windows (none: lendable any time)",
      type: "rows",
      item: "window",
      min: 0,
      value: (r?.windows ?? []).map((w) => ({ start: minutes(w.start), end: minutes(w.end) })),
      columns: [
        { name: "start", label: "From", hint: "YYYY-MM-DD HH:MM" },
        { name: "end", label: "Until", hint: "YYYY-MM-DD HH:MM" },
      ],
    },
  ].filter(Boolean);
}

function resourceBody(v, owner) {
  return {
    name: v.name,
    type: v.type,
    owner,
    home_station: v.home_station || null,
    condition: v.condition,
    maintenance_notes: v.maintenance_notes,
    windows: v.windows.map((w, n) => ({ start: moment(w.start, `Window ${n + 1}: from`), end: moment(w.end, `Window ${n + 1}: until`) })),
  };
}

function number(text, label) {
  const n = Number(String(text).trim().replace(",", "."));
  if (String(text).trim() === "" || !Number.isFinite(n)) throw new Error(`${label}: enter a number.`);
  return n;
}

async function allUnits() {
  const out = [];
  for (;;) {
    const page = await api(`/units?limit=1000&offset=${out.length}`);
    out.push(...page.items);
    if (!page.items.length || out.length >= page.total) return out;
  }
}

// forms --------------------------------------------------------------------------------

let seq = 0;
const nextId = (prefix) => `${prefix}-${++seq}`;

function control(f, prefix) {
  const id = nextId(prefix);
  const hint = f.hint ? h("p", { class: "hint", id: `${id}-hint` }, f.hint) : null;
  const common = { id, name: f.name, required: f.required || null, "aria-describedby": hint ? `${id}-hint` : null };
  let input;
  if (f.type === "select") {
    input = h(
      "select",
      common,
      f.options.map(([value, label, agency]) => h("option", { value, selected: String(f.value ?? "") === value, dataset: agency ? { agency } : null }, label)),
    );
  } else if (f.type === "file") {
    input = h("input", { ...common, type: "file", accept: f.accept });
  } else if (f.type === "datetime") {
    input = h("input", { ...common, type: "datetime-local", value: f.value ?? "" });
  } else {
    input = h("input", {
      ...common,
      type: f.type === "password" ? "password" : "text",
      inputmode: f.type === "number" ? "decimal" : null,
      autocomplete: f.autocomplete ?? "off",
      spellcheck: "false",
      value: f.value === undefined || f.value === null ? "" : String(f.value),
    });
  }
  return h("div", { class: "field" }, h("label", { for: id }, f.label), input, hint);
}

function rowsEditor(f, prefix) {
  const rows = h("div", { class: "rows" });
  const box = h(
    "fieldset",
    { class: "rows-editor", dataset: { rows: f.name } },
    h("legend", {}, f.label),
    rows,
    h("button", { type: "button", class: "btn btn-sm", dataset: { act: "add-row" } }, `Add ${f.item}`),
  );
  box.style.setProperty("--cols", String(f.columns.length));
  const renumber = () => {
    [...rows.children].forEach((row, n) => {
      row.querySelectorAll("label[data-label]").forEach((l) => (l.textContent = `${l.dataset.label} ${n + 1}`));
      row.querySelector("[data-act=remove-row]").textContent = `Remove ${f.item} ${n + 1}`;
    });
  };
  const add = (values = {}) => {
    const cells = f.columns.map((c) => {
      const cell = control({ ...c, value: values[c.name] ?? c.value ?? "" }, prefix);
      const label = cell.querySelector("label");
      label.dataset.label = c.label;
      cell.querySelector("[name]").dataset.col = c.name;
      cell.querySelector("[name]").removeAttribute("name");
      return cell;
    });
    rows.append(h("div", { class: "row" }, cells, h("button", { type: "button", class: "btn btn-sm btn-danger", dataset: { act: "remove-row" } })));
    renumber();
  };
  box.addEventListener("click", (e) => {
    const b = e.target.closest("[data-act]");
    if (!b) return;
    if (b.dataset.act === "add-row") {
      add();
      rows.lastElementChild.querySelector("input, select").focus();
    } else if (b.dataset.act === "remove-row") {
      if (rows.children.length <= (f.min ?? 0)) return showError(box.closest("form").querySelector(".form-error"), `Keep at least ${f.min} ${f.item}.`);
      b.closest(".row").remove();
      renumber();
      box.querySelector("[data-act=add-row]").focus();
    }
  });
  for (const v of f.value ?? []) add(v);
  return box;
}

async function values(form, fields) {
  const out = {};
  for (const f of fields) {
    if (f.type === "rows") {
      out[f.name] = [...form.querySelectorAll(`[data-rows="${f.name}"] .row`)].map((row) =>
        Object.fromEntries([...row.querySelectorAll("[data-col]")].map((el) => [el.dataset.col, el.value.trim()])),
      );
    } else if (f.type === "file") {
      const file = form.elements[f.name].files[0];
      out[f.name] = file ? await file.text() : null;
    } else {
      const el = form.elements[f.name];
      out[f.name] = f.type === "password" ? el.value : el.value.trim();
    }
  }
  return out;
}

/** A form for ``spec`` (title, fields, save) on ``record`` (null: a new one). */
function openForm(sec, spec, record, opener) {
  const fields = spec.fields(record);
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const prefix = `${sec.key}-f`;
  const title = typeof spec.title === "function" ? spec.title(record) : spec.title;
  const headingId = nextId(prefix);
  const simple = fields.filter((f) => f.type !== "rows");
  const form = h(
    "form",
    { class: "card admin-form", "aria-labelledby": headingId, novalidate: true, dataset: { form: sec.key } },
    h("h3", { id: headingId }, title),
    h("div", { class: "grid-fields" }, simple.map((f) => control(f, prefix))),
    fields.filter((f) => f.type === "rows").map((f) => rowsEditor(f, prefix)),
    error,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary" }, "Save"),
      h("button", { type: "button", class: "btn", dataset: { act: "cancel" } }, "Cancel"),
    ),
  );
  const close = () => {
    form.remove();
    refocus(opener);
  };
  form.addEventListener("click", (e) => {
    const b = e.target.closest("[data-act]");
    if (b?.dataset.act === "cancel") close();
    else if (b?.dataset.act === "reload") reloadAfterConflict(sec, close);
  });
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    showError(error, "");
    try {
      const saved = await spec.save(await values(form, fields), record);
      const message = spec.done ? spec.done(record) : `Saved ${sec.noun} ${saved ? sec.id(saved) : ""}.`;
      toast(message, "ok", 3000);
      announce(message);
      close();
      await reload(sec);
    } catch (err) {
      problem(error, err);
      submit.disabled = false;
    }
  });
  const agency = form.elements.agency;
  if (agency) {
    agency.addEventListener("change", () => onlyAgency(form, agency.value));
    onlyAgency(form, agency.value);
  }
  fill($("#form-slot"), form);
  form.querySelector("input:not([disabled]), select:not([disabled])")?.focus();
}

/** Offer only ``agency``'s stations and units in ``form`` (a hidden choice is unselected). */
function onlyAgency(form, agency) {
  for (const option of form.querySelectorAll("option[data-agency]")) {
    const other = option.dataset.agency !== agency;
    option.hidden = option.disabled = other;
    if (other && option.selected) option.parentElement.value = "";
  }
}

/** Show the server's refusal as it words it; a conflict (409) offers to reload the records. */
function problem(box, err) {
  if (err.status === 409) {
    fill(box, err.message, " ", h("button", { type: "button", class: "btn btn-sm", dataset: { act: "reload" } }, "Reload"));
    box.hidden = false;
  } else showError(box, err.status === 403 ? `Not allowed: ${err.message}` : err.message);
}

async function reloadAfterConflict(sec, close) {
  close();
  await reload(sec);
  announce(`${sec.title} reloaded.`);
}

// the ledger ---------------------------------------------------------------------------
// An agency's statement for a month (its admin, or a collective admin for any agency), with
// the CSV and PDF the API gives; for a collective admin, the month's settlement too.

const readsLedger = () => isCollective() || S.me?.role === "agency_admin";
const lastMonth = () => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};
S.ledger = { period: lastMonth(), agency: "", statement: null, settlement: null, error: "" };
const ledgerAgency = () => S.ledger.agency || S.me?.agency || S.agencies[0]?.id || "";

async function loadLedger() {
  S.ledger.statement = S.ledger.settlement = null;
  S.ledger.error = "";
  if (!readsLedger() || !ledgerAgency()) return;
  const { period } = S.ledger;
  try {
    S.ledger.statement = await api(`/statements/${enc(ledgerAgency())}/${enc(period)}`);
    if (isCollective()) S.ledger.settlement = await api(`/settlements/${enc(period)}`);
  } catch (e) {
    S.ledger.error = e.message;
  }
}

async function saveStatement(kind) {
  const name = `${ledgerAgency()}-${S.ledger.period}.${kind}`;
  try {
    await saveDownload(`/statements/${enc(ledgerAgency())}/${enc(S.ledger.period)}.${kind}`, name);
    announce(`Downloaded ${name}.`);
  } catch (e) {
    toast(`The download failed: ${e.message}`);
  }
}

function ledgerControls() {
  const month = h("input", { id: "ledger-period", type: "month", value: S.ledger.period, required: true });
  const agency = isCollective()
    ? h("select", { id: "ledger-agency" }, S.agencies.map((a) => h("option", { value: a.id, selected: a.id === ledgerAgency() }, a.name)))
    : null;
  const form = h(
    "form",
    { class: "list-filter", "aria-label": "Statement to show" },
    agency ? [h("label", { for: "ledger-agency" }, "Agency"), agency] : null,
    h("label", { for: "ledger-period" }, "Month"),
    month,
    h("button", { type: "submit", class: "btn btn-sm" }, "Show"),
    h("button", { type: "button", class: "btn btn-sm", id: "ledger-csv" }, "Download CSV"),
    h("button", { type: "button", class: "btn btn-sm", id: "ledger-pdf" }, "Download PDF"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!/^\d{4}-\d{2}$/.test(month.value)) return;
    S.ledger.period = month.value;
    if (agency) S.ledger.agency = agency.value;
    await loadLedger();
    show(current, false);
    $("#section-h").focus();
  });
  form.querySelector("#ledger-csv").addEventListener("click", () => saveStatement("csv"));
  form.querySelector("#ledger-pdf").addEventListener("click", () => saveStatement("pdf"));
  const st = S.ledger.statement;
  const totals = st
    ? h(
        "p",
        { id: "ledger-totals" },
        `${agencyName(st.agency)}, ${st.period}${st.closed ? " (closed)" : " (open: may still change)"}: lent ${chf(st.lent)}, borrowed ${chf(st.borrowed)}, net ${chf(st.net)}.`,
      )
    : null;
  const error = S.ledger.error ? h("p", { class: "form-error", role: "alert" }, S.ledger.error) : null;
  return [form, error, totals, settlementView()];
}

function settlementView() {
  const s = S.ledger.settlement;
  if (!s) return null;
  const pays = (t) => `${agencyName(t.payer)} pays ${agencyName(t.payee)} ${chf(t.amount)}`;
  const owes = (b) => (b.amount > 0 ? `${agencyName(b.b)} owes ${agencyName(b.a)} ${chf(b.amount)}` : `${agencyName(b.a)} owes ${agencyName(b.b)} ${chf(-b.amount)}`);
  return h(
    "section",
    { class: "card", "aria-labelledby": "settlement-h" },
    h("h3", { id: "settlement-h" }, `Settlement of ${s.period}`),
    s.transfers.length ? h("ul", { id: "settlement-transfers" }, s.transfers.map((t) => h("li", {}, pays(t)))) : h("p", { class: "muted" }, "Nothing to settle."),
    s.bilateral.length ? [h("h4", {}, "Bilateral balances"), h("ul", { id: "settlement-bilateral" }, s.bilateral.map((b) => h("li", {}, owes(b))))] : null,
  );
}

SECTIONS.push({
  key: "ledger",
  title: "Ledger",
  noun: "usage",
  shown: readsLedger,
  intro: () =>
    "Each unit one agency lent another in a month, priced at its agreement clause's rate: the agency's statement" +
    (isCollective() ? ", and who pays whom to settle the month." : "."),
  load: loadLedger,
  controls: ledgerControls,
  empty: () => `No usage in ${S.ledger.period}.`,
  rows: () => S.ledger.statement?.rows ?? [],
  id: (r) => r.source_key,
  columns: [
    ["Incident", (r) => code(r.incident)],
    ["Unit", (r) => code(r.resource)],
    ["Direction", (r) => (r.direction === "lent" ? "lent to" : "borrowed from")],
    ["Agency", (r) => agencyName(r.counterparty)],
    ["Time", (r) => (r.days ? count(r.days, "day", "days") : `${r.minutes} min`), "num"],
    ["Clause", (r) => r.citation],
    ["Rate", (r) => r.rate],
    ["Amount", (r) => chf(r.amount), "num"],
  ],
  actions: [],
});

// rendering ----------------------------------------------------------------------------

let current = SECTIONS[0];
// The agency each section's list shows ("": every agency); an agency admin starts with theirs.
const shown = {};
const shownAgency = (sec) => shown[sec.key] ?? (isCollective() ? "" : S.me.agency ?? "");

function renderTabs() {
  fill(
    $("#admin-tabs"),
    SECTIONS.filter((s) => !s.shown || s.shown()).map((s) => h("li", {}, h("a", { href: `#${s.key}`, "aria-current": s === current ? "page" : null }, s.title))),
  );
  const me = S.me;
  $("#admin-scope").textContent = isCollective()
    ? "Collective admin: you keep every agency's records."
    : `Agency admin of ${agencyName(me.agency)}: you keep your agency's stations, units, agreements, resources and users.`;
}

function show(sec, focus) {
  current = sec;
  renderTabs();
  const head = h(
    "div",
    { class: "panel-head" },
    h("h2", { id: "section-h", tabindex: "-1" }, sec.title, " ", h("span", { class: "count", id: "section-count" })),
    sec.create && sec.create.allowed() ? h("button", { type: "button", class: "btn btn-primary btn-sm", dataset: { act: "new" } }, `New ${sec.noun}`) : null,
  );
  fill(
    $("#admin-main"),
    head,
    h("p", { class: "muted" }, sec.intro()),
    sec.controls ? sec.controls() : null,
    sec.agencyOf && (isCollective() || sec.key !== "users") ? agencyFilter(sec) : null,
    h("p", { id: "section-error", class: "form-error", role: "alert", hidden: true }),
    h("div", { id: "form-slot" }),
    h("div", { id: "view-slot" }),
    h("div", { class: "card table-scroll" }, h("table", { class: "grid", id: `${sec.key}-table`, "aria-labelledby": "section-h" }, h("thead"), h("tbody"))),
  );
  renderRows();
  if (focus) $("#section-h").focus();
}

function agencyFilter(sec) {
  const select = h(
    "select",
    { id: "list-agency" },
    h("option", { value: "" }, "All agencies"),
    S.agencies.map((a) => h("option", { value: a.id, selected: a.id === shownAgency(sec) }, a.name)),
  );
  select.addEventListener("change", () => {
    shown[sec.key] = select.value;
    renderRows();
  });
  return h("div", { class: "list-filter" }, h("label", { for: "list-agency" }, "Show agency"), select);
}

/** Focus ``button``, or the button that took its place when the list was drawn again. */
function refocus(button) {
  if (!button) return;
  const { act, id } = button.dataset;
  const now = button.isConnected ? button : [...document.querySelectorAll("#admin-main button[data-act]")].find((b) => b.dataset.act === act && b.dataset.id === id);
  (now ?? $("#section-h"))?.focus();
}

const label = (a, r) => (typeof a.label === "function" ? a.label(r) : a.label);

function renderRows() {
  const sec = current;
  const agency = sec.agencyOf ? shownAgency(sec) : "";
  const rows = sec.rows().filter((r) => !agency || sec.agencyOf(r) === agency);
  $("#section-count").textContent = String(rows.length);
  const table = document.getElementById(`${sec.key}-table`);
  // Drawn again under the keyboard (a live change): the focus stays on the same button.
  const focused = table.contains(document.activeElement) ? document.activeElement : null;
  fill(table.tHead, h("tr", {}, sec.columns.map(([title, , cls]) => h("th", { scope: "col", class: cls }, title)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions"))));
  fill(
    table.tBodies[0],
    rows.map((r) => {
      const id = sec.id(r);
      const actions = sec.actions.filter((a) => a.allowed(r));
      return h(
        "tr",
        { dataset: { id } },
        sec.columns.map(([, value, cls]) => h("td", { class: cls }, value(r))),
        h(
          "td",
          { class: "row-actions" },
          actions.map((a) =>
            h(
              "button",
              { type: "button", class: `btn btn-xs${a.danger ? " btn-danger" : ""}`, dataset: { act: a.act, id }, "aria-label": `${label(a, r)} ${id}` },
              label(a, r),
            ),
          ),
        ),
      );
    }),
  );
  if (!rows.length) fill(table.tBodies[0], h("tr", {}, h("td", { colSpan: sec.columns.length + 1, class: "empty" }, sec.empty ? sec.empty() : `No ${sec.title.toLowerCase()} yet.`)));
  if (focused && !focused.isConnected) refocus(focused);
}

async function onClick(e) {
  const b = e.target.closest("button[data-act]");
  if (!b || b.closest("form")) return;
  const sec = current;
  const error = $("#section-error");
  if (b.dataset.act === "reload") return reloadAfterConflict(sec, () => showError(error, ""));
  if (b.dataset.act === "new") return openForm(sec, sec.create, null, b);
  const record = sec.rows().find((r) => sec.id(r) === b.dataset.id);
  const action = sec.actions.find((a) => a.act === b.dataset.act);
  if (!record || !action || !action.allowed(record)) return;
  showError(error, "");
  if (action.form) return openForm(sec, action.form, record, b);
  try {
    if (action.view) {
      const slot = $("#view-slot");
      const closeButton = h("button", { type: "button", class: "btn btn-sm", dataset: { act: "close-view" } }, "Close");
      fill(slot, h("section", { class: "card admin-view", "aria-label": `${sec.noun} ${b.dataset.id}` }, await action.view(record), h("div", { class: "actions" }, closeButton)));
      closeButton.addEventListener("click", () => (slot.replaceChildren(), refocus(b)));
      closeButton.focus();
      return;
    }
    const question = action.confirm ? action.confirm(record, b.dataset.id) : null;
    if (question && !confirm(question)) return;
    b.disabled = true;
    await action.run(record, b.dataset.id);
    const done = `${label(action, record)}: ${sec.noun} ${b.dataset.id} done.`;
    toast(done, "ok", 3000);
    announce(done);
    await reload(sec);
  } catch (err) {
    b.disabled = false;
    problem(error, err);
  }
}

// data ---------------------------------------------------------------------------------

async function reload(sec) {
  await sec.load();
  if (sec === current) renderRows();
}

// Live: a change made elsewhere reloads the records it touches (the open form stays open).
const BY_ENTITY = {
  agency: ["agencies", "agreements"],
  jurisdiction: ["jurisdictions"],
  station: ["stations"],
  unit: ["units"],
  call_type: ["call-types"],
  agreement: ["agreements"],
  resource: ["resources"],
  loan: ["resources"],
  user: ["users"],
};
const LIVE_TYPES = new Set(["created", "updated", "deleted", "returned", "overdue"]);
const pending = new Set();
let timer = null;

function onEvent(type) {
  const [entity, what] = type.split(".");
  if (entity === "mutual_aid") pending.add("mutual-aid");
  else if (!LIVE_TYPES.has(what) || !BY_ENTITY[entity]) return;
  else for (const key of BY_ENTITY[entity]) pending.add(key);
  clearTimeout(timer);
  timer = setTimeout(() => {
    const keys = [...pending];
    pending.clear();
    for (const key of keys) {
      const sec = SECTIONS.find((s) => s.key === key);
      reload(sec).catch(() => {});
    }
  }, 300);
}

async function loadAll() {
  await Promise.all(SECTIONS.map((s) => s.load()));
  renderTabs();
  renderRows();
}

function sectionOfHash() {
  return SECTIONS.find((s) => `#${s.key}` === location.hash && (!s.shown || s.shown())) ?? SECTIONS[0];
}

async function main() {
  $("#user-name").textContent = session.username;
  $("#user-role").textContent = words(session.role);
  $("#signout").addEventListener("click", signOut);
  try {
    S.me = await api("/auth/me");
    $("#user-name").textContent = S.me.full_name || S.me.username;
    $("#user-role").textContent = `${S.me.username} · ${words(S.me.role)}`;
    await Promise.all(SECTIONS.map((s) => s.load()));
    show(sectionOfHash(), false);
  } catch (e) {
    fill($("#admin-main"), h("p", { class: "form-error", role: "alert" }, `Loading the admin screens failed: ${e.message}`));
  }
  $("#admin-main").addEventListener("click", (e) => onClick(e).catch((err) => toast(err.message)));
  addEventListener("hashchange", () => show(sectionOfHash(), true));
  connectLive({
    onEvent,
    onState: showState,
    onSync: (resync) => {
      if (resync) loadAll().catch((e) => toast(`Refresh after reconnecting failed: ${e.message}`));
    },
  });
  document.body.dataset.ready = "true";
}

if (session) main();
