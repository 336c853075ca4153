"""The pool comes back soon after a long database outage (DB_RECONNECT_TIMEOUT_SECONDS).

psycopg_pool doubles the wait between reconnection attempts until its reconnect timeout (5 minutes by
default): after a 35 s outage its next attempt came about 30 s after the database was back, and the
backend stayed unready all that time (db-persistence-restart on the bare cluster measured 61 s). The
backend bounds the backoff: once an attempt has tried for DB_RECONNECT_TIMEOUT_SECONDS it gives up, and
the next readiness check starts a new one at once.
"""

from __future__ import annotations

import time

import httpx
import psycopg

from .server import BackendProcess

OUTAGE_SECONDS = 35.0  # between attempts 5 and 6 of an unbounded backoff (about 31 s and 63 s)


def _allow_connections(admin_dsn: str, dbname: str, allow: bool) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS {'true' if allow else 'false'}")
        if not allow:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))


def test_the_backend_is_ready_again_soon_after_a_long_outage_ends(postgres):
    dsn = postgres.create_database("reconnect")
    backend = BackendProcess(dsn, DB_POOL_MAX_SIZE="2")
    try:
        backend.wait_ready()
        _allow_connections(postgres.dsn(), "reconnect", False)
        with httpx.Client(base_url=backend.url, timeout=5.0) as client:
            deadline = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < deadline:  # probed as the kubelet would, every half second
                assert client.get("/readyz").status_code == 503
                time.sleep(0.5)
            _allow_connections(postgres.dsn(), "reconnect", True)
            back = time.monotonic()
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() - back < 15.0, "the backend was still not ready 15 s after the database came back"
                time.sleep(0.5)
    finally:
        backend.stop()
        _allow_connections(postgres.dsn(), "reconnect", True)
