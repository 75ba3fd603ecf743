// The live event stream (SSE at /api/v1/events) with reconnection and an online indicator.
//
// EventSource sends no Authorization header, so each connection opens with a single-use
// stream ticket (POST /api/v1/events/ticket, then ?ticket=). A ticket is spent once the
// stream opens, so the browser's own reconnection (which reuses the URL) cannot work:
// after any error we close the stream and open a new one, with a new ticket, after a
// backoff. Every (re)connection calls ``onSync`` so the page re-reads its state: nothing
// is ever lost, even when events went by while the stream was down.

import { session, streamTicket } from "./api.js";

// The stream's event names come from the server's one list of them
// (bluepool.domain.events.NAMES), rendered into every page.
export const EVENT_TYPES = JSON.parse(document.getElementById("event-types")?.textContent || "[]");

export function connectLive({ onEvent, onSync, onState }) {
  let source = null;
  let opened = false; // connected at least once
  let down = false;
  let backoff = 1000;
  let timer = null;
  let closed = false;

  const set = (state, detail) => {
    down = state !== "live";
    onState(state, detail);
  };

  function retry() {
    clearTimeout(timer);
    timer = setTimeout(open, backoff);
    backoff = Math.min(backoff * 2, 15000);
  }

  async function open() {
    if (!session()) return;
    let ticket;
    try {
      ticket = await streamTicket(); // refreshes the access token if need be
    } catch {
      set("offline", "reconnecting");
      retry();
      return;
    }
    if (closed) return;
    if (source) source.close();
    source = new EventSource("/api/v1/events?ticket=" + encodeURIComponent(ticket));
    source.onopen = () => {
      const resync = opened;
      opened = true;
      backoff = 1000;
      set("live");
      onSync(resync);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (e) => {
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        onEvent(type, data, e.lastEventId);
      });
    }
    // The server restarted and cannot replay: read the whole state again.
    source.addEventListener("reset", () => onSync(true));
    source.onerror = () => {
      // The ticket is spent: reconnect ourselves, with a new one.
      source.close();
      set("offline", "reconnecting");
      retry();
    };
  }

  addEventListener("offline", () => set("offline", "no network"));
  addEventListener("online", () => {
    if (down && (!source || source.readyState === EventSource.CLOSED)) {
      clearTimeout(timer);
      open();
    }
  });
  set("connecting");
  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (source) source.close();
    },
  };
}

/** Show the stream's state in the header pill and the offline banner. */
export function showState(state, detail) {
  const pill = document.getElementById("conn");
  const text = document.getElementById("conn-text");
  const banner = document.getElementById("offline-banner");
  pill.className = `conn conn-${state}`;
  text.textContent = state === "live" ? "Live" : state === "connecting" ? "Connecting…" : "Offline";
  banner.hidden = state !== "offline";
  const d = document.getElementById("offline-detail");
  if (d && detail === "no network") d.textContent = "This device has no network. Live updates resume when it is back.";
  else if (d) d.textContent = "Live updates are paused; the screen refreshes itself when the connection is back.";
}
