// The todo UI: plain JavaScript against the backend's per-user API (/api/{user_id}/tasks, proxied by
// nginx), with a bearer token from the lab's sign-in, a stand-in for the app's auth service.
"use strict";

const signInUrl = "/api/auth/lab-sign-in";
const sessionKey = "todo.session";
const state = { filter: "all", session: null };
const $ = (id) => document.getElementById(id);

// The session lives in sessionStorage: one browser tab, gone when it closes.
function loadSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(sessionKey) || "null");
    if (session && session.token && session.user_id && session.expires_at > Date.now()) return session;
  } catch (_) { /* not JSON: start again */ }
  sessionStorage.removeItem(sessionKey);
  return null;
}

function tasksUrl() {
  return `/api/${encodeURIComponent(state.session.user_id)}/tasks`;
}

function showBackend(response) {
  const version = response.headers.get("X-App-Version");
  const servedBy = response.headers.get("X-Served-By");
  if (version) {
    $("backend-version").textContent = servedBy ? `${version} (${servedBy})` : version;
  }
}

function showError(message, id = "error") {
  const el = $(id);
  el.textContent = message;
  el.hidden = !message;
}

async function errorDetail(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const data = await response.json();
    if (typeof data.detail === "string") detail = data.detail;
    else if (Array.isArray(data.detail)) detail = data.detail.map((d) => d.msg).join("; ");
  } catch (_) { /* not JSON */ }
  return detail;
}

class SignedOut extends Error {}

async function request(method, url, body) {
  const options = { method, headers: { Accept: "application/json", Authorization: `Bearer ${state.session.token}` } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  if (method === "POST" && url === tasksUrl()) {
    // A retry of the same submission never creates a second task.
    options.headers["Idempotency-Key"] = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  }
  const response = await fetch(url, options);
  showBackend(response);
  if (response.status === 401) {
    // Expired or no longer accepted (e.g. the secret changed): back to the sign-in form.
    signOut(`Signed out: ${await errorDetail(response)}. Sign in again.`);
    throw new SignedOut();
  }
  if (!response.ok) throw new Error(await errorDetail(response));
  return response.status === 204 ? null : response.json();
}

function render(page) {
  const list = $("task-list");
  const template = $("task-template");
  list.replaceChildren();
  for (const task of page.items) {
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.id = task.id;
    item.classList.toggle("completed", task.completed);
    item.querySelector(".title").textContent = task.title;
    item.querySelector(".complete-button").addEventListener("click", () => act("POST", `${tasksUrl()}/${task.id}/complete`));
    item.querySelector(".delete-button").addEventListener("click", () => act("DELETE", `${tasksUrl()}/${task.id}`));
    list.appendChild(item);
  }
  $("empty").hidden = page.items.length > 0;
  $("count").textContent = `${page.total} task${page.total === 1 ? "" : "s"}`;
}

async function refresh() {
  if (!state.session) return;
  const query = state.filter === "all" ? "" : `&completed=${state.filter === "done"}`;
  try {
    render(await request("GET", `${tasksUrl()}?limit=200${query}`));
    showError("");
  } catch (error) {
    if (!(error instanceof SignedOut)) showError(`Could not load tasks: ${error.message}`);
  }
}

async function act(method, url, body) {
  try {
    await request(method, url, body);
    showError("");
  } catch (error) {
    if (error instanceof SignedOut) return;
    showError(error.message);
  }
  await refresh();
}

function showView() {
  const signedIn = state.session !== null;
  $("sign-in").hidden = signedIn;
  $("todo").hidden = !signedIn;
  $("current-user").textContent = signedIn ? state.session.user_id : "";
  if (signedIn) {
    $("new-title").focus();
  } else {
    $("task-list").replaceChildren();
    $("user-id").focus();
  }
}

function signOut(message = "") {
  sessionStorage.removeItem(sessionKey);
  state.session = null;
  showView();
  showError(message, "sign-in-error");
}

async function signIn(userId) {
  let response;
  try {
    response = await fetch(signInUrl, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ user_id: userId }),
    });
  } catch (error) {
    showError(`Could not reach the backend: ${error.message}`, "sign-in-error");
    return;
  }
  showBackend(response);
  if (response.status === 404) {
    showError("Lab sign-in is off on this backend (LAB_SIGN_IN is not true): tokens come from the app's auth "
      + "service, which this lab does not run.", "sign-in-error");
    return;
  }
  if (response.status === 422) {
    showError("A user id is 1 to 64 letters, digits, dots, underscores, @ or dashes.", "sign-in-error");
    return;
  }
  if (!response.ok) {
    showError(`Could not sign in: ${await errorDetail(response)}`, "sign-in-error");
    return;
  }
  const data = await response.json();
  // Expire the session a little early so that a request never goes out with a token about to lapse.
  state.session = { token: data.token, user_id: data.user_id, expires_at: Date.now() + (data.expires_in - 30) * 1000 };
  sessionStorage.setItem(sessionKey, JSON.stringify(state.session));
  showError("", "sign-in-error");
  showView();
  await refresh();
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const userId = $("user-id").value.trim();
  if (userId) await signIn(userId);
});

$("sign-out-button").addEventListener("click", () => signOut());

$("new-task").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("new-title");
  const title = input.value.trim();
  if (!title) return;
  await act("POST", tasksUrl(), { title });
  input.value = "";
  input.focus();
});

for (const button of document.querySelectorAll(".filters button")) {
  button.addEventListener("click", () => {
    state.filter = button.dataset.filter;
    for (const b of document.querySelectorAll(".filters button")) b.classList.toggle("active", b === button);
    refresh();
  });
}

state.session = loadSession();
showView();
refresh();
