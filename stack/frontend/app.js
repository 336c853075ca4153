// The todo UI: plain JavaScript against the backend's per-user API (/api/{user_id}/tasks and the chat,
// /api/{user_id}/chat, proxied by nginx), with a bearer token from the lab's sign-in, a stand-in for the
// app's auth service.
"use strict";

const signInUrl = "/api/auth/lab-sign-in";
const sessionKey = "todo.session";
const state = {
  filter: "all",
  session: null,
  // The chat: the conversation shown (null: a new one, created by its first turn), whether a turn is in
  // flight, the last turn that failed (its key and body, so "Try again" repeats it exactly), and a counter
  // bumped whenever the conversation shown changes, so that a late answer never lands in another one.
  conversationId: null,
  chatEpoch: 0,
  sending: false,
  failedTurn: null,
};
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

// A fresh idempotency key: a UUID v4. crypto.randomUUID exists only in a secure context (https, or
// http on localhost); over plain http to another host (the lab's node port) getRandomValues still does.
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
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
    options.headers["Idempotency-Key"] = newKey();
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
  $("workspace").hidden = !signedIn;
  document.querySelector("main").classList.toggle("wide", signedIn);
  $("current-user").textContent = signedIn ? state.session.user_id : "";
  if (signedIn) {
    $("new-title").focus();
  } else {
    $("task-list").replaceChildren();
    resetChat();
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
  await Promise.all([refresh(), loadConversations()]);
}

// ---- The chat ------------------------------------------------------------------------------------
// One turn is POST /api/{user_id}/chat with a fresh Idempotency-Key. A turn that failed in a way a retry
// can mend (no answer from the network, 502, 504, a 503 with Retry-After) is sent once more with the same
// key and body, after the Retry-After it got (at most chatRetryCapSeconds). The backend answers a key
// once and runs each tool's effect once per key, so a retry never makes a second task; "Try again" after
// a failure repeats the same key too. A 503 without Retry-After (no model configured) is not retried.

const writingTools = new Set(["add_task", "complete_task", "delete_task", "update_task"]);
const chatRetryCapSeconds = 10;
// Longer than nginx's proxy_read_timeout (60 s), which answers first: the browser gives up only on a
// connection that never answers at all.
const chatTimeoutMs = 75000;

