// Markers that stay readable on a busy floor: units as labelled dots, incidents as pins,
// both gathered into clusters where they crowd (Leaflet.markercluster, vendored), and every
// marker and cluster reachable by keyboard: Tab focuses it, Enter (or Space) opens it.

import { h } from "./dom.js";

const L = window.L;

/** A div icon whose element carries an accessible name (Leaflet gives a keyboard marker
 * role="button" but no name). */
const NamedIcon = L.DivIcon.extend({
  createIcon(old) {
    const el = L.DivIcon.prototype.createIcon.call(this, old);
    el.setAttribute("aria-label", this.options.label);
    return el;
  },
});

/** The cluster group for the console's units and incidents. A cluster opens (zooms in to
 * its markers, or spreads them out at the last zoom) on click, Enter or Space. */
export function clusterGroup(map) {
  if (map.options.maxZoom === undefined) map.setMaxZoom(19); // clustering needs a last zoom (no tiles: none set)
  const group = L.markerClusterGroup({
    maxClusterRadius: 44,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    disableClusteringAtZoom: 16,
    chunkedLoading: true,
    iconCreateFunction: clusterIcon,
  });
  group.on("clusterkeydown", (e) => {
    if (!opens(e.originalEvent)) return;
    e.originalEvent.preventDefault();
    const c = e.layer;
    if (map.getZoom() >= map.getMaxZoom() || c.getBounds().getNorthEast().equals(c.getBounds().getSouthWest())) c.spiderfy();
    else c.zoomToBounds({ padding: [24, 24] });
  });
  return group.addTo(map);
}

const opens = (ev) => ev && (ev.key === "Enter" || ev.key === " ");

/** Call ``fn`` when a keyboard user opens ``marker`` (Enter or Space while it has focus). */
export function onOpen(marker, fn) {
  marker.on("click", fn);
  marker.on("keydown", (e) => {
    if (!opens(e.originalEvent)) return;
    e.originalEvent.preventDefault();
    fn(e);
  });
  return marker;
}

function clusterIcon(cluster) {
  const children = cluster.getAllChildMarkers();
  let units = 0;
  let incidents = 0;
  let top = 6;
  for (const m of children) {
    if (m.options.kind === "incident") {
      incidents += 1;
      top = Math.min(top, m.options.priority);
    } else units += 1;
  }
  const parts = [];
  if (units) parts.push(`${units} unit${units === 1 ? "" : "s"}`);
  if (incidents) parts.push(`${incidents} incident${incidents === 1 ? "" : "s"}${top < 6 ? `, most urgent P${top}` : ""}`);
  // The name starts with the text the cluster shows (its count, its most urgent priority).
  const shows = `${children.length}${incidents ? ` P${top}` : ""}`;
  const label = `${shows}: cluster of ${parts.join(", ")}. Enter zooms in.`;
  const size = children.length < 10 ? 30 : children.length < 100 ? 36 : 42;
  return new NamedIcon({
    className: "",
    label,
    html: h(
      "span",
      { class: `cluster${top < 6 ? ` cluster-p${top}` : ""}`, title: label },
      h("b", {}, String(children.length)),
      incidents ? [" ", h("i", { class: "cluster-inc" }, `P${top}`)] : null,
    ),
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}

/** A unit's marker: a dot coloured by status with the unit's id beside it. */
export function unitMarker(unit, statusText) {
  return L.marker([unit.location.lat, unit.location.lon], { icon: unitIcon(unit, statusText), keyboard: true, kind: "unit", riseOnHover: true });
}

export function unitIcon(unit, statusText) {
  return new NamedIcon({
    className: "",
    label: `Unit ${unit.id}, ${statusText}`,
    html: h("span", { class: "unit-pin" }, h("i", { class: `unit-dot st-${unit.status}` }), h("span", { class: "unit-label" }, unit.id)),
    iconSize: [14, 14],
    iconAnchor: [7, 7],
  });
}

/** An incident's marker: a pin coloured by priority, named for screen readers. */
export function incidentMarker(incident) {
  return L.marker([incident.location.lat, incident.location.lon], { keyboard: true, kind: "incident", priority: incident.priority });
}

export function incidentIcon(incident, selected, label) {
  return new NamedIcon({
    className: "",
    label,
    html: h("span", { class: `inc-pin p${incident.priority}${selected ? " selected" : ""}` }, h("b", {}, `P${incident.priority}`)),
    iconSize: [22, 22],
    iconAnchor: [11, 11],
  });
}
