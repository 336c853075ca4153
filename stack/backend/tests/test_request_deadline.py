"""One deadline for a whole API request (REQUEST_DEADLINE_SECONDS, app/request_deadline.py): the admission queue,
the pool's wait and the database work share it.

In process first (the admission middleware driven as an ASGI app, a fake pool), then on a real backend and a real
PostgreSQL: a statement held by a lock is cut at the request's deadline, not at the longer database deadline.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry, Gauge

from app import request_deadline
from app.admission import AdmissionMiddleware
from app.database import Database, _Checkout
from app.request_deadline import QUEUE_DETAIL

from .inflight import post_held_in_database
from .server import BackendProcess
from .test_breaker import HeldApp, _request

DEADLINE = 0.3


def _admission(app, deadline: float | None = DEADLINE) -> tuple[AdmissionMiddleware, Gauge]:
    queued = Gauge("q", "q", registry=CollectorRegistry())
    return AdmissionMiddleware(app, limit=1, queued=queued, deadline=deadline), queued


def test_a_request_still_queued_at_its_deadline_is_answered_503_and_never_runs():
    async def scenario():
        held = HeldApp()
        admission, queued = _admission(held)
        first = asyncio.create_task(_request(admission))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(_request(admission)) for _ in range(5)]
        answers = await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)
        assert [a["status"] for a in answers] == [503] * 5
        assert answers[0]["body"] == {"detail": QUEUE_DETAIL}
        assert answers[0]["headers"][b"retry-after"] == b"1"
        assert held.reached == 1 and queued._value.get() == 0
        # The request holding the slot is the application's to end, deadline or not: admission does not cut it.
        assert not first.done()
        held.release.set()
        assert (await first)["status"] == 200
        # The slot is free again, and the next request's deadline is its own.
        assert (await asyncio.wait_for(_request(admission), timeout=10))["status"] == 200
        assert held.reached == 2

    asyncio.run(scenario())


def test_without_a_deadline_the_queue_waits_as_long_as_it_takes():
    async def scenario():
        held = HeldApp()
        admission, _ = _admission(held, deadline=None)
        requests = [asyncio.create_task(_request(admission)) for _ in range(3)]
        await asyncio.sleep(DEADLINE * 2)
        assert not any(task.done() for task in requests)
        held.release.set()
        answers = await asyncio.wait_for(asyncio.gather(*requests), timeout=10)
        assert [a["status"] for a in answers] == [200] * 3

    asyncio.run(scenario())


class SeesTheDeadline:
    """An API route that records what is left of its request's deadline when it runs."""

    def __init__(self) -> None:
        self.remaining: list[float | None] = []

    async def __call__(self, scope, receive, send):
        self.remaining.append(request_deadline.remaining())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def test_the_application_gets_what_is_left_of_the_deadline():
    async def scenario():
        sees = SeesTheDeadline()
        admission, _ = _admission(sees, deadline=30.0)
        assert (await _request(admission))["status"] == 200
        assert 0 < sees.remaining[0] <= 30.0
        # Outside a request there is none.
        assert request_deadline.remaining() is None and request_deadline.bounded(5.0) == 5.0

    asyncio.run(scenario())


class RecordingPool:
    """A pool that records the wait it was asked for and hands out a connection-like object at once."""

    timeout = 5.0

    class Conn:
        closed = False

    def __init__(self) -> None:
        self.waits: list[float | None] = []

    @asynccontextmanager
    async def connection(self, timeout: float | None = None):
        self.waits.append(timeout)
        yield self.Conn()


def test_the_pools_wait_ends_at_the_requests_deadline_if_that_comes_first():
    async def scenario():
        for query_timeout in (5.0, None):  # None: failpoint no-database-deadline bounds the wait all the same
            pool = RecordingPool()
            database = Database(pool, query_timeout)
            async with database.connection():
                pass
            assert pool.waits == [5.0]  # no request deadline: the pool's own
            with request_deadline.started(1.0):
                async with database.connection():
                    pass
                async with database.connection(timeout=0.5):
                    pass
            assert 0.9 < pool.waits[1] <= 1.0 and pool.waits[2] == 0.5

    asyncio.run(scenario())


def test_the_database_deadline_is_the_sooner_of_its_own_and_the_requests():
    assert _Checkout(5.0).start(100.0) == 105.0
    assert _Checkout(5.0, until=102.0).start(100.0) == 102.0
    assert _Checkout(5.0, until=110.0).start(100.0) == 105.0
    started = _Checkout(5.0)
    started.start(100.0)
    assert started.start(103.0) == 105.0  # fixed on the first call


def test_a_statement_held_in_the_database_is_cut_at_the_requests_deadline(postgres, db):
    # The database deadline alone would wait 60 s; the request's is 2 s.
    proc = BackendProcess(postgres.dsn(), DB_QUERY_TIMEOUT_SECONDS="60", REQUEST_DEADLINE_SECONDS="2")
    proc.wait_ready()
    results: dict = {}
    try:
        with post_held_in_database(postgres.dsn(), db, proc.url, "held past its deadline", results) as (_, post):
            started = time.monotonic()
            post.join(timeout=45)
            # Answered while the lock still holds the INSERT: the deadline cut it, not the lock's release.
            assert "post" in results, "the POST was still waiting on the lock"
            response = results["post"]
            print(f"held POST answered after {time.monotonic() - started:.1f} s (request deadline 2 s)")
            assert response.status_code == 503, response.text
            assert "did not answer within" in response.json()["detail"]
            assert response.headers["retry-after"] == "1"
        # Whether the INSERT then ran is unknown to the client, as for any such 503 (app/database.py): the
        # statement was already in the server, which may run it once the lock is gone.
    finally:
        proc.stop()
