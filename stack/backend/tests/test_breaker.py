"""The database breaker's state machine (app/breaker.py) on a fake clock, and the admission queue shedding with it.

In process, no database: the breaker is pure state, and the admission middleware is driven as an ASGI app.
"""

from __future__ import annotations

import asyncio
import json
import logging

import psycopg
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge
from psycopg_pool import PoolClosed, PoolTimeout

from app.admission import AdmissionMiddleware
from app.breaker import SHED_DETAIL, DatabaseBreaker, State, is_outage
from app.database import Database, DatabaseTimeout

COOLDOWN = 2.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: FakeClock) -> DatabaseBreaker:
    return DatabaseBreaker(COOLDOWN, clock=clock,
                           shed_total=Counter("shed", "shed", registry=CollectorRegistry()))


def shed_total(b: DatabaseBreaker) -> float:
    return b.shed_total.collect()[0].samples[0].value


def test_opens_on_a_failure_half_opens_after_the_cooldown_and_closes_on_success(caplog):
    clock = FakeClock()
    b = breaker(clock)
    assert b.state is State.CLOSED and b.shed() is None
    with caplog.at_level(logging.INFO, logger="app.breaker"):
        b.failed(clock(), "DatabaseTimeout")
        assert b.state is State.OPEN
        assert b.shed() == 2  # Retry-After: the cool-down left, in whole seconds
        clock.now += 1.5
        assert b.shed() == 1  # never 0
        clock.now += 0.5
        assert b.state is State.HALF_OPEN and b.shed() is None  # requests go through again
        b.failed(clock(), "PoolTimeout")  # and a new failure re-opens it, for a whole cool-down
        assert b.state is State.OPEN
        clock.now += 1.9
        assert b.state is State.OPEN
        clock.now += 0.1
        b.answered()
        assert b.state is State.CLOSED and b.shed() is None
    assert shed_total(b) == 2
    records = [(r.levelname, r.getMessage()) for r in caplog.records]
    # Once when it opens (not when it re-opens from half-open), once when it closes: never per request.
    assert records == [("WARNING", "database failing: shedding requests that need it"),
                       ("INFO", "database answering again: no longer shedding")]
    assert caplog.records[1].fields == {"failing_for_s": 4.0, "shed": 2}


def test_each_failure_restarts_the_cooldown():
    clock = FakeClock()
    b = breaker(clock)
    b.failed(clock(), "DatabaseTimeout")
    clock.now += 1.5
    b.failed(clock() - 3, "DatabaseTimeout")  # a request admitted before it opened, failing now
    clock.now += 1.5
    assert b.state is State.OPEN


def test_a_failure_does_not_count_when_the_database_answered_someone_meanwhile():
    clock = FakeClock()
    b = breaker(clock)
    began = clock()
    clock.now += 1
    b.answered()  # another request's work succeeded while this one waited for the pool
    clock.now += 4
    b.failed(began, "PoolTimeout")  # a busy pool, not a dead database
    assert b.state is State.CLOSED
    b.failed(clock(), "PoolTimeout")  # work begun after the last success: it counts
    assert b.state is State.OPEN


def test_a_success_closes_it_even_while_open():
    clock = FakeClock()
    b = breaker(clock)
    b.failed(clock(), "OperationalError")
    b.answered()  # /readyz's SELECT 1
    assert b.state is State.CLOSED and b.shed() is None


@pytest.mark.parametrize("cooldown", [0.0, -1.0, float("nan"), float("inf")])
def test_the_cooldown_must_be_positive_and_finite(cooldown):
    with pytest.raises(ValueError):
        DatabaseBreaker(cooldown)


