// The screens, who may use each, and where each role lands after signing in: the one list
// the sign-in page and the header's navigation read. The server decides what each role may
// do; this only keeps a role off screens made for another.

import { localPath } from "./redirect.js";

/** Every screen: its path, its name in the header, and the roles it is made for. */
export const SCREENS = [
  { path: "/", label: "Dispatch", roles: ["dispatcher", "supervisor", "collective_admin"] },
  { path: "/supervisor", label: "Supervisor", roles: ["supervisor", "collective_admin"] },
  { path: "/analyst", label: "Incidents", roles: ["analyst", "collective_admin"] },
  { path: "/officer", label: "My unit", roles: ["officer"] },
  { path: "/admin", label: "Admin", roles: ["agency_admin", "collective_admin"] },
  // The server's board readers (services/analytics/policy.READERS).
  { path: "/board", label: "Board", roles: ["analyst", "supervisor", "agency_admin", "collective_admin"] },
  // The server's audit readers (services/audit/policy.READERS).
  { path: "/audit", label: "Audit log", roles: ["analyst", "collective_admin"] },
];

/** Where each role lands after signing in (when no page of its own is asked for). */
export const HOME = {
  dispatcher: "/",
  supervisor: "/",
  analyst: "/analyst",
  officer: "/officer",
  agency_admin: "/admin",
  collective_admin: "/admin",
};

export const homeOf = (role) => HOME[role] ?? "/";

/** The screen a local path belongs to: the longest screen path it starts with. */
export function screenOf(path) {
  const pathname = new URL(path, location.origin).pathname;
  let best = null;
  for (const s of SCREENS) {
    const match = s.path === "/" || pathname === s.path || pathname.startsWith(s.path + "/");
    if (match && (!best || s.path.length > best.path.length)) best = s;
  }
  return best;
}

/** The screens ``role`` may use, in header order. */
export const screensOf = (role) => SCREENS.filter((s) => s.roles.includes(role));

export const mayUse = (role, path) => Boolean(screenOf(path)?.roles.includes(role));

/** Where to go after signing in: ``next`` when it is a local page this role may use, else the
 * role's own screen. */
export function destination(role, next) {
  const local = localPath(next);
  if (local && !local.startsWith("/login") && mayUse(role, local)) return local;
  return homeOf(role);
}
