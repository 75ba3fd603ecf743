// The sign-in page: OAuth2 password form to /api/v1/auth/token; the tokens go to
// sessionStorage (this tab and the windows it pops out), then on to the role's own screen
// (screens.js), or to the local page named by ?next= when the role may use it.

import { api, saveSession, session } from "./api.js";
import { destination as landing } from "./screens.js";
import { showError } from "./ui.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
const params = new URLSearchParams(location.search);

const destination = (role) => landing(role, params.get("next"));

const current = session();
if (current) location.replace(destination(current.role));
if (params.get("reason") === "expired") showError(error, "Your session has expired; please sign in again.");

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showError(error, "Enter your username and password.");
    (username ? form.password : form.username).focus();
    return;
  }
  const button = document.getElementById("login-submit");
  button.disabled = true;
  showError(error, "");
  try {
    const token = await api("/auth/token", { method: "POST", form: { username, password } });
    saveSession(token);
    location.replace(destination(token.role));
  } catch (err) {
    showError(error, err.status === 401 ? "Wrong username or password." : err.message);
    form.password.select();
    button.disabled = false;
  }
});
