// Locations by address: a combobox that searches the gazetteer as the dispatcher types
// (debounced; arrows move, Enter picks, Esc closes the list) and the address at a point.
// Both go through /api/v1/geocode; without a gazetteer (409) the field is a plain text field.

import { api } from "./api.js";
import { h, fill } from "./dom.js";

const DEBOUNCE_MS = 120;
const KIND = { address: "address", street: "street", intersection: "crossing", place: "place", poi: "place of interest" };

/** Where a match lies, as a short text: its jurisdiction, or a warning when it is outside. */
export function whereText(m, placeName) {
  if (!m.outside) return m.jurisdiction ? placeName(m.jurisdiction) : "";
  const n = m.nearest_jurisdiction;
  return n ? `outside the collective · nearest: ${n.name} (${km(n.distance_m)})` : "outside the collective";
}

function km(m) {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}

/** The address at a point ({match, outside, nearest_jurisdiction, ...}), or null without a
 * gazetteer. */
export async function reverseGeocode(lat, lon) {
  try {
    return await api(`/geocode/reverse?lat=${encodeURIComponent(lat)}&lon=${encodeURIComponent(lon)}`);
  } catch {
    return null;
  }
}

/** Make ``input`` search as it is typed, listing matches in ``list`` (a <ul>); ``onPick``
 * gets the chosen match. */
export function addressSearch(input, list, { onPick, placeName }) {
  let timer = 0;
  let seq = 0;
  let matches = [];
  let active = -1;
  let available = true;

  const close = () => {
    matches = [];
    active = -1;
    list.hidden = true;
    fill(list);
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const show = () => {
    fill(
      list,
      matches.map((m, n) =>
        h(
          "li",
          { id: `addr-opt-${n}`, role: "option", class: `addr-opt${n === active ? " active" : ""}${m.outside ? " outside" : ""}`, "aria-selected": n === active ? "true" : "false", dataset: { n: String(n) } },
          h("span", { class: "addr-label" }, m.label),
          h("span", { class: "addr-meta" }, [KIND[m.kind] ?? m.kind, whereText(m, placeName)].filter(Boolean).join(" · ")),
        ),
      ),
    );
    list.hidden = matches.length === 0;
    input.setAttribute("aria-expanded", matches.length ? "true" : "false");
    if (active >= 0) input.setAttribute("aria-activedescendant", `addr-opt-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const pick = (n) => {
    const m = matches[n];
    if (!m) return;
    input.value = m.label;
    close();
    onPick(m);
  };
  const search = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q || !available) return close();
    try {
      const r = await api(`/geocode?q=${encodeURIComponent(q)}&limit=8`);
      if (mine !== seq) return; // a newer search is on its way
      matches = r.matches;
      active = -1; // Enter alone takes the first; the arrows choose another
      show();
    } catch (err) {
      if (err.status === 409) available = false;
      close();
    }
  };

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden || !matches.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      active = (active + step + matches.length) % matches.length;
      show();
    } else if (e.key === "Enter") {
      e.preventDefault(); // pick; do not submit the form
      pick(active < 0 ? 0 : active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation(); // close the list, not the form
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  list.addEventListener("mousedown", (e) => {
    const li = e.target.closest("[data-n]");
    if (li) {
      e.preventDefault();
      pick(Number(li.dataset.n));
    }
  });
  return { close };
}
