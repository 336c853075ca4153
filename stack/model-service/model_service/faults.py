"""Fault injection that a scenario drives at run time: latency, errors, 429s, hanging requests, and
failures right after a tool ran.

Every /v1 request takes a number, counted from the moment the faults were last set. Which requests
fail is a function of that number alone, so a test can count: with ``error_rate`` r, request n fails
when ceil(n*r) > ceil((n-1)*r) — exactly ceil(N*r) of the first N requests, evenly spread, starting
with the first (r = 0.5 fails the 1st, 3rd, 5th, …; r = 0.1 the 1st, 11th, 21st, …), so a fault shows
at once. ``rate_limit.rate`` picks the 429s the same way. ``fail_after_tools`` picks by the request's
content instead: every chat completion whose ``messages`` end with a tool result (the call that would
phrase what a tool did) fails, while one that starts a turn passes — the provider failing mid-turn,
after the tool's effect. No random numbers.

The state lives in the process: with several replicas, drive each pod (or run one).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field


class RateLimit(BaseModel):
    """Answer 429 with ``Retry-After``, as a provider does when a quota is used up."""

    model_config = ConfigDict(extra="forbid", strict=True)

    retry_after_s: float = Field(1.0, ge=0, le=3600, allow_inf_nan=False)
    rate: float = Field(1.0, ge=0, le=1, allow_inf_nan=False,
                        description="Share of requests rate-limited (1: every request).")


class Faults(BaseModel):
    """The body of ``PUT /control/faults``; fields left out take their (harmless) defaults."""

    model_config = ConfigDict(extra="forbid", strict=True)

    latency_ms: int = Field(0, ge=0, le=600_000, description="Added before every /v1 answer.")
    error_rate: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description="Share of requests that fail.")
    error_status: int = Field(500, ge=400, le=599, description="Status of the failed requests.")
    rate_limit: RateLimit | None = None
    hang: bool = Field(False, description="Hold every request open until the faults are cleared or changed.")
    fail_after_tools: bool = Field(False, description="Fail (with error_status) every chat completion whose"
                                                      " messages end with a tool result: the turn fails mid-way,"
                                                      " after its tool ran.")

    def active(self) -> dict[str, bool]:
        """Which kinds of fault are on (the metric ``model_fault_active``)."""
        return {
            "latency": self.latency_ms > 0,
            "error": self.error_rate > 0,
            "rate_limit": self.rate_limit is not None and self.rate_limit.rate > 0,
            "hang": self.hang,
            "after_tools": self.fail_after_tools,
        }


def selected(n: int, rate: float) -> bool:
    """Whether request number ``n`` (from 1) is among those a share ``rate`` picks, evenly spread."""
    exact = Fraction(rate).limit_denominator(1_000_000)
    return math.ceil(n * exact) > math.ceil((n - 1) * exact)


@dataclass(frozen=True)
class Plan:
    """What the faults do to one request: wait, maybe hang, then maybe fail."""

    number: int
    delay_s: float
    hang: bool
    rate_limited_for: float | None
    """Retry-After in seconds when this request is answered 429."""
    error_status: int | None


class FaultState:
    """The faults in force, the requests counted since they were set, and the hang release."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._release = asyncio.Event()
        self.hanging = 0
        """Requests held open now."""
        self.set(faults or Faults())

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.since = time.time()
        self.requests = 0
        self.injected: dict[str, int] = {"latency": 0, "error": 0, "rate_limit": 0, "hang": 0,
                                      "after_tools": 0}
        # Whatever hangs now is released: the faults it was held by are gone. A new hang holds
        # the requests that arrive from now on.
        self._release.set()
        if faults.hang:
            self._release = asyncio.Event()

    def clear(self) -> None:
        self.set(Faults())

    def plan(self) -> Plan:
        """Numbers this request and decides its fate."""
        self.requests += 1
        n, f = self.requests, self.faults
        limited = f.rate_limit is not None and selected(n, f.rate_limit.rate)
        failed = not limited and selected(n, f.error_rate)
        for kind, on in (("latency", f.latency_ms > 0), ("hang", f.hang), ("rate_limit", limited), ("error", failed)):
            if on:
                self.injected[kind] += 1
        return Plan(
            number=n,
            delay_s=f.latency_ms / 1000,
            hang=f.hang,
            rate_limited_for=f.rate_limit.retry_after_s if limited and f.rate_limit else None,
            error_status=f.error_status if failed else None,
        )

    def after_tools(self, ends_with_tool: bool) -> int | None:
        """The status a chat completion fails with when ``fail_after_tools`` is on and its messages end
        with a tool result (``ends_with_tool``); None when it goes on. Counted in ``plan``'s number already."""
        if not (self.faults.fail_after_tools and ends_with_tool):
            return None
        self.injected["after_tools"] += 1
        return self.faults.error_status

    def released(self) -> asyncio.Event:
        """The event a hanging request waits for (set when the hang is cleared or replaced)."""
        return self._release

    def describe(self) -> dict[str, object]:
        return {
            "faults": self.faults.model_dump(),
            "active": self.faults.active(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since)),
            "requests": self.requests,
            "injected": dict(self.injected),
            "hanging": self.hanging,
        }
