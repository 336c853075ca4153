"""Graceful shutdown: on SIGTERM readiness fails at once, requests in flight finish, exit is bounded."""

from __future__ import annotations

import time

import httpx

from .inflight import post_held_in_database
from .server import BackendProcess
from .test_migrations import wait_for


def start(postgres, **env) -> BackendProcess:
    proc = BackendProcess(postgres.dsn(), **env)
    proc.wait_ready()
    return proc


def test_request_in_flight_at_sigterm_succeeds(postgres, db):
    proc = start(postgres, SHUTDOWN_DELAY_SECONDS="1.5", SHUTDOWN_DRAIN_SECONDS="15")
    result: dict[str, httpx.Response] = {}
    try:
        # A lock makes the POST wait inside the database: a real request in flight.
        with post_held_in_database(postgres.dsn(), db, proc.url, "in flight", result) as (locker, thread):
            signalled = time.monotonic()
            proc.terminate()
            wait_for(lambda: any('"draining"' in line for line in proc.lines), timeout=5, what="drain log")
            # Still listening during SHUTDOWN_DELAY_SECONDS, but no longer ready.
            ready = httpx.get(proc.url + "/readyz", timeout=2)
            assert ready.status_code == 503 and ready.json() == {"status": "draining"}
            assert ready.headers["Connection"] == "close"
            assert httpx.get(proc.url + "/healthz", timeout=2).status_code == 200
            time.sleep(2.0)  # past the delay: the listener is closed, the POST still waits
            locker.rollback()  # release the lock

        thread.join(timeout=20)
        post = result["post"]
        assert post.status_code == 201, post.text
        assert proc.proc.wait(timeout=15) == 0
        assert time.monotonic() - signalled < 15
        assert db.execute("SELECT count(*) FROM tasks WHERE title = 'in flight'").fetchone()[0] == 1
        # New connections are refused after the listener closed.
        try:
            httpx.get(proc.url + "/healthz", timeout=1)
            raise AssertionError("the server still accepted a connection after shutting down")
        except httpx.ConnectError:
            pass
    finally:
        proc.stop()


def test_exit_is_bounded_by_drain_time(postgres, db):
    proc = start(postgres, SHUTDOWN_DRAIN_SECONDS="3")
    try:
        with post_held_in_database(postgres.dsn(), db, proc.url, "stuck", {}) as (locker, _):
            signalled = time.monotonic()
            proc.terminate()
            proc.proc.wait(timeout=10)
            elapsed = time.monotonic() - signalled
            locker.rollback()
        assert elapsed < 3.8, f"exit took {elapsed:.1f}s with SHUTDOWN_DRAIN_SECONDS=3"
    finally:
        proc.stop()

