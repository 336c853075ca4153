"""One deadline for a whole API request (``REQUEST_DEADLINE_SECONDS``): its wait for admission, its wait for a
pooled connection and its database work all come out of it.

Each of those waits has a bound of its own (admission none while the database answers, the pool
``DB_POOL_TIMEOUT_SECONDS``, the database work ``DB_QUERY_TIMEOUT_SECONDS``), but bounds that add up do not bound
the request: on a lossy link to PostgreSQL (half the packets dropped, so statements stall on TCP's
retransmissions but some succeed, and the breaker rightly stays closed) each admitted request holds its slot for
up to the pool's wait plus the deadline, the admission queue grows, and a request queued behind them waited
16.8 s at p99 (19.7 s at most) in a CI run of scenario ``lossy-network``. A client has given up long before.

So the admission middleware (app/admission.py) starts the request's deadline on arrival; a request still queued
when it passes is answered 503 at once (``QUEUE_DETAIL``), and ``Database.connection()`` (app/database.py) waits
for the pool and works on the connection at most until it. A request that reaches the database early keeps its
full pool wait and database deadline; one that queued long gets what is left. Routes outside the admission queue
(chat turns, which have ``MODEL_TIMEOUT_SECONDS``; the probes) have no request deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The ``detail`` of a request that waited for admission until its deadline.
QUEUE_DETAIL = "the server is busy and could not start this request in time; try again"

_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)


@contextmanager
def started(seconds: float) -> Iterator[None]:
    """The request's deadline, ``seconds`` from now on the event loop's clock, for the code inside the block."""
    token = _deadline.set(asyncio.get_running_loop().time() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def at() -> float | None:
    """The request's deadline on the event loop's clock, or None outside a request that has one."""
    return _deadline.get()


def remaining() -> float | None:
    """Seconds left until the request's deadline (never below 0), or None outside a request that has one."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(0.0, deadline - asyncio.get_running_loop().time())


def bounded(seconds: float) -> float:
    """``seconds``, or what is left of the request's deadline if that is less."""
    left = remaining()
    return seconds if left is None else min(seconds, left)
