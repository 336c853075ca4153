"""The chat through the real OpenAI Agents SDK, the real MCP client and server, and the lab's model service."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from app.agent import TurnOutcome
from app.chat import ChatRequest, store_turn

from .chat import Chat, chat_path, fail_the_second_model_call, messages_path, metric, turn_logs, wait_until
from .conftest import chat_env
from .model import API_KEY
from .server import BackendProcess
from .tokens import bearer


@pytest.fixture()
def alice(replicas, model, clean):
    chats = [Chat(proc.url, "alice") for proc in replicas]
    yield chats
    for chat in chats:
        chat.close()


def test_a_conversation_manages_tasks(alice, db):
    chat = alice[0]
    first = chat.say("add buy milk")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["response"] == "Added task 1: buy milk."
    assert body["tool_calls"] == [{"name": "add_task", "arguments": {"title": "buy milk"},
                                   "result": {"task_id": 1, "status": "created", "title": "buy milk"}}]
    conversation = body["conversation_id"]
    replies = [chat.say(said, conversation).json()["response"] for said in (
        "remember to call mom", "complete task 1", "rename task 2 to call dad", "list my open tasks",
        "delete task 2", "list my tasks")]
    assert replies == [
        "Added task 2: call mom.",
        "Marked task 1 as done: buy milk.",
        "Updated task 2: call dad.",
        "You have 1 open task:\n- 2: call dad",
        "Deleted task 2: call dad.",
        "You have 1 task:\n- 1: buy milk (done)",
    ]
    assert db.execute("SELECT id, user_id, title, completed FROM tasks ORDER BY id").fetchall() == [
        (1, "alice", "buy milk", True)]
    history = chat.messages(conversation)
    assert len(history) == 14
    assert [role for role, _ in history] == ["user", "assistant"] * 7
    assert history[:2] == [("user", "add buy milk"), ("assistant", "Added task 1: buy milk.")]


def test_any_replica_serves_any_turn(alice, replicas):
    """Turn 1 on one process, turn 2 on another: the second loads the conversation from PostgreSQL."""
    first = alice[0].say("add buy milk").json()
    second = alice[1].say("list my tasks", first["conversation_id"])
    assert second.status_code == 200, second.text
    assert second.json()["conversation_id"] == first["conversation_id"]
    assert second.json()["response"] == "You have 1 task:\n- 1: buy milk"
    assert alice[0].messages(first["conversation_id"]) == [
        ("user", "add buy milk"), ("assistant", "Added task 1: buy milk."),
        ("user", "list my tasks"), ("assistant", "You have 1 task:\n- 1: buy milk")]
    # The second process gave the model the first turn's two messages.
    assert turn_logs(replicas[1])[-1]["history_messages"] == 2


def test_a_new_conversation_each_time_none_is_given(alice):
    one, two = alice[0].say("add a"), alice[0].say("add b")
    assert one.json()["conversation_id"] != two.json()["conversation_id"]
    listed = alice[0].http.get("/api/alice/conversations").json()["items"]
    assert [c["id"] for c in listed] == [two.json()["conversation_id"], one.json()["conversation_id"]]


def test_conversations_and_tasks_are_the_users_own(alice, replicas, db):
    conversation = alice[0].say("add buy milk").json()["conversation_id"]
    bob = Chat(replicas[1].url, "bob")
    try:
        assert bob.say("list my tasks", conversation).status_code == 404
        assert bob.http.get(messages_path("bob", conversation)).status_code == 404
        assert bob.http.get(messages_path("alice", conversation)).status_code == 403
        assert bob.say("list my tasks", 10**9).status_code == 404
        # The model may name any task id; the tools act for the user the backend put on the request.
        refused = bob.say("complete task 1")
        assert refused.status_code == 200
        assert "task 1 not found" in refused.json()["response"]
        assert bob.say("delete task 1").json()["tool_calls"][0]["result"] == \
            "Error executing tool delete_task: task 1 not found"
        assert bob.say("list my tasks").json()["tool_calls"][0]["result"] == {"tasks": []}
        assert bob.http.get("/api/bob/conversations").json()["items"] != []
        assert conversation not in [c["id"] for c in bob.http.get("/api/bob/conversations").json()["items"]]
    finally:
        bob.close()
    assert db.execute("SELECT user_id, title, completed FROM tasks").fetchall() == [("alice", "buy milk", False)]
    # Failed turns stored nothing; bob's own turns are in his conversations only.
    assert db.execute("SELECT count(*) FROM messages WHERE conversation_id = %s", (conversation,)).fetchone()[0] == 2


def test_the_chat_needs_the_users_token(replicas, clean):
    url = replicas[0].url
    assert httpx.post(url + chat_path("alice"), json={"message": "hi"}).status_code == 401
    assert httpx.post(url + chat_path("alice"), json={"message": "hi"}, headers=bearer("bob")).status_code == 403
    assert httpx.get(url + messages_path("alice", 1), headers=bearer("bob")).status_code == 403


@pytest.mark.parametrize("body, headers", [
    ({"message": ""}, {}),
    ({"message": "   "}, {}),
    ({"message": "x" * 4001}, {}),
    ({"message": "hi", "user_id": "bob"}, {}),
    ({"message": "hi", "conversation_id": 0}, {}),
    ({}, {}),
    ({"message": "hi"}, {"Idempotency-Key": "has space"}),
    ({"message": "hi"}, {"Idempotency-Key": "k" * 201}),
])
def test_bad_requests_are_422(replicas, clean, body, headers, db):
    response = httpx.post(replicas[0].url + chat_path("alice"), json=body, headers={**bearer("alice"), **headers})
    assert response.status_code == 422, response.text
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_a_long_message_within_the_limit_is_taken(alice):
    said = "add " + "x" * 196
    response = alice[0].say(said + " " * 3800)
    assert response.status_code == 200, response.text
    assert alice[0].messages(response.json()["conversation_id"])[0] == ("user", said)


# ---- exactly once


def test_a_retried_turn_replays_the_stored_answer(alice, db):
    first = alice[0].say("add buy milk", key="turn-1")
    again = alice[1].say("add buy milk", key="turn-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2
    assert db.execute("SELECT status, attempts FROM chat_turns").fetchall() == [("done", 1)]


def test_a_key_reused_for_another_request_is_a_conflict(alice, db):
    assert alice[0].say("add buy milk", key="turn-2").status_code == 200
    conflict = alice[0].say("add buy bread", key="turn-2")
    assert conflict.status_code == 409
    assert "Idempotency-Key" in conflict.json()["detail"]
    assert db.execute("SELECT title FROM tasks").fetchall() == [("buy milk",)]


def test_keys_are_per_user(alice, replicas, db):
    bob = Chat(replicas[0].url, "bob")
    try:
        assert alice[0].say("add buy milk", key="same").status_code == 200
        answer = bob.say("add buy milk", key="same")
        assert answer.status_code == 200 and "Idempotent-Replayed" not in answer.headers
    finally:
        bob.close()
    assert db.execute("SELECT user_id FROM tasks ORDER BY user_id").fetchall() == [("alice",), ("bob",)]


def test_concurrent_duplicates_wait_for_the_first(alice, replicas, model, db):
    model.set_faults(latency_ms=300)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: alice[i % 2].say("add buy milk", key="burst"), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 5
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2


def test_a_model_failure_after_a_tool_ran_does_not_repeat_the_tool(alice, model, db):
    fail_the_second_model_call(model)
    failed = alice[0].say("add buy milk", key="turn-3")
    assert failed.status_code == 502, failed.text
    assert failed.json()["detail"] == "the model provider failed (HTTP 500); try again"
    assert failed.headers["Retry-After"] == "1"
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1  # the tool ran
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0  # no half-done turn
    assert db.execute("SELECT status FROM chat_turns").fetchall() == [("failed",)]
    model.clear_faults()
    retried = alice[1].say("add buy milk", key="turn-3")
    assert retried.status_code == 200, retried.text
    assert retried.json()["response"] == "Added task 1: buy milk."
    assert db.execute("SELECT id, title FROM tasks").fetchall() == [(1, "buy milk")]
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2
    assert db.execute("SELECT status, attempts FROM chat_turns").fetchall() == [("done", 2)]


def test_every_writing_tool_takes_effect_once(alice, model, db):
    """complete, rename and delete in a retried turn: the retry answers the first effect's result."""
    alice[0].say("add buy milk")
    for n, said in enumerate(("rename task 1 to buy oat milk", "complete task 1", "delete task 1")):
        fail_the_second_model_call(model)
        assert alice[0].say(said, key=f"once-{n}").status_code == 502
        model.clear_faults()
        retried = alice[1].say(said, key=f"once-{n}")
        assert retried.status_code == 200, retried.text
        assert "not found" not in retried.json()["response"]
    assert db.execute("SELECT tool, count(*) FROM chat_tool_effects GROUP BY 1 ORDER BY 1").fetchall() == [
        ("complete_task", 1), ("delete_task", 1), ("update_task", 1)]
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 0


