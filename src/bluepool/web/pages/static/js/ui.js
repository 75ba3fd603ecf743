// Toasts (errors and confirmations), screen-reader announcements, and who is signed in.

import { api } from "./api.js";

export function toast(message, kind = "error", ms = 6000) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => el.remove());
  el.append(close);
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => el.remove(), kind === "error" ? ms * 1.5 : ms);
}

export function announce(text) {
  const el = document.getElementById("announcer");
  if (!el) return;
  const p = document.createElement("p");
  p.textContent = text;
  el.append(p);
  while (el.children.length > 5) el.firstElementChild.remove();
}

export function showError(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

/** The signed-in user in the top bar: the session's name and role at once, then the full
 * name from /auth/me. */
export function showUser(me) {
  const name = document.getElementById("user-name");
  const role = document.getElementById("user-role");
  name.textContent = me.username;
  role.textContent = me.role.replace(/_/g, " ");
  api("/auth/me")
    .then((u) => {
      name.textContent = u.full_name || u.username;
      role.textContent = `${u.username} · ${u.role.replace(/_/g, " ")}`;
    })
    .catch(() => {});
}
