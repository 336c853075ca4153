"""Admission control: API requests beyond MAX_CONCURRENT_REQUESTS wait their turn; probes never wait."""

from __future__ import annotations

import re
import threading
import time

import httpx

from .inflight import post_held_in_database
from .server import BackendProcess
from .test_migrations import wait_for
from .tokens import bearer, tasks

TASKS = tasks("alice")


def queued(url: str) -> float:
    text = httpx.get(url + "/metrics", timeout=2).text
    match = re.search(r"^http_requests_queued (\S+)$", text, re.MULTILINE)
    assert match, "http_requests_queued missing from /metrics"
    return float(match.group(1))


def test_requests_beyond_the_limit_wait_and_probes_do_not(postgres, db):
    proc = BackendProcess(postgres.dsn(), MAX_CONCURRENT_REQUESTS="1")
    proc.wait_ready()
    results: dict[str, httpx.Response] = {}
    try:
        # The lock blocks the POST's INSERT but not a SELECT: the list below could answer at once,
        # so if it waits, it waits for admission.
        with post_held_in_database(postgres.dsn(), db, proc.url, "holds the only slot", results) as (locker, post):
            listing = threading.Thread(target=lambda: results.setdefault(
                "list", httpx.get(proc.url + TASKS, headers=bearer("alice"), timeout=30)))
            listing.start()
            wait_for(lambda: queued(proc.url) == 1, what="the list to wait for admission")
            time.sleep(0.5)
            assert "list" not in results, "the list was handled although the only slot was taken"

            for path in ("/healthz", "/readyz", "/version"):
                started = time.monotonic()
                response = httpx.get(proc.url + path, timeout=5)
                assert response.status_code == 200, (path, response.text)
                assert time.monotonic() - started < 2, f"{path} waited behind the API queue"
            locker.rollback()

        post.join(timeout=20)
        listing.join(timeout=20)
        assert results["post"].status_code == 201, results["post"].text
        assert results["list"].status_code == 200, results["list"].text
        assert any(task["title"] == "holds the only slot" for task in results["list"].json()["items"])
        assert queued(proc.url) == 0
    finally:
        proc.stop()
