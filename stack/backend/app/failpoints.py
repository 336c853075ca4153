"""Failpoints: mistakes the backend can be told to make, for labrun's broken-stack fixtures only.

labrun's scenario catalogue (scenarios/README.md) says which mistakes each scenario catches, and each
claim is proven by deploying a broken stack that makes that mistake. Some mistakes live in code, not in
manifests; a failpoint reproduces one faithfully behind a switch, in the way etcd's gofail and FreeBSD's
fail(9) do. ``FAILPOINTS`` (comma-separated names) turns them on; it is empty unless a fixture sets it
(the chart and the manifests never do), an unknown name stops the backend at start, and every active
failpoint is logged at start-up and shown by ``/version``.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

import httpx2
import psycopg
from psycopg_pool import PoolTimeout

#: Each failpoint and the mistake it makes.
KNOWN: dict[str, str] = {
    "breaker-counts-every-error": "the database breaker (app/breaker.py) counts every database error as the database"
                                  " not answering, answers included: when the disk is full and every write fails"
                                  " with DiskFull, the breaker opens and sheds the reads that would have worked",
    "chat-history-in-memory": "the chat keeps each conversation's history in a per-process dict instead of reading it"
                              " from PostgreSQL: a turn served by another replica (or after a restart) answers"
                              " 404 for a conversation that exists",
    "chat-tools-not-idempotent": "the chat's writing tools ignore the turn's Idempotency-Key: a turn retried after"
                                 " a tool ran (client timeout, pod killed, model error) repeats the tool's effect,"
                                 " e.g. a second task",
    "connection-per-request": "no connection pool: every use of the database opens a connection of its own (resolving"
                              " the database's host name again) and closes it afterwards, so a DNS outage fails"
                              " every request although the database is fine",
    "idempotency-key-not-unique": "Idempotency-Key is stored without a unique constraint and never looked up:"
                                  " a retried create inserts a second task",
    "no-database-deadline": "no deadline on the database work of a request (DB_QUERY_TIMEOUT_SECONDS is ignored,"
                            " and REQUEST_DEADLINE_SECONDS bounds only the waits for admission and for the"
                            " pool, app/database.py): while PostgreSQL is frozen, a request whose statement or"
                            " connection check is waiting on it hangs until the database thaws, instead of a 503",
    "pool-never-reconnects": "database connections are opened once and never checked or replaced:"
                             " after the database restarts, every request fails until the pod is replaced",
    "query-missing-user-filter": "the task list query forgets its user filter: GET /api/{user_id}/tasks lists"
                                 " every user's tasks, so one user reads another's",
    "readiness-checks-model": "GET /readyz also calls the model provider (GET {MODEL_BASE_URL}/models, bounded by"
                              " MODEL_TIMEOUT_SECONDS, 15 s, longer than the probe's 5 s) and answers 503 when it"
                              " fails: a provider outage marks every replica unready and empties the Service",
}

#: The constraint that failpoint ``idempotency-key-not-unique`` drops (app/migrations/0002_users_and_chat.sql).
IDEMPOTENCY_CONSTRAINT = "tasks_user_id_idempotency_key_key"


async def model_unavailable(base_url: str, api_key: str, timeout: float) -> str | None:
    """Failpoint ``readiness-checks-model``: what a readiness check that depends on the provider asks it —
    the model list, with the chat's key and the chat's timeout. The name of the failure, or None when the
    provider answered 200. (The mistake is calling it at all: readiness must not depend on anything a
    restart or a removal from the Service cannot fix, and the timeout is longer than the probe waits.)"""
    headers = {"Authorization": f"Bearer {api_key or 'unused'}"}
    try:
        async with httpx2.AsyncClient(timeout=timeout) as client:
            response = await client.get(f"{base_url.rstrip('/')}/models", headers=headers)
    except httpx2.HTTPError as error:
        return type(error).__name__
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


def parse(raw: str) -> frozenset[str]:
    """The failpoints named in ``raw``; ValueError names an unknown one."""
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(names - KNOWN.keys())
    if unknown:
        raise ValueError(f"unknown failpoint(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN))}")
    return names


class NeverReconnectingPool:
    """Failpoint ``pool-never-reconnects``: ``size`` connection slots, each opened on first use and then kept
    whatever happens to it: no check before handing it out, no replacement when it breaks.

    The interface is the part of psycopg_pool's AsyncConnectionPool the backend uses.
    """

    def __init__(self, conninfo: str, size: int, timeout: float, kwargs: dict[str, object]) -> None:
        self._conninfo = conninfo
        self._size = size
        self.timeout = timeout
        self._kwargs = kwargs
        self._slots: asyncio.Queue[psycopg.AsyncConnection | None] | None = None

    async def open(self, wait: bool = False) -> None:
        self._slots = asyncio.Queue()
        for _ in range(self._size):
            self._slots.put_nowait(None)

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection]:
        assert self._slots is not None, "open() first"
        try:
            conn = await asyncio.wait_for(self._slots.get(), self.timeout if timeout is None else timeout)
        except TimeoutError:
            raise PoolTimeout(f"no connection free after {self.timeout if timeout is None else timeout} s") from None
        try:
            if conn is None:
                conn = await psycopg.AsyncConnection.connect(self._conninfo, **self._kwargs)
            yield conn
        finally:
            self._slots.put_nowait(conn)

    async def close(self, timeout: float = 5.0) -> None:
        while self._slots is not None and not self._slots.empty():
            conn = self._slots.get_nowait()
            if conn is not None:
                await conn.close()

    def get_stats(self) -> dict[str, int]:
        free = self._slots.qsize() if self._slots is not None else 0
        return {"pool_size": self._size, "pool_available": free}


class ConnectionPerRequest:
    """Failpoint ``connection-per-request``: no pool. Every use opens a connection of its own — a name lookup,
    a TCP and TLS handshake and authentication each time — and closes it when done; at most ``size`` at once.

    The interface is the part of psycopg_pool's AsyncConnectionPool the backend uses (as ``NeverReconnectingPool``).
    """

    def __init__(self, conninfo: str, size: int, timeout: float, kwargs: dict[str, object]) -> None:
        self._conninfo = conninfo
        self._size = size
        self.timeout = timeout
        self._kwargs = kwargs
        self._slots = asyncio.Semaphore(size)

    async def open(self, wait: bool = False) -> None:
        pass

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection]:
        try:
            await asyncio.wait_for(self._slots.acquire(), self.timeout if timeout is None else timeout)
        except TimeoutError:
            raise PoolTimeout(f"no connection free after {self.timeout if timeout is None else timeout} s") from None
        try:
            conn = await psycopg.AsyncConnection.connect(self._conninfo, **self._kwargs)
            try:
                yield conn
            finally:
                await conn.close()
        finally:
            self._slots.release()

    async def close(self, timeout: float = 5.0) -> None:
        pass

    def get_stats(self) -> dict[str, int]:
        return {"pool_max": self._size}
