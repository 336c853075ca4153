"""A deadline on the database work of a request (``DB_QUERY_TIMEOUT_SECONDS``), for a server that stops answering.

A frozen PostgreSQL (SIGSTOP, a cgroup freezer, a hung host) keeps its sockets: the kernel still accepts
connections and bytes, nothing answers. The pool's wait is bounded (``DB_POOL_TIMEOUT_SECONDS``), new
connections are bounded (``connect_timeout``), but a statement sent on a connection already checked out
waits for its answer until the server thaws, and so does the pool's check of an idle connection before it
hands it out (psycopg_pool runs ``check`` with no timeout). This module bounds both: from the moment the pool
first hands a request a connection (its check included), the request's database work on it has
``DB_QUERY_TIMEOUT_SECONDS``. Then the connection is severed and the request gets ``DatabaseTimeout``, a
503 with ``Retry-After`` (app/main.py).

**Why sever the socket instead of cancelling the task.** On ``asyncio`` cancellation psycopg (3.3) sends
a cancel request, which opens a new connection to the server, and then waits up to 5 s more for the query
to end; against a frozen server both wait, and with a libpq older than 17 the cancel blocks in a thread
without any bound. Instead a timer shuts the connection's socket down (``shutdown(2)``, on a duplicate of
libpq's descriptor, which libpq keeps owning): psycopg's wait wakes up at once, libpq reads end-of-file and
raises ``OperationalError``, the connection is then closed (never handed to another request in an unknown
state), and the pool, finding it closed, opens a replacement in the background (``connect_timeout``
bounds that attempt too).

**What a client learns from such a 503.** The outcome is unknown: the statement may already have run, or
may run when the server thaws (its bytes are in the server's socket). A write retried with the same
``Idempotency-Key`` is applied once; a transaction cut short is rolled back by the server, since its
``COMMIT`` never arrived (unless the ``COMMIT`` was the statement in flight).

Failpoint ``no-database-deadline`` turns all of this off (app/failpoints.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool

from . import request_deadline
from .breaker import DatabaseBreaker, is_outage

log = logging.getLogger("app.database")


class DatabaseTimeout(psycopg.OperationalError):
    """The database did not answer within the request's deadline; the connection was closed.

    An ``OperationalError``, so every handler of a lost connection handles it too; app/main.py answers it
    with a 503 of its own message."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the database did not answer within {seconds:g} s")
        self.seconds = seconds


class _CheckExpired(BaseException):
    """The pool's check of a connection ran out of the request's time.

    A BaseException on purpose: psycopg_pool's ``_getconn_with_check_loop`` retries the next connection after
    a check that raised an ``Exception`` (each could take the whole deadline again), but returns the
    connection and re-raises anything else at once, as it does for a cancellation."""

    def __init__(self, error: DatabaseTimeout) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Checkout:
    """One request's use of the pool: when its deadline passes, set when the pool first hands it a connection —
    ``seconds`` later, or at the request's own deadline (``until``, app/request_deadline.py) if that is sooner."""

    seconds: float
    until: float | None = None
    deadline: float | None = None

    def start(self, now: float) -> float:
        """The deadline, fixed on the first call."""
        if self.deadline is None:
            self.deadline = now + self.seconds if self.until is None else min(now + self.seconds, self.until)
        return self.deadline


_checkout: ContextVar[_Checkout | None] = ContextVar("database_checkout", default=None)


def sever(conn: psycopg.AsyncConnection) -> None:
    """Shuts the connection's socket down without waiting for anything: every wait on it ends at once
    with end-of-file. The descriptor stays libpq's (``close()`` later frees it)."""
    try:
        fd = conn.pgconn.socket
    except psycopg.OperationalError:
        return  # already closed
    try:
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError as error:  # already shut down, or not connected any more: nothing left to wake up
        log.debug("shutting a database socket down failed", extra={"fields": {"error": str(error)}})


@asynccontextmanager
async def deadline(conn: psycopg.AsyncConnection, seconds: float) -> AsyncIterator[None]:
    """Bounds the database work inside the block on ``conn``: after ``seconds`` its socket is severed, the
    statement waiting fails, and the block raises ``DatabaseTimeout``; the connection is closed on the way out."""
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        sever(conn)

    timer = asyncio.get_running_loop().call_later(max(0.0, seconds), expire)
    try:
        yield
    except psycopg.OperationalError as error:
        if expired:
            raise DatabaseTimeout(seconds) from error
        raise
    finally:
        timer.cancel()
        if expired:
            # Closed, so the pool discards it (and opens another) instead of lending it out half-read.
            await conn.close()
            log.warning("database deadline passed: connection closed", extra={"fields": {"deadline_s": seconds}})


