"""The read-only role of docker/postgres/initdb/10-roles.sh can read every table the migrations create
(labrun's SQL checks read tasks, conversations and messages as that role), and write none."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid

import psycopg
import pytest

from app import migrations

from .server import BACKEND_DIR

ROLES_SCRIPT = BACKEND_DIR.parents[1] / "docker" / "postgres" / "initdb" / "10-roles.sh"


def test_reader_selects_every_migrated_table_and_writes_none(postgres):
    dbname = "roles_check"
    postgres.create_database(dbname)
    suffix = uuid.uuid4().hex[:8]
    app_role, reader = f"app_{suffix}", f"reader_{suffix}"
    env = {**os.environ, "PATH": f"{postgres.bindir}:{os.environ['PATH']}", "PGHOST": "127.0.0.1",
           "PGPORT": str(postgres.port), "POSTGRES_USER": postgres.user, "POSTGRES_DB": dbname,
           "APP_DB_USER": app_role, "APP_DB_PASSWORD": "unused-trust-auth", "READER_DB_USER": reader,
           "READER_DB_PASSWORD": "unused-trust-auth"}
    subprocess.run(["bash", str(ROLES_SCRIPT)], env=env, check=True, capture_output=True, timeout=60)

    # The backend's role runs the migrations, as in the cluster.
    base = f"host=127.0.0.1 port={postgres.port} dbname={dbname}"
    assert asyncio.run(migrations.migrate(f"{base} user={app_role}")) == [m.version for m in migrations.load()]
    with psycopg.connect(f"{base} user={app_role}", autocommit=True) as conn:
        conversation = conn.execute("INSERT INTO conversations (user_id) VALUES ('alice') RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO messages (conversation_id, user_id, role, content) VALUES (%s, 'alice', 'user', 'hi')",
                     (conversation,))
        conn.execute("INSERT INTO tasks (user_id, title) VALUES ('alice', 't')")
        conn.execute("INSERT INTO chat_turns (user_id, idempotency_key, request_hash) VALUES ('alice', 'k', 'h')")
        conn.execute("INSERT INTO chat_tool_effects (user_id, effect_key, tool) VALUES ('alice', 'e', 'add_task')")
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()]
    assert tables == ["chat_tool_effects", "chat_turns", "conversations", "messages", "schema_migrations", "tasks"]

    with psycopg.connect(f"{base} user={reader}", autocommit=True) as conn:
        for table in tables:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1, table
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO conversations (user_id) VALUES ('mallory')")
        # Read-only is only the first wall: without the setting it still has no INSERT grant.
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO conversations (user_id) VALUES ('mallory')")
