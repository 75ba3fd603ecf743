// One sign-in, several windows: the console's pop-outs (map, queue, unit board on a second
// monitor) share their opener's session. A refresh token works once, and a second use ends
// the session, so the windows of one session (its "family") take turns: a refresh runs
// under a lock named for the session (Web Locks), and the window that refreshed hands the
// new tokens to the others (BroadcastChannel). Windows of other sessions (a tab signed in
// on its own) ignore what is not theirs.

const CHANNEL = "bluepool.session";
// After handing out new tokens, keep the lock this long so that the message reaches every
// window before the next one looks at its tokens.
const SETTLE_MS = 250;

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;

/** The session id a refresh token names (``<session id>.<secret>``). */
export function sessionId(refreshToken) {
  return (refreshToken || "").split(".")[0];
}

/** Run ``fn`` (async) alone among the windows of session ``sid``; without Web Locks (not a
 * secure context), just run it. */
export async function alone(sid, fn) {
  if (!navigator.locks) return fn();
  return navigator.locks.request(`bluepool.refresh.${sid}`, async () => {
    const result = await fn();
    if (result && result.handedOut) await new Promise((ok) => setTimeout(ok, SETTLE_MS));
    return result;
  });
}

/** Tell the family of session ``sid``: ``rotated`` (with the new ``token``) or ``ended``. */
export function tell(kind, sid, token) {
  if (channel) channel.postMessage({ kind, sid, token });
}

/** Hear the family: ``onRotated(token)`` and ``onEnded()`` for session ``current()``'s id. */
export function listen(current, { onRotated, onEnded }) {
  if (!channel) return;
  channel.addEventListener("message", (e) => {
    const m = e.data;
    if (!m || typeof m !== "object" || !m.sid || m.sid !== current()) return;
    if (m.kind === "rotated" && m.token && sessionId(m.token.refresh_token) === m.sid) onRotated(m.token);
    else if (m.kind === "ended") onEnded();
  });
}
