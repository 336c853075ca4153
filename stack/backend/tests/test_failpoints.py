"""Failpoints (app/failpoints.py): each makes the mistake it names, and nothing else turns them on.

``no-database-deadline`` is proven against a frozen PostgreSQL in test_frozen_database.py."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest

from app import failpoints
from app.settings import Settings, SettingsError

from .chat import Chat, fail_the_second_model_call
from .conftest import chat_env
from .server import BackendProcess
from .tokens import bearer, tasks

TASKS = tasks("alice")


def test_no_failpoint_unless_named(monkeypatch):
    monkeypatch.delenv("FAILPOINTS", raising=False)
    assert Settings.from_env().failpoints == frozenset()


def test_an_unknown_failpoint_stops_the_backend(monkeypatch):
    monkeypatch.setenv("FAILPOINTS", "pool-never-reconnects, no-such-thing")
    with pytest.raises(SettingsError, match="unknown failpoint.*no-such-thing"):
        Settings.from_env()


def test_known_failpoints_parse():
    assert failpoints.parse(" idempotency-key-not-unique ,pool-never-reconnects,query-missing-user-filter,"
                            "chat-history-in-memory, chat-tools-not-idempotent,readiness-checks-model,"
                            "no-database-deadline") == {
        "idempotency-key-not-unique", "pool-never-reconnects", "query-missing-user-filter",
        "chat-history-in-memory", "chat-tools-not-idempotent", "readiness-checks-model", "no-database-deadline"}


def _create(client: httpx.Client, key: str) -> httpx.Response:
    return client.post(TASKS, json={"title": "once"}, headers={"Idempotency-Key": key})


def test_idempotency_key_not_unique_makes_a_retry_insert_twice(postgres):
    dsn = postgres.create_database("failpoint_idempotency")
    proc = BackendProcess(dsn, FAILPOINTS="idempotency-key-not-unique")
    try:
        proc.wait_ready()
        with httpx.Client(base_url=proc.url, timeout=10.0, headers=bearer("alice")) as client:
            assert client.get("/version").json()["failpoints"] == ["idempotency-key-not-unique"]
            first, retry = _create(client, "k-1"), _create(client, "k-1")
            assert first.status_code == retry.status_code == 201
            assert first.json()["id"] != retry.json()["id"]
            assert "Idempotent-Replayed" not in retry.headers
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM tasks WHERE idempotency_key = 'k-1'").fetchone()[0] == 2
        assert any("failpoint active" in line for line in proc.lines)
    finally:
        proc.stop()


def _terminate_connections(dsn: str, dbname: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))


def test_pool_never_reconnects_fails_for_good_after_the_database_drops_it(postgres):
    """The same loss that a normal backend recovers from at once (its pool checks and replaces)."""
    broken_dsn = postgres.create_database("failpoint_pool")
    normal_dsn = postgres.create_database("failpoint_pool_normal")
    broken = BackendProcess(broken_dsn, FAILPOINTS="pool-never-reconnects", DB_POOL_MAX_SIZE="2")
    normal = BackendProcess(normal_dsn, DB_POOL_MAX_SIZE="2")
    try:
        broken.wait_ready()
        normal.wait_ready()
        with (httpx.Client(base_url=broken.url, timeout=10.0, headers=bearer("alice")) as b,
              httpx.Client(base_url=normal.url, timeout=10.0, headers=bearer("alice")) as n):
            for _ in range(4):  # every slot of both pools holds an open connection
                assert b.get(TASKS).status_code == 200
                assert n.get(TASKS).status_code == 200
            _terminate_connections(broken_dsn, "failpoint_pool")
            _terminate_connections(normal_dsn, "failpoint_pool_normal")
            assert [b.get(TASKS).status_code for _ in range(6)] == [503] * 6
            assert b.get("/readyz").status_code == 503
            assert [n.get(TASKS).status_code for _ in range(6)] == [200] * 6
    finally:
        broken.stop()
        normal.stop()


def _sessions(dsn: str, dbname: str) -> int:
    """The connections to ``dbname`` other than this one."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (dbname,)).fetchone()[0]


def test_connection_per_request_opens_and_closes_a_connection_for_each_request(postgres):
    """A normal backend keeps its connections between requests (so a DNS outage does not touch it); the broken
    one holds none between requests and opens one per request (each a fresh lookup of the database's host)."""
    broken_dsn = postgres.create_database("failpoint_per_request")
    normal_dsn = postgres.create_database("failpoint_per_request_normal")
    broken = BackendProcess(broken_dsn, FAILPOINTS="connection-per-request")
    normal = BackendProcess(normal_dsn)
    try:
        broken.wait_ready()
        normal.wait_ready()
        with (httpx.Client(base_url=broken.url, timeout=10.0, headers=bearer("alice")) as b,
              httpx.Client(base_url=normal.url, timeout=10.0, headers=bearer("alice")) as n):
            for _ in range(3):
                assert b.get(TASKS).status_code == 200
                assert n.get(TASKS).status_code == 200
            assert _sessions(broken_dsn, "failpoint_per_request") == 0
            assert _sessions(normal_dsn, "failpoint_per_request_normal") >= 1
    finally:
        broken.stop()
        normal.stop()


