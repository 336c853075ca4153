"""JSON log lines and Prometheus metrics, in the backend's format (stack/backend/app/observability.py).

The log line format is the backend's, so one log pipeline reads both; the code is not shared
because stack/backend is its own image and package. Nothing here ever logs a key, a token or a
message's text: requests are logged by route, outcome, model and chosen tool.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

ROLE = "stand-in for the external model provider"


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields come from ``extra={"fields": {...}}``."""

    def __init__(self, static: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.static = static or {}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
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
    handler.setFormatter(JsonFormatter({"service": "model-service", "version": version, "served_by": served_by}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


disable_created_metrics()


class Metrics:
    """The model service's Prometheus metrics, in a registry of their own (tests make several)."""

    def __init__(self, version: str, served_by: str) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter("model_requests", "Requests by route template and outcome (tool_calls, reply,"
                                " help, injected_error, rate_limited, unauthorized, invalid_request, client_gone, ok).",
                                ["route", "outcome"], registry=r)
        self.latency = Histogram("model_request_duration_seconds", "Time to the end of the response body, by route"
                                 " and outcome (injected latency and hangs included).", ["route", "outcome"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
                                 registry=r)
        self.tool_calls = Counter("model_tool_calls", "Tool calls the stand-in chose, by tool name.", ["tool"],
                                  registry=r)
        self.in_flight = Gauge("model_requests_in_flight", "Requests being handled now.", registry=r)
        self.hanging = Gauge("model_requests_hanging", "Requests held open by the hang fault now.", registry=r)
        self.fault_active = Gauge("model_fault_active", "1 while a kind of fault is set (latency, error,"
                                  " rate_limit, hang, after_tools).", ["fault"], registry=r)
        self.fault_latency = Gauge("model_fault_latency_seconds", "Latency added to every /v1 answer.", registry=r)
        self.fault_error_rate = Gauge("model_fault_error_rate", "Share of /v1 requests failed on purpose.", registry=r)
        self.injected = Counter("model_faults_injected", "Requests a fault acted on, by kind.", ["fault"], registry=r)
        info = Gauge("model_service_info", f"Constant 1: the lab's {ROLE}.", ["version", "served_by", "role"],
                     registry=r)
        info.labels(version, served_by, ROLE).set(1)

    def show_faults(self, active: dict[str, bool], latency_s: float, error_rate: float) -> None:
        for kind, on in active.items():
            self.fault_active.labels(kind).set(1 if on else 0)
        self.fault_latency.set(latency_s)
        self.fault_error_rate.set(error_rate)


class RequestMiddleware:
    """Pure ASGI middleware: ``X-Served-By`` and ``X-Request-ID`` on every response, then metrics and one
    JSON log line per request. Handlers leave ``model_outcome`` (and ``model_tool``) in the scope."""

    def __init__(self, app, *, served_by: str, metrics: Metrics) -> None:
        self.app = app
        self.served_by = served_by.encode()
        self.metrics = metrics
        self.log = logging.getLogger("model_service.request")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"),
                          None) or uuid.uuid4().hex
        state = {"status": 500, "sent": False}
        headers = [(b"x-served-by", self.served_by), (b"x-request-id", request_id.encode("latin-1", "replace")[:128])]

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                state["status"], state["sent"] = message["status"], True
                message = {**message, "headers": list(message.get("headers", [])) + headers}
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if not state["sent"]:
                body = json.dumps({"error": {"message": "internal error in the model stand-in", "type": "server_error",
                                             "param": None, "code": None}}).encode()
                await send_wrapper({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"application/json")]})
                await send_wrapper({"type": "http.response.body", "body": body})
            self.log.exception("unhandled error", extra={"fields": {"request_id": request_id}})
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            outcome = scope.get("model_outcome") or ("ok" if state["status"] < 400 else f"http_{state['status']}")
            self.metrics.requests.labels(route, outcome).inc()
            self.metrics.latency.labels(route, outcome).observe(elapsed)
            fields = {"method": scope.get("method", ""), "path": scope.get("path", ""), "route": route,
                      "status": state["status"], "outcome": outcome, "duration_ms": round(elapsed * 1000, 3),
                      "request_id": request_id}
            for key in ("model", "tool", "fault"):
                if scope.get(f"model_{key}"):
                    fields[key] = scope[f"model_{key}"]
            self.log.info("request", extra={"fields": fields})
