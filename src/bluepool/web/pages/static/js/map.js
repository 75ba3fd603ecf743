// The map (Leaflet, vendored): jurisdictions from bluepool's own data, optional tiles, roads
// and routes when the server has a road network, straight dashed lines when it has not.

import { api } from "./api.js";
import { h } from "./dom.js";

const L = window.L;

export const STATUS_COLOUR = {
  available: "#3fb950",
  dispatched: "#e3b341",
  en_route: "#58a6ff",
  on_scene: "#bc8cff",
  busy: "#f0883e",
  out_of_service: "#6e7681",
  off_duty: "#484f58",
};
export const PRIORITY_COLOUR = { 1: "#ff5c5c", 2: "#ff9f43", 3: "#f5d547", 4: "#5fb3ff", 5: "#9aa7b4" };
const AGENCY_COLOURS = ["#58a6ff", "#3fb950", "#d2a8ff", "#f0883e", "#56d4dd", "#e3b341", "#ff7b72", "#a5d6ff"];

export function agencyColour(agencies, id) {
  const i = agencies.indexOf(id);
  return AGENCY_COLOURS[(i < 0 ? 0 : i) % AGENCY_COLOURS.length];
}

/** A tooltip's or popup's content as text: Leaflet parses a string given to bindTooltip or
 * bindPopup as HTML, and names come from users. */
export function textTip(text) {
  return h("span", {}, text);
}

export function createMap(el, { tileUrl, onClick } = {}) {
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(tileUrl), worldCopyJump: false });
  if (tileUrl) {
    // The pages' Referrer-Policy is same-origin; tile servers' usage policies ask for the
    // referring site, so the tiles send this origin (never a path).
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: "Map data © OpenStreetMap contributors", referrerPolicy: "strict-origin-when-cross-origin" }).addTo(map);
  }
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  map.createPane("roads").style.zIndex = 350;
  map.createPane("routes").style.zIndex = 560;
  map.setView([47.14, 9.52], 11);
  if (onClick) map.on("click", (e) => onClick(e.latlng));
  return map;
}

/** Draw the jurisdictions (GeoJSON from the API) and fit the map to them. */
export async function drawJurisdictions(map, agencies, layer, { fit = true } = {}) {
  const data = await api("/jurisdictions.geojson");
  if (layer) layer.remove();
  const geo = L.geoJSON(data, {
    style: (f) => {
      const c = agencyColour(agencies, f.properties.agency);
      return { color: c, weight: 1.25, opacity: 0.7, fillColor: c, fillOpacity: 0.06 };
    },
    onEachFeature: (f, l) => {
      l.bindTooltip(textTip(f.properties.name), { permanent: true, direction: "center", className: "jur-label", interactive: false });
    },
    interactive: true,
    bubblingMouseEvents: true,
  }).addTo(map);
  if (fit && data.features.length) map.fitBounds(geo.getBounds(), { padding: [12, 12], animate: false });
  return { layer: geo, data };
}

/** The road network, if the server has one (404 or any failure: no roads layer). */
export async function drawRoads(map) {
  try {
    const data = await api("/roads.geojson");
    if (!data || !data.type) return null;
    return L.geoJSON(data, {
      pane: "roads",
      renderer: L.canvas({ pane: "roads" }),
      style: { color: "#3b4654", weight: 1, opacity: 0.9 },
      interactive: false,
    }).addTo(map);
  } catch {
    return null;
  }
}

const routeCache = new Map();

/** The drive route of ``unit`` to ``incident`` as a layer: the road route when the server
 * has one, otherwise a straight dashed line (marked ``straight``). */
export async function routeLayer(incident, unit, { colour = "#58a6ff", ttl = 20000 } = {}) {
  if (!unit.location || !incident.location) return null;
  const key = `${incident.id}:${unit.id}:${unit.location.lat.toFixed(4)},${unit.location.lon.toFixed(4)}`;
  let hit = routeCache.get(key);
  if (!hit || Date.now() - hit.at > ttl) {
    let geojson = null;
    try {
      geojson = await api(`/incidents/${encodeURIComponent(incident.id)}/route?unit_id=${encodeURIComponent(unit.id)}`);
    } catch {
      geojson = null; // 404 / 409: no road network (or no route): draw a straight line
    }
    hit = { at: Date.now(), geojson };
    routeCache.set(key, hit);
  }
  if (hit.geojson && hit.geojson.type) {
    const layer = L.geoJSON(hit.geojson, { pane: "routes", style: { color: colour, weight: 4, opacity: 0.9 }, interactive: false });
    layer.straight = false;
    return layer;
  }
  const layer = L.polyline(
    [
      [unit.location.lat, unit.location.lon],
      [incident.location.lat, incident.location.lon],
    ],
    { pane: "routes", color: colour, weight: 2.5, opacity: 0.9, dashArray: "6 6", interactive: false },
  );
  layer.straight = true;
  return layer;
}

export function unitMarker(unit) {
  return L.circleMarker([unit.location.lat, unit.location.lon], {
    radius: 6,
    color: "#0b1016",
    weight: 1.5,
    fillColor: STATUS_COLOUR[unit.status] || "#9aa7b4",
    fillOpacity: 1,
  });
}

export function incidentIcon(incident, selected) {
  return L.divIcon({
    className: "",
    html: h("span", { class: `inc-pin p${incident.priority}${selected ? " selected" : ""}` }, h("b", {}, String(incident.priority))),
    iconSize: [22, 22],
    iconAnchor: [11, 11],
  });
}

export function newIcon() {
  return L.divIcon({ className: "", html: h("span", { class: "new-pin", "aria-hidden": "true" }), iconSize: [26, 26], iconAnchor: [13, 13] });
}