def test_a_turn_whose_process_was_killed_is_finished_by_another(postgres, alice, replicas, model, db):
    doomed = BackendProcess(postgres.dsn(), **chat_env(model, MODEL_TIMEOUT_SECONDS="20"))
    doomed.wait_ready()
    try:
        model.set_faults(latency_ms=1500)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(Chat(doomed.url).say, "add buy milk", None, "turn-killed")
            wait_until(lambda: db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1, 10,
                       "the first attempt's add_task never ran")
            doomed.proc.send_signal(signal.SIGKILL)  # while the model phrases the reply
            doomed.proc.wait(timeout=10)
            with pytest.raises(httpx.HTTPError):
                pending.result(timeout=10)
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
        model.clear_faults()
        retried = alice[1].say("add buy milk", key="turn-killed")
        assert retried.status_code == 200, retried.text
        assert retried.json()["response"] == "Added task 1: buy milk."
        assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2
        assert db.execute("SELECT status, attempts FROM chat_turns").fetchall() == [("done", 2)]
    finally:
        doomed.stop()


def test_without_a_key_a_retry_is_a_new_turn(alice, db):
    alice[0].say("add buy milk")
    alice[0].say("add buy milk")
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM chat_turns").fetchone()[0] == 0


# ---- the model's failures


