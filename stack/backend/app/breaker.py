"""A circuit breaker on the database: while it is known to be failing, requests that need it are shed at once.

The deadline (app/database.py) bounds what one request waits for a frozen or unreachable PostgreSQL, but the
admission queue (app/admission.py) does not: while the database fails, each admitted request holds its slot
for up to the pool's wait plus the deadline, the queue drains at a trickle, and a request queued behind them
waits for the thaw (28 s in a 30 s freeze at 20 req/s on 2 replicas). The breaker remembers that the database
is failing, so that the queue answers 503 at once instead:

- **closed** (the database answers): nothing is shed; admission queues as always.
- **open**: a failure — a ``DatabaseTimeout``, a ``PoolTimeout``, or a lost or refused connection — of work
  that began after the last success. For ``DB_SHED_COOLDOWN_SECONDS`` from the latest such failure, API
  requests that need the database are answered 503 without waiting for a slot or touching the pool.
- **half-open**: after the cool-down requests go to the database again; a new failure re-opens it.

Any database round trip that succeeds closes it (a request's work, a chat tool's, ``/readyz``'s ``SELECT 1``),
and ``/readyz`` is never shed, so a probe sees the database come back even when no request is let through.

**A failure counts only if nothing succeeded since its work began.** A pool wait that times out while other
requests are being answered (a pool busy with chat turns, a CPU-starved process) says the backend is busy,
not that the database is down; shedding then would turn overload into errors. A frozen server answers
nobody, so its failures always count.

Pure state and a clock (``clock``), so the state machine is tested without a database (tests/test_breaker.py).
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Callable

import psycopg
from psycopg_pool import PoolClosed, PoolTimeout

log = logging.getLogger("app.breaker")

#: The ``detail`` of a request shed while the database is failing.
SHED_DETAIL = "the database is not answering; try again"

#: SQLSTATEs of a server going away or refusing connections (class 08 is every connection exception):
#: admin_shutdown, crash_shutdown, cannot_connect_now. Other server errors are answers: the server is up.
_DOWN_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database is not answering (rather than answering with an error)."""
    if isinstance(error, PoolClosed):  # our own shutdown, not the database's
        return False
    if isinstance(error, PoolTimeout):  # no connection in time: none free, or none could be made
        return True
    if isinstance(error, psycopg.OperationalError):  # DatabaseTimeout and lost connections have no sqlstate
        state = error.sqlstate
        return state is None or state.startswith("08") or state in _DOWN_SQLSTATES
    return False


class State(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class DatabaseBreaker:
    """Whether the database is failing, from the outcomes of the process's database work."""

    def __init__(self, cooldown: float, *, clock: Callable[[], float] = time.monotonic,
                 shed_total=None) -> None:
        if not math.isfinite(cooldown) or cooldown <= 0:
            raise ValueError("the cool-down must be a positive number of seconds")
        self.cooldown = cooldown
        self.clock = clock
        self.shed_total = shed_total
        """A prometheus_client Counter of shed requests, or None."""
        self._open_until: float | None = None  # None: closed
        self._last_success = -math.inf
        self._failing_since = 0.0
        self._shed = 0

    @property
    def state(self) -> State:
        if self._open_until is None:
            return State.CLOSED
        return State.OPEN if self.clock() < self._open_until else State.HALF_OPEN

    def failed(self, since: float, cause: str) -> None:
        """Work on the database that began at ``since`` (``clock()``) failed for want of an answer."""
        if self._last_success > since:
            return  # someone was answered meanwhile: the database is up, this was something else
        now = self.clock()
        if self._open_until is None:
            self._failing_since = now
            self._shed = 0
            log.warning("database failing: shedding requests that need it", extra={"fields": {
                "cause": cause, "cooldown_s": self.cooldown}})
        self._open_until = now + self.cooldown

    def answered(self) -> None:
        """A database round trip succeeded: the breaker closes."""
        now = self.clock()
        self._last_success = now
        if self._open_until is not None:
            self._open_until = None
            log.info("database answering again: no longer shedding", extra={"fields": {
                "failing_for_s": round(now - self._failing_since, 3), "shed": self._shed}})

    def shed(self) -> int | None:
        """While open, counts one shed request and returns its ``Retry-After`` (whole seconds until half-open, at
        least 1); None when the request should go ahead (closed or half-open)."""
        if self._open_until is None:
            return None
        left = self._open_until - self.clock()
        if left <= 0:
            return None
        self._shed += 1
        if self.shed_total is not None:
            self.shed_total.inc()
        return max(1, math.ceil(left))
