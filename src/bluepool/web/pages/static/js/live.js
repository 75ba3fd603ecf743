// The live event stream (SSE at /api/v1/events) with reconnection and an online indicator.
//
// The browser's EventSource reconnects by itself after a dropped connection and sends the
// last event id (Last-Event-ID), so the server replays what was missed. If the browser gives
// up (the stream answered with an error status), we open a new stream with a backoff. Every
// (re)connection calls ``onSync`` so the page re-reads its state: nothing is ever lost, even
// if the replay buffer was exceeded.

import { api, session } from "./api.js";

// The stream's event names come from the server's one list of them
// (bluepool.domain.events.NAMES), rendered into every page.
export const EVENT_TYPES = JSON.parse(document.getElementById("event-types")?.textContent || "[]");

export function connectLive({ onEvent, onSync, onState }) {
  let source = null;
  let opened = false; // connected at least once
  let down = false;
  let backoff = 1000;
  let timer = null;

  const set = (state, detail) => {
    down = state !== "live";
    onState(state, detail);
  };

  function open() {
    const s = session();
    if (!s) return;
    source = new EventSource("/api/v1/events?access_token=" + encodeURIComponent(s.access_token));
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
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an error status): check the session, then retry ourselves.
        source.close();
        set("offline", "reconnecting");
        api("/auth/me").catch(() => {});
        clearTimeout(timer);
        timer = setTimeout(open, backoff);
        backoff = Math.min(backoff * 2, 15000);
      } else {
        set("offline", "reconnecting");
      }
    };
  }

  addEventListener("offline", () => set("offline", "no network"));
  addEventListener("online", () => {
    if (down && source && source.readyState === EventSource.CLOSED) {
      clearTimeout(timer);
      open();
    }
  });
  set("connecting");
  open();
  return {
    close() {
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
