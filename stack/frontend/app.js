// The todo UI: plain JavaScript against /api/tasks (proxied by nginx to the backend).
"use strict";

const api = "/api/tasks";
const state = { filter: "all" };
const $ = (id) => document.getElementById(id);

function showBackend(response) {
  const version = response.headers.get("X-App-Version");
  const servedBy = response.headers.get("X-Served-By");
  if (version) {
    $("backend-version").textContent = servedBy ? `${version} (${servedBy})` : version;
  }
}

function showError(message) {
  const el = $("error");
  el.textContent = message;
  el.hidden = !message;
}

async function request(method, url, body) {
  const options = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  if (method === "POST" && url === api) {
    // A retry of the same submission never creates a second task.
    options.headers["Idempotency-Key"] = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  }
  const response = await fetch(url, options);
  showBackend(response);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const data = await response.json();
      if (typeof data.detail === "string") detail = data.detail;
      else if (Array.isArray(data.detail)) detail = data.detail.map((d) => d.msg).join("; ");
    } catch (_) { /* not JSON */ }
    throw new Error(detail);
  }
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
    item.querySelector(".complete-button").addEventListener("click", () => act("POST", `${api}/${task.id}/complete`));
    item.querySelector(".delete-button").addEventListener("click", () => act("DELETE", `${api}/${task.id}`));
    list.appendChild(item);
  }
  $("empty").hidden = page.items.length > 0;
  $("count").textContent = `${page.total} task${page.total === 1 ? "" : "s"}`;
}

async function refresh() {
  const query = state.filter === "all" ? "" : `&completed=${state.filter === "done"}`;
  try {
    render(await request("GET", `${api}?limit=200${query}`));
    showError("");
  } catch (error) {
    showError(`Could not load tasks: ${error.message}`);
  }
}

async function act(method, url, body) {
  try {
    await request(method, url, body);
    showError("");
  } catch (error) {
    showError(error.message);
  }
  await refresh();
}

$("new-task").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("new-title");
  const title = input.value.trim();
  if (!title) return;
  await act("POST", api, { title });
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

refresh();
