"""Admission control: a bounded number of API requests run at once; the rest wait their turn.

An asyncio server shares its CPU among every request it has accepted. Under overload that means
each request — and the kubelet's probes with them — slows down as the backlog grows, database
connections run out (PoolTimeout, 503), and once /readyz takes longer than the probe's timeout the
replica drops out of its Service: overload becomes an outage. Admitting a fixed number of API
requests keeps the work in progress and the pool's connections bounded. The backlog waits here,
in arrival order and at no cost, so latency grows with the queue but nothing fails (up to the request's
deadline, below), while
/healthz, /readyz, /version and /metrics bypass the queue and keep answering at once.

Chat turns are exempt (``exempt``): a turn spends seconds waiting for the model while holding no
database connection, so it has its own bound (CHAT_MAX_CONCURRENT_TURNS, app/chat.py); in this queue
a slow or hanging model provider would hold up the task API.

**While the database is failing the queue is shed** (``breaker``, app/breaker.py). The wait here is
long on purpose, and that is right under CPU overload; but while PostgreSQL does not answer, each
admitted request holds its slot for up to the pool's wait plus DB_QUERY_TIMEOUT_SECONDS (~10 s), the
queue drains at a trickle, and the requests behind wait for the thaw — then succeed, 28 s late, in a
30 s freeze. So while the breaker is open (a failure for want of an answer, then DB_SHED_COOLDOWN_SECONDS),
a request that needs the database (``needs_database``) is answered 503 with ``Retry-After`` when it
arrives, and one already queued is answered so as soon as it gets its slot: the slot is released at
once, so the whole queue drains in moments. Half-open (after the cool-down) and closed, nothing is shed:
the queue is the same arrival-ordered queue as ever. Chat turns are shed likewise, at their
own slots (app/chat.py).

**No request waits longer than its deadline** (``deadline``, REQUEST_DEADLINE_SECONDS, app/request_deadline.py).
The queue is bounded in time, not in length: the request's deadline starts on arrival, and one still queued
when it passes is answered 503 with ``Retry-After`` and ``QUEUE_DETAIL`` at once. What is left of the deadline
also bounds its wait for a pooled connection and its database work. So CPU overload means waiting, up to the
deadline, and a database that answers some statements slowly (the breaker stays closed) cannot keep a queued
request waiting for the sum of every admitted request's bounds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import nullcontext

from prometheus_client import Gauge

from . import request_deadline
from .breaker import SHED_DETAIL, DatabaseBreaker
from .observability import send_json
from .request_deadline import QUEUE_DETAIL

class AdmissionMiddleware:
    """Pure ASGI middleware: at most ``limit`` requests under ``prefix`` are handled at once."""

    def __init__(self, app, *, limit: int, queued: Gauge, prefix: str = "/api",
                 exempt: Callable[[str], bool] = lambda path: False, breaker: DatabaseBreaker | None = None,
                 needs_database: Callable[[str], bool] = lambda path: True, deadline: float | None = None) -> None:
        if limit < 1:
            raise ValueError("the admission limit must be at least 1")
        self.app = app
        self.prefix = prefix
        self.queued = queued
        self.exempt = exempt
        self.breaker = breaker
        self.needs_database = needs_database
        self.deadline = deadline
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix) or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        with nullcontext() if self.deadline is None else request_deadline.started(self.deadline):
            await self._admit(scope, receive, send)

    async def _admit(self, scope, receive, send) -> None:
        if await self._shed(scope, send):  # on arrival
            return
        self.queued.inc()
        try:
            await asyncio.wait_for(self._slots.acquire(), request_deadline.remaining())
        except TimeoutError:
            await send_json(send, 503, {"detail": QUEUE_DETAIL}, headers={"Retry-After": "1"})
            return
        finally:
            self.queued.dec()
        try:
            if await self._shed(scope, send):  # queued while the breaker opened: its slot goes to the next at once
                return
            await self.app(scope, receive, send)
        finally:
            self._slots.release()

    async def _shed(self, scope, send) -> bool:
        """Answers 503 when the database is failing and the request needs it; whether it did."""
        if self.breaker is None or not self.needs_database(scope["path"]):
            return False
        retry_after = self.breaker.shed()
        if retry_after is None:
            return False
        await send_json(send, 503, {"detail": SHED_DETAIL}, headers={"Retry-After": str(retry_after)})
        return True
