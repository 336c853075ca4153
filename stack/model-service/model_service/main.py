"""Builds the FastAPI application: the OpenAI-compatible /v1 API, fault control, health and metrics."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import chat
from .faults import Faults, FaultState
from .observability import ROLE, Metrics, RequestMiddleware
from .settings import Settings

log = logging.getLogger("model_service")


class OpenAIError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, type_: str, code: str | None, *, outcome: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code = status, message, type_, code
        self.outcome, self.headers = outcome, headers or {}

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": None, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


class ClientGone(Exception):
    """The client closed the connection while its request was held (hang fault)."""


# Injected errors look like a provider's: the type and code its SDKs know for each status.
_ERROR_KINDS = {400: ("invalid_request_error", None), 401: ("invalid_request_error", "invalid_api_key"),
                403: ("permission_error", None), 404: ("invalid_request_error", "model_not_found"),
                429: ("rate_limit_error", "rate_limit_exceeded"), 503: ("server_error", "service_unavailable")}


def _injected_error(status: int, why: str) -> OpenAIError:
    """An injected failure in the shape a provider gives ``status`` (``why`` names the fault's reason)."""
    type_, code = _ERROR_KINDS.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    headers = {"Retry-After": "1"} if status == 429 else None
    return OpenAIError(status, f"Injected failure ({why}) from the lab's model stand-in.", type_, code,
                       outcome="injected_error", headers=headers)


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def create_app(settings: Settings) -> FastAPI:
    faults = FaultState(settings.initial_faults)
    metrics = Metrics(settings.app_version, settings.served_by)
    models = [{"id": name, "object": "model", "created": 0, "owned_by": f"labrun ({ROLE})"}
              for name in settings.model_names]

    def show_faults() -> None:
        f = faults.faults
        metrics.show_faults(f.active(), f.latency_ms / 1000, f.error_rate)

    show_faults()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info(f"started: the lab's {ROLE}, not a real model", extra={"fields": {
            "port": settings.port, "models": list(settings.model_names), "api_key_required": bool(settings.api_key),
            "fault_control": bool(settings.control_token), "faults": faults.faults.model_dump()}})
        yield
        log.info("stopped")

    app = FastAPI(title=f"labrun model service ({ROLE})", version=settings.app_version, lifespan=lifespan,
                  docs_url="/docs", redoc_url=None)
    app.state.faults = faults
    app.add_middleware(RequestMiddleware, served_by=settings.served_by, metrics=metrics)

    @app.exception_handler(OpenAIError)
    async def openai_error(request: Request, error: OpenAIError) -> JSONResponse:
        request.scope["model_outcome"] = error.outcome
        return error.response()

    @app.exception_handler(ClientGone)
    async def client_gone(request: Request, _: ClientGone) -> Response:
        request.scope["model_outcome"] = "client_gone"
        return Response(status_code=499)  # nginx's "client closed request"; nobody reads it

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in error.errors())
        if request.url.path.startswith("/control"):
            request.scope["model_outcome"] = "invalid_request"
            detail = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in error.errors()]
            return JSONResponse({"detail": detail}, status_code=422)
        return await openai_error(request, OpenAIError(400, f"Invalid request: {problems}", "invalid_request_error",
                                                       None, outcome="invalid_request"))

    # ---- dependencies: the API key, then the faults (a real provider checks the key first) ------

    async def require_api_key(request: Request) -> None:
        if settings.api_key and not hmac.compare_digest(_bearer(request).encode(), settings.api_key.encode()):
            raise OpenAIError(401, "Incorrect API key provided. The lab's model stand-in expects the key in"
                                   " MODEL_API_KEY as 'Authorization: Bearer <key>'.", "invalid_request_error",
                              "invalid_api_key", outcome="unauthorized")

    async def inject_faults(request: Request) -> None:
        plan = faults.plan()
        if plan.delay_s or plan.hang or plan.rate_limited_for is not None or plan.error_status:
            request.scope["model_fault"] = [k for k, on in (("latency", plan.delay_s > 0), ("hang", plan.hang),
                                                            ("rate_limit", plan.rate_limited_for is not None),
                                                            ("error", bool(plan.error_status))) if on]
            for kind in request.scope["model_fault"]:
                metrics.injected.labels(kind).inc()
        if plan.delay_s:
            await asyncio.sleep(plan.delay_s)
        if plan.hang:
            await _hold(request)
        if plan.rate_limited_for is not None:
            wait = plan.rate_limited_for
            raise OpenAIError(429, f"Rate limit reached (injected by the lab's model stand-in). Please try again"
                                   f" in {wait:g}s.", "rate_limit_error", "rate_limit_exceeded", outcome="rate_limited",
                              headers={"Retry-After": str(math.ceil(wait)), "retry-after-ms": str(round(wait * 1000))})
        if plan.error_status:
            raise _injected_error(plan.error_status, f"request {plan.number} since the faults were set")

    async def _hold(request: Request) -> None:
        released = faults.released()
        metrics.hanging.inc()
        faults.hanging += 1
        try:
            while not released.is_set():
                try:
                    await asyncio.wait_for(released.wait(), timeout=0.25)
                except TimeoutError:
                    if await request.is_disconnected():
                        raise ClientGone() from None
        finally:
            metrics.hanging.dec()
            faults.hanging -= 1

    async def require_control_token(request: Request) -> None:
        if not settings.control_token:
            raise OpenAIError(403, "Fault control is off: start the model service with MODEL_CONTROL_TOKEN set.",
                              "permission_error", "control_disabled", outcome="unauthorized")
        if not hmac.compare_digest(_bearer(request).encode(), settings.control_token.encode()):
            raise OpenAIError(401, "Fault control needs 'Authorization: Bearer <MODEL_CONTROL_TOKEN>'.",
                              "invalid_request_error", "invalid_control_token", outcome="unauthorized")

    api = [Depends(require_api_key), Depends(inject_faults)]
    control = [Depends(require_control_token)]

    # ---- the OpenAI-compatible API -----------------------------------------------------------------

    @app.get("/v1/models", dependencies=api, tags=["openai"])
    async def list_models() -> dict[str, Any]:
        return {"object": "list", "data": models}

    @app.get("/v1/models/{model}", dependencies=api, tags=["openai"])
    async def get_model(model: str) -> dict[str, Any]:
        for entry in models:
            if entry["id"] == model:
                return entry
        raise _unknown_model(model)

    def _unknown_model(model: str) -> OpenAIError:
        return OpenAIError(404, f"The model '{model[:100]}' does not exist here; the lab's model stand-in serves"
                                f" {', '.join(settings.model_names)} (MODEL_NAMES).", "invalid_request_error",
                           "model_not_found", outcome="invalid_request")

    @app.post("/v1/chat/completions", dependencies=api, tags=["openai"])
    async def chat_completions(body: chat.ChatRequest, request: Request) -> Response:
        request.scope["model_model"] = body.model[:100]
        # The one fault that needs the body: a request that ends with a tool result fails (mid-turn).
        status = faults.after_tools(body.messages[-1].role == "tool")
        if status:
            request.scope["model_fault"] = [*request.scope.get("model_fault", []), "after_tools"]
            metrics.injected.labels("after_tools").inc()
            raise _injected_error(status, "after a tool result (fail_after_tools)")
        if body.model not in settings.model_names:
            raise _unknown_model(body.model)
        try:
            decision = chat.decide(body)
        except chat.UnsupportedToolChoice as error:
            raise OpenAIError(400, str(error), "invalid_request_error", "unsupported_tool_choice",
                              outcome="invalid_request") from None
        request.scope["model_outcome"] = decision.kind
        for call in decision.calls:
            metrics.tool_calls.labels(call.tool).inc()
        request.scope["model_tool"] = ",".join(c.tool for c in decision.calls)
        fingerprint = f"labrun-stand-in-{settings.app_version}"
        if not body.stream:
            return JSONResponse(chat.completion(body, decision, fingerprint))

        async def events():
            for chunk in chat.chunks(body, decision, fingerprint):
                yield f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # ---- fault control (the harness's, never the system under test's) --------------------------

    @app.get("/control/faults", dependencies=control, tags=["control"])
    async def get_faults() -> dict[str, Any]:
        return faults.describe()

    @app.put("/control/faults", dependencies=control, tags=["control"])
    async def put_faults(body: Faults) -> dict[str, Any]:
        faults.set(body)
        show_faults()
        log.warning("faults set", extra={"fields": {"faults": body.model_dump(), "active": body.active()}})
        return await get_faults()

    @app.delete("/control/faults", dependencies=control, tags=["control"])
    async def delete_faults() -> dict[str, Any]:
        faults.clear()
        show_faults()
        log.info("faults cleared")
        return await get_faults()

    # ---- health and metrics ------------------------------------------------------------------------

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Faults never touch it."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> dict[str, str]:
        """Readiness: nothing to wait for (no state, no dependency). Faults never touch it, so an
        injected outage keeps the pod in its Service, as a provider's outage keeps its address."""
        return {"status": "ready"}

    @app.get("/version", tags=["health"])
    async def version() -> dict[str, Any]:
        return {"version": settings.app_version, "served_by": settings.served_by, "role": ROLE,
                "models": list(settings.model_names)}

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app

