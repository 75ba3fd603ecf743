// Pop-out windows: the map, the incident queue or the unit board alone in a window of its
// own (a second monitor), signed in with the console's session (api.js, family.js) and live
// on the event stream like the console itself. The console's windows follow one selection:
// choose an incident in the queue's window and the console shows it.

const VIEWS = { map: "Map", queue: "Incidents", units: "Units" };
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("bluepool.console") : null;

/** This window's pop-out view ("map", "queue", "units"), or null for the whole console. */
export function popoutView() {
  const v = new URLSearchParams(location.search).get("view");
  return v && Object.hasOwn(VIEWS, v) ? v : null;
}

/** Open ``view`` alone in a window of its own (one window per view: again brings it back). */
export function popOut(view) {
  const w = window.open(`/?view=${view}`, `bluepool-${view}`, "popup,width=1000,height=760");
  if (w) w.focus();
  return w;
}

/** The window's title: the console's, or the pop-out's part of it. */
export function windowTitle() {
  const view = popoutView();
  return `${view ? `${VIEWS[view]} · ` : ""}Dispatch · bluepool`;
}

/** Wire the pop-out buttons (``[data-popout]``), and, in a pop-out, show only its view. */
export function setUpPopouts() {
  const view = popoutView();
  if (view) {
    document.body.dataset.view = view;
    document.title = windowTitle();
  }
  for (const b of document.querySelectorAll("[data-popout]")) {
    b.hidden = Boolean(view);
    b.addEventListener("click", () => popOut(b.dataset.popout));
  }
  return view;
}

/** Share the selected incident among the console's windows: returns ``tell(id)``; ``onSelect``
 * hears the others'. */
export function shareSelection(onSelect) {
  if (channel) {
    channel.addEventListener("message", (e) => {
      if (e.data && e.data.kind === "select" && (typeof e.data.id === "string" || e.data.id === null)) onSelect(e.data.id);
    });
  }
  return (id) => channel && channel.postMessage({ kind: "select", id });
}
