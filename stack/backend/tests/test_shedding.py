"""Shedding while the database is failing: queued API requests answer 503 at once instead of waiting for the thaw.

The database is frozen for real (``frozen`` from test_frozen_database.py: SIGSTOP to the test's own server) while
far more requests arrive than the admission limit lets run. Without shedding they wait in the admission queue,
each slot held for up to the pool's wait plus the deadline, and succeed after the thaw; with it every one ends
within that bound. A second test shows the other side: with the database fine, a queue far longer than the
limit is never shed. Durations measured are printed (``pytest -s``).
"""

from __future__ import annotations

import re
import time

import httpx

from .inflight import post_held_in_database
from .server import BackendProcess
from .test_frozen_database import FREEZE_SECONDS, Timed, frozen
from .test_migrations import wait_for
from .tokens import bearer, tasks

TASKS = tasks("alice")
DEADLINE_SECONDS = 2.0
POOL_WAIT_SECONDS = 1.0
#: What one request can take while the database is frozen: the pool's wait, then the deadline.
BOUND_SECONDS = DEADLINE_SECONDS + POOL_WAIT_SECONDS


def _metric(url: str, name: str) -> float:
    text = httpx.get(url + "/metrics", timeout=5).text
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


def test_queued_requests_are_shed_while_the_database_is_frozen(postgres):
    dsn = postgres.create_database("frozen_shed")
    backend = BackendProcess(dsn, MAX_CONCURRENT_REQUESTS="2", DB_POOL_MIN_SIZE="3", DB_POOL_MAX_SIZE="3",
                             DB_QUERY_TIMEOUT_SECONDS=str(DEADLINE_SECONDS),
                             DB_POOL_TIMEOUT_SECONDS=str(POOL_WAIT_SECONDS))
    try:
        backend.wait_ready()
        alice = httpx.Client(base_url=backend.url, timeout=10.0, headers=bearer("alice"))
        kept = alice.post(TASKS, json={"title": "kept"}).json()
        task = f"{backend.url}{TASKS}/{kept['id']}"

        with frozen(postgres):
            froze = time.monotonic()
            # A burst far beyond the limit (2) as the freeze begins, then a steady 4 requests a second.
            requests = [Timed("GET", task, headers=bearer("alice")) for _ in range(30)]
            while time.monotonic() < froze + FREEZE_SECONDS - 1:
                requests.append(Timed("GET", task, headers=bearer("alice")))
                time.sleep(0.25)
            time.sleep(max(0.0, froze + FREEZE_SECONDS - time.monotonic()))
            thawed = time.monotonic()

        for request in requests:
            request.thread.join(FREEZE_SECONDS * 3)
        took = sorted(r.took for r in requests if r.ended is not None)
        statuses = sorted({getattr(r.answer, "status_code", repr(r.answer)) for r in requests}, key=str)
        print(f"frozen {FREEZE_SECONDS:g} s, {len(requests)} requests, limit 2: statuses {statuses}, took"
              f" median {took[len(took) // 2]:.2f} s, max {took[-1]:.2f} s (bound {BOUND_SECONDS:g} s)")
        for request in requests:
            assert request.ended is not None and request.ended < thawed, "a request waited for the thaw"
            answer = request.join()
            assert answer.status_code == 503, answer.text
            assert int(answer.headers["Retry-After"]) >= 1
            # Within the pool's wait plus the deadline, with a wide margin for a busy machine: half the freeze.
            assert request.took < FREEZE_SECONDS / 2, f"{request.took:.2f} s: {answer.text}"
        details = {r.answer.json()["detail"] for r in requests}
        assert "the database is not answering; try again" in details, details

        # The same process serves again by itself: half-open lets requests through after the cool-down.
        back = time.monotonic()
        while alice.get(f"{TASKS}/{kept['id']}").status_code != 200:
            assert time.monotonic() - back < 20.0, "the backend did not serve again within 20 s of the thaw"
            time.sleep(0.2)
        print(f"frozen database, shedding: served again {time.monotonic() - back:.2f} s after the thaw")
        assert time.monotonic() - back < FREEZE_SECONDS / 2
        shed = _metric(backend.url, "http_requests_shed_total")
        print(f"shed {shed:g} of {len(requests)} requests")
        assert shed > 0
        opened = [line for line in backend.lines if "database failing" in line]
        closed = [line for line in backend.lines if "database answering again" in line]
        # Logged when it opens and when it closes, not per request (a long freeze may re-open it once per
        # cool-down, silently).
        assert len(opened) == 1 and len(closed) == 1, (opened, closed)
        assert '"level":"warning"' in opened[0] and '"level":"info"' in closed[0]
        alice.close()
    finally:
        backend.stop()


def test_a_long_queue_with_the_database_fine_is_not_shed(postgres, db):
    dsn = postgres.dsn()
    backend = BackendProcess(dsn, MAX_CONCURRENT_REQUESTS="1", DB_QUERY_TIMEOUT_SECONDS="10")
    try:
        backend.wait_ready()
        results: dict[str, httpx.Response] = {}
        # The only slot held by a POST waiting on a lock for 3 s, while 40 requests queue behind it.
        with post_held_in_database(dsn, db, backend.url, "holds the slot", results) as (locker, post):
            queued = [Timed("GET", backend.url + TASKS, headers=bearer("alice")) for _ in range(40)]
            wait_for(lambda: _metric(backend.url, "http_requests_queued") == 40, what="40 requests to queue")
            time.sleep(3)
            locker.rollback()
        post.join(20)
        answers = [request.join() for request in queued]
        assert results["post"].status_code == 201, results["post"].text
        assert [a.status_code for a in answers] == [200] * 40
        print(f"database fine, limit 1: 40 queued requests all 200, slowest {max(r.took for r in queued):.2f} s")
        assert _metric(backend.url, "http_requests_shed_total") == 0
    finally:
        backend.stop()