def test_query_missing_user_filter_lists_other_users_tasks(postgres):
    """The broken variant of user isolation: the list shows everyone's tasks; the rest stays scoped."""
    dsn = postgres.create_database("failpoint_user_filter")
    proc = BackendProcess(dsn, FAILPOINTS="query-missing-user-filter")
    try:
        proc.wait_ready()
        with (httpx.Client(base_url=proc.url, timeout=10.0, headers=bearer("alice")) as alice,
              httpx.Client(base_url=proc.url, timeout=10.0, headers=bearer("bob")) as bob):
            assert alice.get("/version").json()["failpoints"] == ["query-missing-user-filter"]
            mine = alice.post(tasks("alice"), json={"title": "alice's"}).json()
            theirs = bob.post(tasks("bob"), json={"title": "bob's secret"}).json()
            listing = alice.get(tasks("alice")).json()
            assert {t["id"] for t in listing["items"]} == {mine["id"], theirs["id"]} and listing["total"] == 2
            assert {t["user_id"] for t in listing["items"]} == {"alice", "bob"}
            # Only the list forgets its filter: the path check and single-task queries still hold.
            assert alice.get(tasks("bob")).status_code == 403
            assert alice.get(f"{tasks('alice')}/{theirs['id']}").status_code == 404
        assert any("failpoint active" in line and "query-missing-user-filter" in line for line in proc.lines)
    finally:
        proc.stop()


def _chat_backends(postgres, model_service, dbname: str, count: int, **env: str) -> list[BackendProcess]:
    dsn = postgres.create_database(dbname)
    procs = [BackendProcess(dsn, **chat_env(model_service, **env)) for _ in range(count)]
    for proc in procs:
        proc.wait_ready()
    return procs


def test_chat_history_in_memory_loses_the_conversation_on_another_replica(postgres, model):
    """The same two turns that test_chat's test_any_replica_serves_any_turn serves on two correct replicas."""
    procs = _chat_backends(postgres, model, "failpoint_chat_history", 2, FAILPOINTS="chat-history-in-memory")
    one, two = Chat(procs[0].url), Chat(procs[1].url)
    try:
        assert httpx.get(procs[0].url + "/version").json()["failpoints"] == ["chat-history-in-memory"]
        conversation = one.say("add buy milk").json()["conversation_id"]
        lost = two.say("list my tasks", conversation)
        assert lost.status_code == 404
        assert lost.json()["detail"] == f"conversation {conversation} not found"
        # The replica that saw the conversation carries on, and PostgreSQL holds every message.
        assert one.say("list my tasks", conversation).status_code == 200
        assert len(two.messages(conversation)) == 4
    finally:
        one.close()
        two.close()
        for proc in procs:
            proc.stop()


def test_chat_tools_not_idempotent_repeat_a_tool_when_a_turn_is_retried(postgres, model):
    """The same retry that test_chat's test_a_model_failure_after_a_tool_ran_does_not_repeat_the_tool makes."""
    (proc,) = _chat_backends(postgres, model, "failpoint_chat_tools", 1, FAILPOINTS="chat-tools-not-idempotent")
    chat = Chat(proc.url)
    try:
        fail_the_second_model_call(model)
        assert chat.say("add buy milk", key="turn-1").status_code == 502
        model.clear_faults()
        retried = chat.say("add buy milk", key="turn-1")
        assert retried.status_code == 200
        assert retried.json()["response"] == "Added task 2: buy milk."
        # The stored answer is still replayed: only the tools forget the key.
        assert chat.say("add buy milk", key="turn-1").headers.get("Idempotent-Replayed") == "true"
        with psycopg.connect(postgres.dsn("failpoint_chat_tools"), autocommit=True) as conn:
            assert conn.execute("SELECT id, title FROM tasks ORDER BY id").fetchall() == [
                (1, "buy milk"), (2, "buy milk")]
    finally:
        chat.close()
        proc.stop()


def _readyz(proc: BackendProcess, timeout: float) -> tuple[httpx.Response | None, float]:
    """One readiness probe that gives up after ``timeout`` s, as the kubelet's does: the answer (None when
    it gave up) and how long it took."""
    start = time.monotonic()
    try:
        response = httpx.get(proc.url + "/readyz", timeout=timeout)
    except httpx.TimeoutException:
        response = None
    return response, time.monotonic() - start


def test_readiness_checks_model_makes_a_provider_outage_unready(postgres, model):
    """The same model outage (the provider hangs) that leaves a correct backend ready: its /readyz never
    calls the model (README, "Readiness never depends on the model")."""
    dsn = postgres.create_database("failpoint_readiness_model")
    broken = BackendProcess(dsn, **chat_env(model, FAILPOINTS="readiness-checks-model", MODEL_TIMEOUT_SECONDS="2"))
    normal = BackendProcess(dsn, **chat_env(model, MODEL_TIMEOUT_SECONDS="2"))
    try:
        broken.wait_ready()  # a provider that answers: both ready
        normal.wait_ready()
        assert httpx.get(broken.url + "/version").json()["failpoints"] == ["readiness-checks-model"]
        model.set_faults(hang=True)
        # A probe that waits less than the model timeout (the manifests' 5 s against 15 s) gives up: unready.
        response, _ = _readyz(broken, timeout=1.0)
        assert response is None, "the broken backend's /readyz answered within 1 s while the provider hangs"
        # One that waits longer gets 503 once the model timeout has passed: unready either way.
        response, took = _readyz(broken, timeout=10.0)
        assert response is not None and response.status_code == 503
        assert response.json() == {"status": "model unavailable", "error": "ReadTimeout"}
        assert took >= 1.9
        # The correct backend: ready at once, under the same fault.
        response, took = _readyz(normal, timeout=1.0)
        assert response is not None and response.status_code == 200 and took < 1.0
        # A provider answering errors: 503 at once; the provider back: ready again.
        model.set_faults(error_rate=1.0, error_status=500)
        response, _ = _readyz(broken, timeout=1.0)
        assert response is not None and response.status_code == 503 and response.json()["error"] == "HTTP 500"
        model.clear_faults()
        response, _ = _readyz(broken, timeout=5.0)
        assert response is not None and response.status_code == 200
        assert any("failpoint active" in line and "readiness-checks-model" in line for line in broken.lines)
    finally:
        broken.stop()
        normal.stop()
