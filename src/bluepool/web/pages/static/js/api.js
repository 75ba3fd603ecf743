// The public JSON API (/api/v1) and the signed-in session (sessionStorage).
//
// A sign-in gives a short-lived access token and a refresh token. Before the access token
// runs out (and once after a 401), the refresh token buys a new pair; each refresh token
// works once, so one refresh at a time (``refreshing``), and, among the windows of one
// session (the console's pop-outs), one at a time too (family.js). Signing out ends the
// session on the server (/auth/logout), in every window of it.

import { alone, listen, sessionId, tell } from "./family.js";

const KEY = "bluepool.session";
// Refresh this long before the access token expires (a quarter of a shorter lifetime).
const EARLY_MS = 60 * 1000;
const early = (s) => Math.min(EARLY_MS, (s.expires_in || 0) * 250);

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return s && s.access_token ? s : null;
  } catch {
    return null;
  }
}

let timer = null;

export function saveSession(token) {
  keep({ ...token, expires_at: Date.now() + (token.expires_in || 0) * 1000 });
}

function keep(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  schedule();
  return s;
}

// A pop-out window starts with its opener's session (browsers copy sessionStorage into a
// window opened with window.open; this covers one opened without that copy).
if (!sessionStorage.getItem(KEY)) {
  try {
    const theirs = window.opener && window.opener.sessionStorage.getItem(KEY);
    if (theirs) sessionStorage.setItem(KEY, theirs);
  } catch {
    // another site's window, or none: sign in here
  }
}

// The other windows of this session refresh and sign out for this one too.
listen(() => sessionId(session()?.refresh_token), {
  onRotated: (s) => keep(s),
  onEnded: () => toLogin(""),
});

// Keep an idle page signed in: refresh shortly before the access token expires.
function schedule() {
  clearTimeout(timer);
  const s = session();
  if (!s || !s.refresh_token) return;
  const wait = Math.max((s.expires_at || 0) - Date.now() - early(s), 1000);
  timer = setTimeout(() => refreshSession(false).catch(() => {}), wait);
}

let refreshing = null;

/** Swap the refresh token for new tokens (one swap at a time); false when the session has
 * ended (signed out elsewhere, expired, password changed). ``force``: swap even when the
 * access token is not about to expire (after a 401). Another window of the session may have
 * swapped it meanwhile: then its new tokens are used. */
export function refreshSession(force = true) {
  if (!refreshing) {
    refreshing = rotate(force).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function rotate(force) {
  const before = session();
  if (!before || !before.refresh_token) return false;
  const sid = sessionId(before.refresh_token);
  const done = await alone(sid, async () => {
    const s = session();
    if (!s || !s.refresh_token) return { ok: false };
    if (s.refresh_token !== before.refresh_token) return { ok: true }; // swapped by another window
    if (!force && (s.expires_at || 0) - Date.now() > early(s)) return { ok: true };
    let r;
    try {
      r = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "Cannot reach the server. Check the connection and try again.");
    }
    if (!r.ok) return { ok: false };
    const token = await r.json();
    saveSession(token);
    tell("rotated", sid, session());
    return { ok: true, handedOut: true };
  });
  return done.ok;
}

function toLogin(reason) {
  clearTimeout(timer);
  sessionStorage.removeItem(KEY);
  const next = location.pathname + location.search;
  const q = new URLSearchParams({ next });
  if (reason) q.set("reason", reason);
  location.replace("/login?" + q.toString());
}

/** Sign out: end the session on the server, then go to the sign-in page. */
export async function signOut() {
  const s = session();
  if (s) tell("ended", sessionId(s.refresh_token));
  if (s) {
    try {
      await api("/auth/logout", { method: "POST" });
    } catch {
      // Signed out here in any case; the session ends on the server when it expires.
    }
  }
  toLogin("");
}

/** The session, or a redirect to the sign-in page (and null) when there is none. */
export function requireSession() {
  const s = session();
  if (!s) toLogin("");
  else schedule();
  return s;
}

/** A single-use ticket that opens the event stream (EventSource sends no headers). */
export async function streamTicket() {
  const t = await api("/events/ticket", { method: "POST" });
  return t.ticket;
}

/** An API failure with a readable message built from the {"detail", "code"} body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A readable sentence from an error body: a string detail, or a list of {field, reason}. */
export function describe(body, status) {
  const detail = body && body.detail;
  if (typeof detail === "string" && detail) return capitalise(detail);
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((d) => (d && typeof d === "object" ? [d.field, d.reason ?? d.msg].filter(Boolean).join(": ") : String(d)))
      .join("; ");
  }
  if (status === 0) return "Cannot reach the server.";
  return `The server answered ${status}.`;
}

function capitalise(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Call the API. ``body`` is sent as JSON, ``form`` as a URL-encoded form. The access token
 * is refreshed first when it is about to expire, and once more after a 401; a session that
 * cannot be refreshed sends the user back to the sign-in page.
 */
export async function api(path, { method = "GET", body, form, signal, retry = true } = {}) {
  const r = await authorised(path, method, body, form, signal, retry);
  if (r === null || r.status === 204) return null;
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  if (!r.ok) throw new ApiError(r.status, (data && data.code) || "error", describe(data, r.status));
  return data;
}

/** GET a file from the API (a CSV export) as a Blob, signed in as ``api`` is. */
export async function download(path, { signal } = {}) {
  const r = await authorised(path, "GET", undefined, undefined, signal, true);
  if (!r.ok) {
    const data = await r.json().catch(() => null);
    throw new ApiError(r.status, (data && data.code) || "error", describe(data, r.status));
  }
  return r.blob();
}

/** GET a file from the API and hand it to the browser as a download named ``name``. */
export async function saveDownload(path, name) {
  const url = URL.createObjectURL(await download(path));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Send the request with the access token (refreshed as ``api`` says); null: signed out. */
async function authorised(path, method, body, form, signal, retry) {
  const open = path === "/auth/token";
  let s = session();
  if (!open && s && s.refresh_token && (s.expires_at || 0) - Date.now() < early(s)) {
    await refreshSession(false).catch(() => false);
    s = session();
  }
  let r = await send(path, method, body, form, signal, s);
  if (r.status === 401 && !open) {
    if (retry && s && (await refreshSession().catch(() => false))) {
      r = await send(path, method, body, form, signal, session());
    }
    if (r.status === 401) {
      if (path === "/auth/logout") return null;
      toLogin("expired");
      throw new ApiError(401, "not_authenticated", "Your session has expired; please sign in again.");
    }
  }
  return r;
}

async function send(path, method, body, form, signal, s) {
  const headers = { Accept: "application/json" };
  if (s && path !== "/auth/token") headers.Authorization = `Bearer ${s.access_token}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  } else if (form !== undefined) {
    payload = new URLSearchParams(form);
  }
  try {
    return await fetch("/api/v1" + path, { method, headers, body: payload, signal, cache: "no-store" });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Cannot reach the server. Check the connection and try again.");
  }
}

/** A random idempotency key (crypto.randomUUID needs a secure context). */
export function newKey() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}