function conversationsUrl() {
  return `/api/${encodeURIComponent(state.session.user_id)}/conversations`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Retry-After is whole seconds or an HTTP date; null when absent or unreadable.
function retryAfterSeconds(value) {
  if (value === null) return null;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function clip(text, limit = 160) {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

// `{"title": "buy milk"}`: the arguments as the model gave them, JSON with a space after ':' and ','.
function formatArguments(args) {
  if (args && typeof args === "object" && !Array.isArray(args)) {
    return clip(`{${Object.entries(args).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}`);
  }
  return clip(typeof args === "string" ? args : JSON.stringify(args ?? {}));
}

// What a tool answered, in a few words; `failed` when it answered an error text instead of a result.
function formatResult(result) {
  if (result === null || result === undefined) return { text: "no result", failed: true };
  if (typeof result === "string") return { text: clip(result), failed: true };
  if (typeof result === "object" && result.task_id !== undefined) {
    return { text: `task ${result.task_id}${result.status ? ` ${result.status}` : ""}`, failed: false };
  }
  if (typeof result === "object" && Array.isArray(result.tasks)) {
    return { text: `${result.tasks.length} task${result.tasks.length === 1 ? "" : "s"}`, failed: false };
  }
  return { text: clip(JSON.stringify(result)), failed: false };
}

function appendMessage(role, text, toolCalls = []) {
  const item = $("message-template").content.firstElementChild.cloneNode(true);
  const mine = role === "user";
  item.classList.add(mine ? "user" : "assistant");
  item.querySelector(".role").textContent = mine ? "You:" : "Assistant:";
  item.querySelector(".text").textContent = text;
  if (toolCalls.length > 0) {
    const list = document.createElement("ul");
    list.className = "tool-calls";
    list.setAttribute("aria-label", "Tool calls");
    for (const call of toolCalls) {
      const result = formatResult(call.result);
      const line = document.createElement("li");
      line.className = "tool-call";
      line.classList.toggle("failed", result.failed);
      line.textContent = `${call.name} ${formatArguments(call.arguments)} → ${result.text}`;
      list.appendChild(line);
    }
    item.appendChild(list);
  }
  const log = $("chat-log");
  log.appendChild(item);
  $("chat-empty").hidden = true;
  log.scrollTop = log.scrollHeight;
  return item;
}

function showChatStatus(message) {
  $("chat-status").textContent = message;
  $("chat-status").hidden = !message;
}

function showChatError(message, canRetry = false) {
  $("chat-error-text").textContent = message;
  $("chat-error").hidden = !message;
  $("chat-retry-button").hidden = !canRetry;
}

function setSending(sending) {
  state.sending = sending;
  for (const id of ["chat-send-button", "chat-retry-button", "new-conversation-button", "conversation-select"]) {
    $(id).disabled = sending;
  }
  $("chat-form").setAttribute("aria-busy", String(sending));
}

// One attempt: `{answer}`, or `{message, retryable, wait}` saying what went wrong in a sentence.
async function sendTurn(turn) {
  let response;
  try {
    const signal = AbortSignal.timeout ? AbortSignal.timeout(chatTimeoutMs) : undefined;
    response = await fetch(`/api/${encodeURIComponent(state.session.user_id)}/chat`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json",
                 Authorization: `Bearer ${state.session.token}`, "Idempotency-Key": turn.key },
      body: JSON.stringify(turn.body),
      signal,
    });
  } catch (error) {
    const why = error.name === "TimeoutError" ? `no answer within ${chatTimeoutMs / 1000} s` : error.message;
    return { message: `Could not reach the backend (${why}).`, retryable: true, wait: 1 };
  }
  showBackend(response);
  if (response.status === 401) {
    signOut(`Signed out: ${await errorDetail(response)}. Sign in again.`);
    throw new SignedOut();
  }
  if (response.ok) return { answer: await response.json() };
  const detail = await errorDetail(response);
  const wait = retryAfterSeconds(response.headers.get("Retry-After"));
  if (!response.headers.get("X-App-Version")) {
    // Not the backend's answer: the proxy in front of it could not reach it.
    return { message: `The backend did not answer (HTTP ${response.status} from the proxy).`,
             retryable: [502, 503, 504].includes(response.status), wait: wait ?? 1 };
  }
  switch (response.status) {
    case 502: return { message: `Model provider error: ${detail}.`, retryable: true, wait: wait ?? 1 };
    case 503: return wait === null
      ? { message: `Chat unavailable: ${detail}.`, retryable: false }
      : { message: `Chat busy: ${detail}.`, retryable: true, wait };
    case 504: return { message: `Chat timed out: ${detail}.`, retryable: true, wait: wait ?? 1 };
    default: return { message: `The chat could not answer: ${detail}.`, retryable: false };
  }
}

async function runTurn(turn) {
  const epoch = state.chatEpoch;
  const current = () => epoch === state.chatEpoch && state.session !== null;
  state.failedTurn = null;
  showChatError("");
  setSending(true);
  turn.bubble.classList.remove("unanswered");
  const pending = appendMessage("assistant", "…");
  pending.classList.add("pending");
  try {
    let result = await sendTurn(turn);
    if (!result.answer && result.retryable && current()) {
      const wait = Math.min(result.wait, chatRetryCapSeconds);
      showChatStatus(`${result.message} Trying again in ${wait} s…`);
      await sleep(wait * 1000);
      if (!current()) return;
      showChatStatus("Trying again…");
      result = await sendTurn(turn);
    }
    if (!current()) return;
    if (result.answer) {
      const answer = result.answer;
      state.conversationId = answer.conversation_id;
      appendMessage("assistant", answer.response, answer.tool_calls || []);
      if ((answer.tool_calls || []).some((call) => writingTools.has(call.name))) refresh();
      loadConversations();
    } else {
      turn.bubble.classList.add("unanswered");
      state.failedTurn = result.retryable ? turn : null;
      showChatError(result.message, result.retryable);
    }
  } catch (error) {
    if (!(error instanceof SignedOut) && current()) showChatError(`The chat failed: ${error.message}`);
  } finally {
    pending.remove();
    if (epoch === state.chatEpoch) {
      showChatStatus("");
      setSending(false);
      if (state.session) $("chat-input").focus();
    }
  }
}

async function chat(message) {
  const body = { message };
  if (state.conversationId !== null) body.conversation_id = state.conversationId;
  await runTurn({ key: newKey(), body, bubble: appendMessage("user", message) });
}

function conversationLabel(conversation) {
  const when = new Date(conversation.updated_at).toLocaleString([], {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  return `Conversation ${conversation.id} · ${when}`;
}

async function loadConversations() {
  if (!state.session) return;
  const user = state.session.user_id;
  let page;
  try {
    page = await request("GET", conversationsUrl());
  } catch (error) {
    if (!(error instanceof SignedOut)) showChatError(`Could not load your conversations: ${error.message}`);
    return;
  }
  if (!state.session || state.session.user_id !== user) return;
  const select = $("conversation-select");
  const options = [new Option("(new conversation)", "")];
  for (const conversation of page.items) options.push(new Option(conversationLabel(conversation), conversation.id));
  if (state.conversationId !== null && !page.items.some((c) => c.id === state.conversationId)) {
    options.push(new Option(`Conversation ${state.conversationId}`, state.conversationId));
  }
  select.replaceChildren(...options);
  select.value = state.conversationId === null ? "" : String(state.conversationId);
}

// Shows an empty conversation; the next turn starts a new one.
function clearConversation() {
  state.chatEpoch += 1;
  state.conversationId = null;
  state.failedTurn = null;
  $("chat-log").replaceChildren();
  $("chat-empty").hidden = false;
  showChatError("");
  showChatStatus("");
}

function resetChat() {
  clearConversation();
  setSending(false);
  $("conversation-select").replaceChildren(new Option("(new conversation)", ""));
  $("chat-input").value = "";
}

async function openConversation(id) {
  clearConversation();
  const epoch = state.chatEpoch;
  state.conversationId = id;
  $("chat-empty").hidden = true;
  showChatStatus("Loading the conversation…");
  try {
    const page = await request("GET", `${conversationsUrl()}/${id}/messages`);
    if (epoch !== state.chatEpoch) return;
    for (const message of page.items) appendMessage(message.role, message.content);
    $("chat-empty").hidden = page.items.length > 0;
  } catch (error) {
    if (!(error instanceof SignedOut) && epoch === state.chatEpoch) {
      showChatError(`Could not load conversation ${id}: ${error.message}`);
    }
  } finally {
    if (epoch === state.chatEpoch) showChatStatus("");
  }
}

$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("chat-input");
  const message = input.value.trim();
  if (!message || state.sending || !state.session) return;
  input.value = "";
  await chat(message);
});

// Enter sends, Shift+Enter makes a new line (and Enter while an input method composes is left alone).
$("chat-input").addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (!state.sending) $("chat-form").requestSubmit();
});

$("chat-retry-button").addEventListener("click", () => {
  if (state.failedTurn && !state.sending) runTurn(state.failedTurn);
});

$("new-conversation-button").addEventListener("click", () => {
  if (state.sending) return;
  clearConversation();
  $("conversation-select").value = "";
  $("chat-input").focus();
});

$("conversation-select").addEventListener("change", (event) => {
  if (state.sending) return;
  const id = event.target.value;
  if (id === "") {
    clearConversation();
    $("chat-input").focus();
  } else {
    openConversation(Number(id));
  }
});

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
loadConversations();
