"""Schema migrations, applied at start-up under a PostgreSQL advisory lock.

Several replicas may start at once: each takes the same session-level advisory lock, so one applies
the pending migrations while the others wait, then find nothing left to do. Every migration runs in
its own transaction together with its row in ``schema_migrations``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

log = logging.getLogger("app.migrations")

#: Arbitrary but fixed: every replica must use the same key.
ADVISORY_LOCK_KEY = 7_316_114_101_001

_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load() -> list[Migration]:
    """Every migration file in version order; a badly named file is an error, not silently skipped."""
    found = []
    for path in sorted(_DIR.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name} does not match NNNN_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {_DIR}")
    return found


def latest_version() -> int:
    return max((m.version for m in load()), default=0)


async def migrate(conninfo: str, connect_timeout: float = 5.0, up_to: int | None = None) -> list[int]:
    """Apply pending migrations (those up to version ``up_to`` when given: tests start from an older
    schema with it); returns the versions this call applied (empty when up to date)."""
    migrations = [m for m in load() if up_to is None or m.version <= up_to]
    applied_now: list[int] = []
    conn = await psycopg.AsyncConnection.connect(
        conninfo, autocommit=True, connect_timeout=max(1, int(connect_timeout))
    )
    try:
        await conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY,"
                " name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur = await conn.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in await cur.fetchall()}
            for migration in migrations:
                if migration.version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                applied_now.append(migration.version)
                log.info("applied migration", extra={"fields": {"migration": migration.version, "migration_name": migration.name}})
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    finally:
        await conn.close()
    return applied_now
