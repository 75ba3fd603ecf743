// Staffing: how much of an incident's response plan its assigned units fill, the same
// matching the recommender uses (domain/dispatch/recommend.py, slots_filled): the plan's
// lines become slots (two patrol cars: two slots), each unit fills at most one slot it has
// the capability for, moving units already placed when that makes room (Kuhn's algorithm).

export function slotsFilled(slots, unitCaps) {
  const holder = slots.map(() => null);
  const place = (row, seen) => {
    for (let s = 0; s < slots.length; s++) {
      if (!unitCaps[row].has(slots[s]) || seen.has(s)) continue;
      seen.add(s);
      if (holder[s] === null || place(holder[s], seen)) {
        holder[s] = row;
        return true;
      }
    }
    return false;
  };
  return unitCaps.reduce((n, _, row) => n + (place(row, new Set()) ? 1 : 0), 0);
}

// { slots, filled } for a plan ([{capability, count}]) and the capabilities of the units on
// the incident; "partial" when some but not all slots are filled, "staffed" when all are.
export function staffing(plan, unitCaps) {
  const slots = (plan ?? []).flatMap((r) => Array(r.count ?? 1).fill(r.capability));
  const filled = slotsFilled(slots, unitCaps.map((c) => new Set(c)));
  const state = !slots.length || !filled ? "none" : filled < slots.length ? "partial" : "staffed";
  return { slots: slots.length, filled, state };
}