class Database:
    """The backend's pool with a deadline on each use of it. ``connection()`` is the pool's, bounded.

    ``query_timeout`` None is failpoint ``no-database-deadline``: the pool as it is, unbounded. Each use's outcome
    goes to ``breaker`` (app/breaker.py): a failure for want of an answer opens it, a success closes it."""

    def __init__(self, pool, query_timeout: float | None, breaker: DatabaseBreaker | None = None,
                 every_error_is_outage: bool = False) -> None:
        self.pool = pool
        self.query_timeout = query_timeout
        self.breaker = breaker
        #: Failpoint ``breaker-counts-every-error``: an error the server answered with counts as an outage too.
        self.every_error_is_outage = every_error_is_outage

    def connect_timeout(self, default: float) -> int:
        """libpq's ``connect_timeout`` (whole seconds) for a connection opened outside the pool."""
        return max(1, math.ceil(self.query_timeout if self.query_timeout is not None else default))

    @asynccontextmanager
    async def observed(self, answered: Callable[[], bool] = lambda: True) -> AsyncIterator[None]:
        """Tells the breaker how the database work inside the block went: a failure for want of an answer opens
        it; an end that ``answered()`` confirms (normally, or by an error the server gave: an integrity error, a
        404 after a SELECT) closes it. A cancellation says nothing."""
        if self.breaker is None:
            yield
            return
        since = self.breaker.clock()
        try:
            yield
        except BaseException as error:
            if is_outage(error) or (self.every_error_is_outage and isinstance(error, psycopg.Error)):
                self.breaker.failed(since, type(error).__name__)
            elif isinstance(error, Exception) and answered():
                self.breaker.answered()
            raise
        if answered():
            self.breaker.answered()

    @asynccontextmanager
    async def connection(self, timeout: float | None = None,
                         query_timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection]:
        """A pooled connection (waiting at most ``timeout``, the pool's by default) whose work, the pool's check
        included, must end within ``query_timeout`` (DB_QUERY_TIMEOUT_SECONDS by default) of its hand-over. In a
        request with a deadline (app/request_deadline.py) neither the wait nor the work goes past it."""
        handed: list[psycopg.AsyncConnection] = []
        # Answered: the pool handed a connection (its check a round trip) and it is still open at the end.
        async with self.observed(lambda: bool(handed) and not handed[0].closed):
            async with self._connection(timeout, query_timeout) as conn:
                handed.append(conn)
                yield conn

    @asynccontextmanager
    async def _connection(self, timeout: float | None,
                          query_timeout: float | None) -> AsyncIterator[psycopg.AsyncConnection]:
        # The pool's wait, and below the database work, end at the request's deadline if it comes first.
        timeout = request_deadline.bounded(timeout if timeout is not None else self.pool.timeout)
        if self.query_timeout is None:
            async with self.pool.connection(timeout) as conn:
                yield conn
            return
        checkout = _Checkout(query_timeout if query_timeout is not None else self.query_timeout, request_deadline.at())
        token = _checkout.set(checkout)
        try:
            try:
                async with self.pool.connection(timeout) as conn:
                    _checkout.reset(token)
                    token = None
                    loop = asyncio.get_running_loop()
                    # Started by the pool's check, unless the pool has none (failpoint pool-never-reconnects).
                    async with deadline(conn, checkout.start(loop.time()) - loop.time()):
                        yield conn
            except _CheckExpired as expired:
                raise expired.error from None
        finally:
            if token is not None:
                _checkout.reset(token)

    @asynccontextmanager
    async def bounded(self, conn: psycopg.AsyncConnection, allowance: float = 0.0) -> AsyncIterator[None]:
        """Bounds one stretch of work on a connection of the caller's own (not the pool's) by
        DB_QUERY_TIMEOUT_SECONDS, plus ``allowance`` when the server may rightly take longer (a lock wait)."""
        async with self.observed(lambda: not conn.closed):
            if self.query_timeout is None:
                yield
                return
            async with deadline(conn, self.query_timeout + allowance):
                yield


async def check_connection(conn: psycopg.AsyncConnection) -> None:
    """The pool's check of a connection before it hands it out (a broken one is replaced), bounded by the
    deadline of the request asking through ``Database.connection()``; unbounded for anyone else."""
    checkout = _checkout.get()
    if checkout is None:  # not asked through Database.connection() (a failpoint's statement, or the failpoint's pool)
        await AsyncConnectionPool.check_connection(conn)
        return
    loop = asyncio.get_running_loop()
    try:
        async with deadline(conn, checkout.start(loop.time()) - loop.time()):
            await AsyncConnectionPool.check_connection(conn)
    except DatabaseTimeout as error:
        raise _CheckExpired(error) from None
