// Building the DOM from data without ever parsing it as HTML: every string becomes a text
// node or an attribute value. Names (of units, agencies, jurisdictions, call types), notes
// and descriptions come from users; inserted this way they can never become markup.

const PROPS = new Set(["type", "value", "disabled", "hidden", "open", "selected", "colSpan", "rowSpan", "href"]);

/**
 * ``h("span", { class: "pill", title: name, dataset: { id } }, "text", child, [more])``: an
 * element with attributes (null, undefined and false are left out) and children (strings
 * and numbers as text; nodes as they are; arrays flattened; null, undefined, false and ""
 * skipped). Event handlers are attached with addEventListener by the caller, never here.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) throw new Error(`h(): no handler attributes (${key})`);
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (PROPS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === "") continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace ``el``'s children with ``children`` (same rules as ``h``). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** ``<kbd>key</kbd>`` */
export const kbd = (key) => h("kbd", {}, key);