def test_what_counts_as_the_database_not_answering():
    assert is_outage(DatabaseTimeout(5))
    assert is_outage(PoolTimeout("couldn't get a connection after 5.00 sec"))
    assert is_outage(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert is_outage(psycopg.errors.AdminShutdown())
    assert is_outage(psycopg.errors.CannotConnectNow())
    # Answers from a live server, and our own shutdown, are not.
    assert not is_outage(psycopg.errors.QueryCanceled())
    assert not is_outage(psycopg.errors.LockNotAvailable())
    assert not is_outage(psycopg.errors.UniqueViolation())
    assert not is_outage(PoolClosed("the pool is closed"))
    assert not is_outage(ValueError("no"))
    # A full disk fails writes, but the server answers: reads go on, so it is no outage.
    assert not is_outage(psycopg.errors.DiskFull())


def test_database_work_tells_the_breaker():
    clock = FakeClock()
    b = breaker(clock)
    database = Database(pool=None, query_timeout=5.0, breaker=b)

    async def work(error: BaseException | None, answered: bool = True) -> None:
        async with database.observed(lambda: answered):
            if error is not None:
                raise error

    def run(error: BaseException | None, answered: bool = True) -> None:
        try:
            asyncio.run(work(error, answered))
        except BaseException as raised:  # re-raised as it came
            assert raised is error

    run(DatabaseTimeout(5))
    assert b.state is State.OPEN
    run(asyncio.CancelledError())  # says nothing
    assert b.state is State.OPEN
    run(ValueError("after a lost connection"), answered=False)  # no answer: says nothing
    assert b.state is State.OPEN
    run(psycopg.errors.UniqueViolation())  # the server answered
    assert b.state is State.CLOSED
    run(PoolTimeout("no connection"))
    assert b.state is State.OPEN
    run(None)
    assert b.state is State.CLOSED


# ---- the admission queue with a breaker


async def _request(app, path: str = "/api/alice/tasks") -> dict:
    answer: dict = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = dict(message["headers"])
        else:
            answer["body"] = json.loads(message["body"]) if message.get("body") else None

    await app({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)
    return answer


class HeldApp:
    """An API route that answers 200 once released; counts the requests that reached it."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.reached = 0

    async def __call__(self, scope, receive, send):
        self.reached += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def _admission(app, b: DatabaseBreaker) -> AdmissionMiddleware:
    return AdmissionMiddleware(app, limit=1, queued=Gauge("q", "q", registry=CollectorRegistry()), breaker=b,
                               needs_database=lambda path: path != "/api/auth/lab-sign-in")


def test_requests_queued_when_it_opens_are_shed_when_they_get_their_slot():
    async def scenario():
        clock = FakeClock()
        b = breaker(clock)
        held = HeldApp()
        admission = _admission(held, b)
        first = asyncio.create_task(_request(admission))
        await asyncio.sleep(0)
        queued = [asyncio.create_task(_request(admission)) for _ in range(20)]
        await asyncio.sleep(0.01)
        assert held.reached == 1 and not any(task.done() for task in queued)
        b.failed(clock(), "DatabaseTimeout")  # the slot's holder fails, as the database freezes
        held.release.set()
        assert (await first)["status"] == 200
        # Each queued request gets the slot, is answered and gives the slot back at once: the queue drains.
        answers = await asyncio.wait_for(asyncio.gather(*queued), timeout=2)
        assert held.reached == 1
        assert {a["status"] for a in answers} == {503}
        assert answers[0]["body"] == {"detail": SHED_DETAIL}
        assert answers[0]["headers"][b"retry-after"] == b"2"
        # Arriving while open: shed at once; a route without the database is not.
        assert (await _request(admission))["status"] == 503
        assert (await asyncio.wait_for(_request(admission, "/api/auth/lab-sign-in"), 1))["status"] == 200
        assert shed_total(b) == 21
        # Half-open: through again.
        clock.now += COOLDOWN
        assert (await asyncio.wait_for(_request(admission), 1))["status"] == 200
        assert held.reached == 3

    asyncio.run(scenario())


def test_a_closed_breaker_sheds_nothing_and_the_queue_waits():
    async def scenario():
        b = breaker(FakeClock())
        held = HeldApp()
        admission = _admission(held, b)
        requests = [asyncio.create_task(_request(admission)) for _ in range(20)]
        await asyncio.sleep(0.05)
        assert held.reached == 1 and not any(task.done() for task in requests)
        held.release.set()
        answers = await asyncio.wait_for(asyncio.gather(*requests), timeout=2)
        assert [a["status"] for a in answers] == [200] * 20 and held.reached == 20
        assert shed_total(b) == 0

    asyncio.run(scenario())


def test_failpoint_breaker_counts_every_error_opens_on_an_answer():
    clock = FakeClock()
    b = breaker(clock)
    database = Database(pool=None, query_timeout=5.0, breaker=b, every_error_is_outage=True)

    async def work() -> None:
        async with database.observed():
            raise psycopg.errors.DiskFull()

    with pytest.raises(psycopg.errors.DiskFull):
        asyncio.run(work())
    assert b.state is State.OPEN


def test_a_full_disk_is_answered_503_saying_so_and_leaves_the_breaker_closed(monkeypatch):
    from fastapi.testclient import TestClient

    from app.main import DISK_FULL_DETAIL, create_app
    from app.settings import Settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    app = create_app(Settings.from_env())

    async def write() -> None:
        raise psycopg.errors.DiskFull("could not extend file \"base/16384/16390\": No space left on device")

    app.add_api_route("/test-disk-full", write, methods=["POST"])
    response = TestClient(app, raise_server_exceptions=False).post("/test-disk-full")
    assert response.status_code == 503
    assert response.json() == {"detail": DISK_FULL_DETAIL}
    assert response.headers["Retry-After"] == "5"
    assert "base/16384" not in response.text  # the server's words stay in the log
