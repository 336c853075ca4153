"""Failpoints (app/failpoints.py): each makes the mistake it names, and nothing else turns them on."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from app import failpoints
from app.settings import Settings, SettingsError

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
    assert failpoints.parse(" idempotency-key-not-unique ,pool-never-reconnects,query-missing-user-filter") == {
        "idempotency-key-not-unique", "pool-never-reconnects", "query-missing-user-filter"}


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