def test_a_hanging_model_is_a_504_within_the_timeout_and_the_replica_stays_ready(alice, replicas, model, db):
    model.set_faults(hang=True)
    url = replicas[0].url
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        pending = pool.submit(alice[0].say, "add buy milk")
        time.sleep(0.5)
        # Meanwhile readiness and the task API answer at once.
        during = [httpx.get(url + "/readyz", timeout=2).status_code for _ in range(3)]
        task = httpx.post(url + "/api/alice/tasks", json={"title": "by hand"}, headers=bearer("alice"), timeout=2)
        timed_out = pending.result(timeout=15)
        took = time.monotonic() - started
    assert during == [200] * 3
    assert task.status_code == 201
    assert timed_out.status_code == 504, timed_out.text
    assert timed_out.json()["detail"] == "the model did not answer within 3 s; try again"
    assert 2.5 < took < 5.0
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert metric(url, 'chat_model_errors_total{kind="timeout"}') >= 1
    assert metric(url, 'chat_turn_duration_seconds_count{outcome="model_timeout"}') >= 1


def test_chat_turns_wait_apart_from_the_task_api(postgres, model, clean):
    """With the model hanging, chat turns fill their own slots (CHAT_MAX_CONCURRENT_TURNS), never the task API's
    admission queue (MAX_CONCURRENT_REQUESTS). The wait for a slot and the run share the turn's one bound: each
    turn is answered within the timeout of its arrival — a 504 when it ran out of time running, a 503 when it
    got no slot in time."""
    proc = BackendProcess(postgres.dsn(), **chat_env(model, MODEL_TIMEOUT_SECONDS="2", CHAT_MAX_CONCURRENT_TURNS="1",
                                                     MAX_CONCURRENT_REQUESTS="2"))
    proc.wait_ready()
    chat = Chat(proc.url)
    try:
        model.set_faults(hang=True)
        def timed_turn():
            asked = time.monotonic()
            answer = chat.say("add buy milk")
            return answer.status_code, time.monotonic() - asked

        with ThreadPoolExecutor(max_workers=3) as pool:
            turns = []
            for _ in range(3):  # the 1st runs 0-2 s; the others wait for the slot, with what is left of their 2 s
                turns.append(pool.submit(timed_turn))
                time.sleep(0.3)
            started = time.monotonic()
            listed = httpx.get(proc.url + "/api/alice/tasks", headers=bearer("alice"), timeout=5)
            assert time.monotonic() - started < 0.5 and listed.status_code == 200
            results = [turn.result(timeout=15) for turn in turns]
        assert results[0][0] == 504
        assert all(status in (503, 504) for status, _ in results), results
        assert all(took < 2.0 + 1.0 for _, took in results), f"a turn outlived the 2 s bound: {results}"
    finally:
        chat.close()
        proc.stop()


def test_a_rate_limited_model_is_a_502_with_the_providers_retry_after(alice, model):
    model.set_faults(rate_limit={"retry_after_s": 7, "rate": 1})
    limited = alice[0].say("add buy milk")
    assert limited.status_code == 502
    assert limited.headers["Retry-After"] == "7"
    assert "rate limiting" in limited.json()["detail"]


@pytest.fixture()
def retrying(postgres, model, clean):
    """A backend that retries a failed model call once (MODEL_TIMEOUT_SECONDS=3), and alice's chat with it."""
    proc = BackendProcess(postgres.dsn(), **chat_env(model, MODEL_MAX_RETRIES="1"))
    proc.wait_ready()
    chat = Chat(proc.url)
    yield chat
    chat.close()
    proc.stop()


