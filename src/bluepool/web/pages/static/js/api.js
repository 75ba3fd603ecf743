// The public JSON API (/api/v1) and the signed-in session (sessionStorage).

const KEY = "bluepool.session";

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return s && s.access_token ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(token) {
  sessionStorage.setItem(KEY, JSON.stringify(token));
}

function toLogin(reason) {
  sessionStorage.removeItem(KEY);
  const next = location.pathname + location.search;
  const q = new URLSearchParams({ next });
  if (reason) q.set("reason", reason);
  location.replace("/login?" + q.toString());
}

export function signOut() {
  toLogin("");
}

/** The session, or a redirect to the sign-in page (and null) when there is none. */
export function requireSession() {
  const s = session();
  if (!s) toLogin("");
  return s;
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
 * Call the API. ``body`` is sent as JSON, ``form`` as a URL-encoded form. A 401 (expired or
 * revoked token) sends the user back to the sign-in page.
 */
export async function api(path, { method = "GET", body, form, signal } = {}) {
  const headers = { Accept: "application/json" };
  const s = session();
  if (s) headers.Authorization = `Bearer ${s.access_token}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  } else if (form !== undefined) {
    payload = new URLSearchParams(form);
  }
  let r;
  try {
    r = await fetch("/api/v1" + path, { method, headers, body: payload, signal, cache: "no-store" });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Cannot reach the server. Check the connection and try again.");
  }
  if (r.status === 401 && path !== "/auth/token") {
    toLogin("expired");
    throw new ApiError(401, "not_authenticated", "Your session has expired; please sign in again.");
  }
  if (r.status === 204) return null;
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  if (!r.ok) throw new ApiError(r.status, (data && data.code) || "error", describe(data, r.status));
  return data;
}

/** A random idempotency key (crypto.randomUUID needs a secure context). */
export function newKey() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}
