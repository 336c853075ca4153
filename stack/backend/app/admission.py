"""Admission control: a bounded number of API requests run at once; the rest wait their turn.

An asyncio server shares its CPU among every request it has accepted. Under overload that means
each request — and the kubelet's probes with them — slows down as the backlog grows, database
connections run out (PoolTimeout, 503), and once /readyz takes longer than the probe's timeout the
replica drops out of its Service: overload becomes an outage. Admitting a fixed number of API
requests keeps the work in progress and the pool's connections bounded. The backlog waits here,
in arrival order and at no cost, so latency grows with the queue but nothing fails, while
/healthz, /readyz, /version and /metrics bypass the queue and keep answering at once.

Chat turns are exempt (``exempt``): a turn spends seconds waiting for the model while holding no
database connection, so it has its own bound (CHAT_MAX_CONCURRENT_TURNS, app/chat.py); in this queue
a slow or hanging model provider would hold up the task API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import Gauge


class AdmissionMiddleware:
    """Pure ASGI middleware: at most ``limit`` requests under ``prefix`` are handled at once."""

    def __init__(self, app, *, limit: int, queued: Gauge, prefix: str = "/api",
                 exempt: Callable[[str], bool] = lambda path: False) -> None:
        if limit < 1:
            raise ValueError("the admission limit must be at least 1")
        self.app = app
        self.prefix = prefix
        self.queued = queued
        self.exempt = exempt
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix) or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        self.queued.inc()
        try:
            await self._slots.acquire()
        finally:
            self.queued.dec()
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
