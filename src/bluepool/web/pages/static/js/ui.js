// Toasts (errors and confirmations) and screen-reader announcements.

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