def test_retries_within_the_timeout_ride_out_a_model_error(retrying, model):
    model.set_faults(error_rate=0.5, error_status=503)  # the 1st call fails, its retry passes, …
    answer = retrying.say("add buy milk")
    assert answer.status_code == 200, answer.text
    assert answer.json()["response"] == "Added task 1: buy milk."


def test_a_retry_after_within_the_timeout_is_waited_for(retrying, model):
    model.set_faults(rate_limit={"retry_after_s": 1, "rate": 0.5})  # the 1st and 3rd calls are 429s
    started = time.monotonic()
    answer = retrying.say("add buy milk")
    assert answer.status_code == 200, answer.text
    assert 1.8 < time.monotonic() - started < 3.0  # two waits of 1 s, in the 3 s the turn has


def test_a_retry_after_beyond_the_timeout_is_passed_on_at_once(retrying, model):
    model.set_faults(rate_limit={"retry_after_s": 7, "rate": 1})
    started = time.monotonic()
    limited = retrying.say("add buy milk")
    assert time.monotonic() - started < 1.5  # not a wait for the 3 s timeout and a 504
    assert limited.status_code == 502
    assert limited.headers["Retry-After"] == "7"


def test_a_wrong_key_is_a_502_that_never_shows_a_key(postgres, model, clean):
    proc = BackendProcess(postgres.dsn(), **chat_env(model, MODEL_API_KEY="sk-wrong-key-ab12cd34"))
    proc.wait_ready()
    try:
        refused = Chat(proc.url).say("add buy milk")
        assert refused.status_code == 502
        assert refused.json()["detail"] == ("the model provider refused the request (HTTP 401);"
                                            " check MODEL_BASE_URL, MODEL_NAME and MODEL_API_KEY")
        assert metric(proc.url, 'chat_model_errors_total{kind="rejected"}') == 1
    finally:
        proc.stop()
    assert not [line for line in proc.lines if "sk-wrong-key" in line or API_KEY in line]


def test_without_a_model_the_chat_is_503_and_the_rest_works(backend, clean):
    """The session's backend has no MODEL_BASE_URL."""
    headers = bearer("alice")
    off = httpx.post(backend.url + chat_path("alice"), json={"message": "add buy milk"}, headers=headers)
    assert off.status_code == 503
    assert "MODEL_BASE_URL" in off.json()["detail"]
    assert httpx.get(backend.url + "/readyz").status_code == 200
    assert httpx.post(backend.url + "/api/alice/tasks", json={"title": "t"}, headers=headers).status_code == 201
    assert any("chat is off" in line for line in backend.lines)


# ---- what the operator sees


def test_metrics_and_log_lines_without_text_or_keys(alice, replicas):
    alice[0].say("add a secret plan", key="key-never-logged")
    alice[0].say("add a secret plan", key="key-never-logged")
    url = replicas[0].url
    assert metric(url, 'chat_tool_calls_total{tool="add_task"}') >= 1
    assert metric(url, 'chat_turn_duration_seconds_count{outcome="ok"}') >= 1
    assert metric(url, 'chat_turn_duration_seconds_count{outcome="replayed"}') >= 1
    logs = turn_logs(replicas[0])
    assert logs[-1]["outcome"] == "replayed" and logs[-2]["tools"] == ["add_task"]
    assert logs[-1]["message_chars"] == len("add a secret plan")
    assert not [line for line in replicas[0].lines if "secret plan" in line or "key-never-logged" in line]


def test_a_keyed_turn_is_stored_once_even_when_two_runs_reach_the_end(postgres, db, clean):
    """The last guard behind the advisory lock: should two runs of one key both finish (the lock's session
    ended under a slow first run), the second finds the first's answer and stores nothing."""
    db.execute("INSERT INTO chat_turns (user_id, idempotency_key, request_hash) VALUES ('alice', 'k', 'h')")
    body = ChatRequest(message="add buy milk")

    async def store_twice():
        async with AsyncConnectionPool(postgres.dsn(), min_size=1, max_size=2, open=False) as pool:
            results = []
            for response in ("Added task 1: buy milk.", "Added task 1 (again): buy milk."):
                async with pool.connection() as conn:
                    results.append(await store_turn(conn, "alice", body, TurnOutcome(response), "k", 0))
            return results

    first, second = asyncio.run(store_twice())
    assert (first.replayed, second.replayed) == (False, True)
    assert second.answer == first.answer and first.answer["response"] == "Added task 1: buy milk."
    assert db.execute("SELECT role, content FROM messages ORDER BY id").fetchall() == [
        ("user", "add buy milk"), ("assistant", "Added task 1: buy milk.")]
