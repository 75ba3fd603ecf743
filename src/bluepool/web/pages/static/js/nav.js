// The header's navigation between the screens the signed-in role may use (screens.js), and
// a role on a screen not made for it goes to its own.

import { session } from "./api.js";
import { h, fill } from "./dom.js";
import { homeOf, mayUse, screenOf, screensOf } from "./screens.js";

const me = session();
const nav = document.getElementById("screens");
// (A role without a screen of its own stays: sending it "home" would loop.)
if (me && !mayUse(me.role, location.pathname) && screenOf(homeOf(me.role)) !== screenOf(location.pathname)) {
  location.replace(homeOf(me.role));
} else if (me && nav) {
  const here = screenOf(location.pathname);
  const screens = screensOf(me.role);
  nav.hidden = screens.length < 2;
  fill(
    nav,
    h(
      "ul",
      {},
      screens.map((s) => h("li", {}, h("a", { href: s.path, "aria-current": s === here ? "page" : null }, s.label))),
    ),
  );
}
