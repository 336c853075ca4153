"""Migrations at start-up: two replicas starting at once against an empty database."""

from __future__ import annotations

import json
import time

import httpx
import psycopg

from app import migrations

from .server import BackendProcess


def wait_for(condition, timeout: float = 20.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def applied_by(proc: BackendProcess) -> list[int]:
    for line in proc.lines:
        if '"schema ready"' in line:
            return json.loads(line)["applied"]
    raise AssertionError("no 'schema ready' log line")


def test_two_processes_migrate_one_database(postgres):
    dsn = postgres.create_database("migrate_race")
    with psycopg.connect(dsn, autocommit=True) as holder:
        # Hold the migration lock so that both replicas start, block on it, then race for it.
        holder.execute("SELECT pg_advisory_lock(%s)", (migrations.ADVISORY_LOCK_KEY,))
        first, second = BackendProcess(dsn, POD_NAME="replica-a"), BackendProcess(dsn, POD_NAME="replica-b")
        try:
            def waiting_on_lock() -> bool:
                rows = holder.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()
                return rows[0] == 2
            wait_for(waiting_on_lock, what="both replicas to wait for the migration lock")
            for proc in (first, second):
                r = httpx.get(proc.url + "/readyz", timeout=2)
                assert r.status_code == 503 and r.json()["status"] == "migrating"
                assert httpx.get(proc.url + "/healthz", timeout=2).status_code == 200  # liveness needs no DB
            holder.execute("SELECT pg_advisory_unlock(%s)", (migrations.ADVISORY_LOCK_KEY,))

            first.wait_ready()
            second.wait_ready()
            assert sorted([applied_by(first), applied_by(second)]) == [[], [1]]
            rows = holder.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
            assert rows == [(m.version, m.name) for m in migrations.load()]
            # Both serve the same schema.
            created = httpx.post(first.url + "/api/tasks", json={"title": "from a"}).json()
            assert httpx.get(f"{second.url}/api/tasks/{created['id']}").json() == created
        finally:
            first.stop()
            second.stop()

    # A later start finds nothing to do.
    third = BackendProcess(dsn)
    try:
        third.wait_ready()
        assert applied_by(third) == []
    finally:
        third.stop()


def test_schema_matches_contract(postgres, backend):
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        columns = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tasks'"
        ).fetchall())
        unique = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'tasks' AND indexdef LIKE 'CREATE UNIQUE%%(idempotency_key)'"
        ).fetchone()[0]
    assert columns["id"] == "bigint"
    assert columns["title"] == columns["description"] == columns["idempotency_key"] == "text"
    assert columns["completed"] == "boolean"
    assert columns["created_at"] == columns["updated_at"] == "timestamp with time zone"
    assert unique == 1


def test_migration_files_are_ordered_and_named():
    found = migrations.load()
    assert [m.version for m in found] == sorted(m.version for m in found)
    assert found[0].name == "create_tasks"
