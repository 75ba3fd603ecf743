// Small formatting helpers shared by the pages (they return text; dom.js inserts it).

/** "45s", "3m 05s", "1h 04m": how long since ``iso``. */
export function age(iso, now = Date.now()) {
  if (!iso) return "";
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d`;
}

/** A drive time: "15 s", "1:56", "12 min". */
export function eta(seconds) {
  if (seconds == null || !isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return `${Math.round(s / 60)} min`;
}

export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

/** "2026-12-02 08:01:02" in local time: ``iso`` as a datetime-local input writes it, with a space. */
export function dateTime(iso) {
  return iso ? localInput(new Date(iso)).replace("T", " ") : "";
}

/** ``date`` as a datetime-local input's value ("2026-12-02T08:01:02", local time). */
export function localInput(date) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

export function status(value) {
  return String(value ?? "").replace(/_/g, " ");
}

export function coords(loc) {
  return loc ? `${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}` : "no position";
}

/** Parse a latitude or longitude typed by hand ("47.14" or "47,14"). */
export function parseCoord(text, max) {
  const v = Number(String(text).trim().replace(",", "."));
  return String(text).trim() !== "" && isFinite(v) && Math.abs(v) <= max ? v : null;
}

export const PRIORITY_LABEL = { 1: "emergency", 2: "urgent", 3: "prompt", 4: "routine", 5: "low" };
