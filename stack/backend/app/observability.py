"""Structured JSON logs, Prometheus metrics and the per-request middleware that feeds both."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily

# ---------------------------------------------------------------------------------------------
# Logging


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields come from ``extra={"fields": {...}}``."""

    def __init__(self, static: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.static = static or {}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(self.static)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


def configure_logging(level: str, version: str, served_by: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter({"version": version, "served_by": served_by}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Our middleware writes one line per request; uvicorn's access log would be a second one.
    logging.getLogger("uvicorn.access").disabled = True
    # The chat's libraries: httpx/httpx2 log every request (the MCP client's in-process ones too), openai
    # its request options at debug, mcp its session manager. Their warnings and errors still show; the
    # chat writes its own line per turn (app/chat.py).
    for name in ("httpx", "httpx2", "openai", "mcp", "openai.agents"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


# ---------------------------------------------------------------------------------------------
# Metrics


disable_created_metrics()


class Metrics:
    """The backend's Prometheus metrics, in a registry of their own (so tests can make several)."""

    def __init__(self, version: str, served_by: str, pool_stats: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests handled, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response body, by method, route and status.",
            ["method", "route", "status"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.in_flight = Gauge("http_requests_in_flight", "Requests being handled now.", registry=self.registry)
        self.shed = Counter("http_requests_shed", "API requests and chat turns answered 503 at once because the"
                            " database was failing (DB_SHED_COOLDOWN_SECONDS, app/breaker.py).",
                            registry=self.registry)
        self.queued = Gauge("http_requests_queued", "API requests waiting for admission (MAX_CONCURRENT_REQUESTS).",
                            registry=self.registry)
        # The chat (app/chat.py, app/mcp_tools.py, app/agent.py).
        self.chat_turn_duration = Histogram(
            "chat_turn_duration_seconds",
            "Chat turns, by outcome: ok, replayed (a stored answer), model_error, model_timeout, error.",
            ["outcome"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0),
            registry=self.registry,
        )
        self.chat_tool_calls = Counter("chat_tool_calls", "Calls of the chat agent's MCP tools, by tool.", ["tool"],
                                       registry=self.registry)
        self.chat_model_errors = Counter(
            "chat_model_errors",
            "Chat turns the model failed, by kind: timeout, rate_limited, provider_error, rejected, connection,"
            " bad_response.",
            ["kind"], registry=self.registry)
        info = Gauge("app_info", "Constant 1, labelled with the version and replica.", ["version", "served_by"],
                     registry=self.registry)
        info.labels(version, served_by).set(1)
        self.registry.register(_PoolCollector(pool_stats))


class _PoolCollector:
    """Reads psycopg_pool's statistics at scrape time."""

    _GAUGES = {
        "pool_size": ("db_pool_connections", "Connections the pool holds (in use and idle)."),
        "pool_available": ("db_pool_connections_idle", "Idle connections ready to be handed out."),
        "requests_waiting": ("db_pool_requests_waiting", "Requests waiting for a connection."),
        "pool_max": ("db_pool_connections_max", "Configured maximum pool size."),
    }
    _COUNTERS = {
        "requests_num": ("db_pool_requests", "Connections requested from the pool."),
        "requests_errors": ("db_pool_request_errors", "Connection requests that failed (timeout, error)."),
        "connections_lost": ("db_pool_connections_lost", "Connections found broken and discarded."),
    }

    def __init__(self, stats: Callable[[], dict[str, int]]) -> None:
        self.stats = stats

    def describe(self):  # noqa: D401 - prometheus_client protocol
        return []

    def collect(self):
        stats = self.stats()
        for key, (name, doc) in self._GAUGES.items():
            yield GaugeMetricFamily(name, doc, value=stats.get(key, 0))
        for key, (name, doc) in self._COUNTERS.items():
            # Exposed as gauges of running totals: psycopg_pool owns the counting.
            yield GaugeMetricFamily(name + "_total", doc, value=stats.get(key, 0))


# ---------------------------------------------------------------------------------------------
# Middleware


class RequestMiddleware:
    """Pure ASGI middleware around every HTTP request.

    - adds ``X-App-Version``, ``X-Served-By`` and ``X-Request-ID`` to every response;
    - while the process drains, adds ``Connection: close`` so keep-alive clients move elsewhere;
    - enforces the body size limit (413) before the application parses anything;
    - records metrics and writes one JSON log line per request, with the authenticated user id
      that the auth dependency leaves in the scope under ``user_key`` (never the token).
    """

    def __init__(self, app, *, version: str, served_by: str, max_body_bytes: int, metrics: Metrics,
                 is_draining: Callable[[], bool], user_key: str = "app.user_id") -> None:
        self.app = app
        self.version = version.encode()
        self.served_by = served_by.encode()
        self.max_body = max_body_bytes
        self.metrics = metrics
        self.is_draining = is_draining
        self.user_key = user_key
        self.log = logging.getLogger("app.request")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        status_holder = {"status": 500, "sent": False}
        extra_headers = [
            (b"x-app-version", self.version),
            (b"x-served-by", self.served_by),
            (b"x-request-id", request_id.encode("latin-1", "replace")[:128]),
        ]

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["sent"] = True
                headers = list(message.get("headers", [])) + extra_headers
                if self.is_draining():
                    headers.append((b"connection", b"close"))
                message = {**message, "headers": headers}
            await send(message)

        self.metrics.in_flight.inc()
        try:
            body_limited = await self._limit_body(scope, receive, send_wrapper)
            if body_limited is not None:
                await self.app(scope, body_limited, send_wrapper)
        except Exception:
            if not status_holder["sent"]:
                await send_json(send_wrapper, 500, {"detail": "internal server error"})
            self.log.exception("unhandled error", extra={"fields": {"request_id": request_id}})
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            route_label = getattr(route, "path", None) or "unmatched"
            status = str(status_holder["status"])
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route_label, status).inc()
            self.metrics.latency.labels(method, route_label, status).observe(elapsed)
            self.log.info(
                "request",
                extra={"fields": {
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route_label,
                    "status": status_holder["status"],
                    "duration_ms": round(elapsed * 1000, 3),
                    "client": (scope.get("client") or ("", 0))[0],
                    "request_id": request_id,
                    "user_id": scope.get(self.user_key),
                }},
            )

    async def _limit_body(self, scope, receive, send):
        """Returns a receive callable for the app, or None when a 413 has already been sent."""
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return receive
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body:
                    await send_json(send, 413, _too_large(self.max_body))
                    return None
            except ValueError:
                await send_json(send, 400, {"detail": "invalid Content-Length header"})
                return None
        # Read the (small) body up front so a chunked upload cannot exceed the limit either.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return receive
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                await send_json(send, 413, _too_large(self.max_body))
                return None
            chunks.append(body)
            if not message.get("more_body", False):
                break
        payload = b"".join(chunks)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": payload, "more_body": False}
            return await receive()

        return replay


def _too_large(limit: int) -> dict[str, str]:
    return {"detail": f"request body is larger than the limit of {limit} bytes"}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


async def send_json(send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    """An ASGI answer with a JSON body, for middleware that answers without the application."""
    data = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                    *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items())],
    })
    await send({"type": "http.response.body", "body": data})
