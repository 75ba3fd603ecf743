// Lists that update in place: one element per key, rebuilt only when what it shows changed,
// moved only when out of order. A queue of 500 open incidents is built once; afterwards an
// event touches the rows it changed, not the whole list.

/**
 * Make ``list``'s children show ``items`` in order. ``key(item)`` names an item's element,
 * ``sig(item)`` is a string that changes whenever the element would look different, and
 * ``build(item)`` makes the element.
 */
export function keyed(list, items, key, sig, build) {
  const rows = list.keyedRows ?? new Map();
  const want = new Map();
  for (const item of items) {
    const k = key(item);
    const s = sig(item);
    let row = rows.get(k);
    if (!row || row.sig !== s) {
      const el = build(item);
      if (row) row.el.replaceWith(el);
      row = { el, sig: s };
    }
    want.set(k, row);
  }
  for (const [k, row] of rows) if (!want.has(k)) row.el.remove();
  list.keyedRows = want;
  let at = list.firstChild;
  for (const row of want.values()) {
    if (row.el === at) at = at.nextSibling;
    else list.insertBefore(row.el, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
}
