"""Migrations at start-up: two replicas starting at once against an empty database."""

from __future__ import annotations

import json
import time

import httpx
import psycopg
import pytest

from app import migrations

from .server import BackendProcess
from .tokens import bearer, tasks

TASKS = tasks("alice")


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
            assert sorted([applied_by(first), applied_by(second)]) == [[], [m.version for m in migrations.load()]]
            rows = holder.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
            assert rows == [(m.version, m.name) for m in migrations.load()]
            # Both serve the same schema.
            created = httpx.post(first.url + TASKS, json={"title": "from a"}, headers=bearer("alice")).json()
            assert httpx.get(f"{second.url}{TASKS}/{created['id']}", headers=bearer("alice")).json() == created
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
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'tasks'"
            " AND indexdef LIKE 'CREATE UNIQUE%%(user_id, idempotency_key)'"
        ).fetchone()[0]
        nullable = dict(conn.execute(
            "SELECT table_name || '.' || column_name, is_nullable FROM information_schema.columns"
            " WHERE table_name IN ('tasks', 'conversations', 'messages') AND column_name = 'user_id'"
        ).fetchall())
        chat = {table: dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()) for table in ("conversations", "messages")}
        indexes = {row[0] for row in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('tasks', 'conversations', 'messages')").fetchall()}
    assert columns["id"] == "bigint"
    assert columns["title"] == columns["description"] == columns["idempotency_key"] == columns["user_id"] == "text"
    assert columns["completed"] == "boolean"
    assert columns["created_at"] == columns["updated_at"] == "timestamp with time zone"
    assert unique == 1
    assert nullable == {"tasks.user_id": "NO", "conversations.user_id": "NO", "messages.user_id": "NO"}
    assert set(chat["conversations"]) == {"id", "user_id", "created_at", "updated_at"}
    assert set(chat["messages"]) == {"id", "conversation_id", "user_id", "role", "content", "created_at"}
    for wanted in ("tasks USING btree (user_id, completed, id)", "messages USING btree (conversation_id, id)",
                   "conversations USING btree (user_id, updated_at DESC, id DESC)"):
        assert any(wanted in index for index in indexes), (wanted, indexes)


def test_chat_tables_keep_roles_and_owners_straight(postgres, backend, db):
    conversation = db.execute("INSERT INTO conversations (user_id) VALUES ('alice') RETURNING id").fetchone()[0]
    try:
        db.execute("INSERT INTO messages (conversation_id, user_id, role, content) VALUES (%s, 'alice', 'user', 'hi')",
                   (conversation,))
        with pytest.raises(psycopg.errors.CheckViolation):
            db.execute("INSERT INTO messages (conversation_id, user_id, role, content)"
                       " VALUES (%s, 'alice', 'system', 'x')", (conversation,))
        # A message can only sit in a conversation of its own user.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            db.execute("INSERT INTO messages (conversation_id, user_id, role, content)"
                       " VALUES (%s, 'mallory', 'user', 'x')", (conversation,))
    finally:
        db.execute("DELETE FROM conversations WHERE id = %s", (conversation,))
    assert db.execute("SELECT count(*) FROM messages WHERE conversation_id = %s", (conversation,)).fetchone()[0] == 0


def test_upgrade_from_the_previous_schema_keeps_existing_tasks(postgres):
    """A database at schema 1 (no users) with tasks in it: the backend migrates it at start."""
    import asyncio

    dsn = postgres.create_database("migrate_upgrade")
    assert asyncio.run(migrations.migrate(dsn, up_to=1)) == [1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO tasks (title, idempotency_key, request_hash) VALUES ('old one', 'k-old', 'h'),"
                     " ('old two', NULL, NULL)")
    proc = BackendProcess(dsn)
    try:
        proc.wait_ready()
        assert applied_by(proc) == [m.version for m in migrations.load() if m.version > 1]
        with psycopg.connect(dsn, autocommit=True) as conn:
            rows = conn.execute("SELECT title, user_id, idempotency_key FROM tasks ORDER BY id").fetchall()
        assert rows == [("old one", "(legacy)", "k-old"), ("old two", "(legacy)", None)]
        # Kept, but no user can reach them: '(legacy)' is not a user id a token can carry.
        listing = httpx.get(proc.url + TASKS, headers=bearer("alice"), timeout=5)
        assert listing.status_code == 200 and listing.json()["total"] == 0
        # The old key is free for a user of today (keys are per user now).
        created = httpx.post(proc.url + TASKS, json={"title": "new"}, headers={**bearer("alice"),
                             "Idempotency-Key": "k-old"}, timeout=5)
        assert created.status_code == 201 and "Idempotent-Replayed" not in created.headers
    finally:
        proc.stop()


def test_migration_files_are_ordered_and_named():
    found = migrations.load()
    assert [m.version for m in found] == sorted(m.version for m in found)
    assert [(m.version, m.name) for m in found[:2]] == [(1, "create_tasks"), (2, "users_and_chat")]
