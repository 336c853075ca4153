"""Builds the FastAPI application: lifespan (pool, migrations), health endpoints, metrics, errors."""

from __future__ import annotations

import asyncio
import logging
import platform
import re
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import psycopg
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from . import failpoints, migrations
from .admission import AdmissionMiddleware
from .agent import ChatAgent
from .auth import SCOPE_KEY, Tokens
from .auth import router as auth_router
from .breaker import DatabaseBreaker
from .chat import ChatService
from .chat import router as chat_router
from .database import Database, DatabaseTimeout, check_connection
from .mcp_tools import TaskTools
from .observability import Metrics, RequestMiddleware
from .settings import Settings
from .tasks import router as tasks_router

log = logging.getLogger("app")
_CHAT_PATH = re.compile(r"^/api/[^/]+/chat$")
#: The API routes that never touch the database: not shed while it fails (app/admission.py).
_NO_DATABASE = frozenset({"/api/auth/lab-sign-in"})
#: The methods a 405's Allow can name, in its order.
_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
#: /readyz's bound on its query (its wait for a connection is bounded by 2 s too): well inside the probe's 5 s.
READINESS_QUERY_TIMEOUT = 2.0
#: The ``detail`` of a write refused because the database's disk is full (nothing was written).
DISK_FULL_DETAIL = "the database is out of disk space, so nothing was written; try again later"


class Readiness(BaseModel):
    """/readyz's answer."""

    status: str = Field(description="ready, migrating, draining or database unavailable")
    schema_version: int | None = Field(None, description="The schema's migration version, when ready")
    error: str | None = Field(None, description="Why not ready: the error's type, never its text")


@dataclass
class Lifecycle:
    """What /readyz reports on: migrations done, and not shutting down."""

    migrated: bool = False
    draining: bool = False
    schema_version: int = 0
    last_error: str = ""
    tasks: list[asyncio.Task] = field(default_factory=list)


def create_app(settings: Settings, lifecycle: Lifecycle | None = None) -> FastAPI:
    lifecycle = lifecycle or Lifecycle()
    connect = {"autocommit": True, "connect_timeout": max(1, int(settings.pool_timeout))}
    if "pool-never-reconnects" in settings.failpoints:
        pool = failpoints.NeverReconnectingPool(settings.database_url, settings.pool_max_size,
                                                settings.pool_timeout, connect)
    elif "connection-per-request" in settings.failpoints:
        pool = failpoints.ConnectionPerRequest(settings.database_url, settings.pool_max_size,
                                               settings.pool_timeout, connect)
    else:
        pool = AsyncConnectionPool(
            settings.database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            timeout=settings.pool_timeout,
            # Bounds the attempts' exponential backoff (see Settings.pool_reconnect_timeout).
            reconnect_timeout=settings.pool_reconnect_timeout,
            kwargs=connect,
            # A connection broken by a database restart is found and replaced before it is handed out; one
            # whose server does not answer within the request's deadline too.
            check=check_connection,
            open=False,
            name="todo",
        )
    metrics = Metrics(settings.app_version, settings.served_by, pool.get_stats)
    # Every use of the database tells it whether the database answers; while it does not, requests that need it
    # are shed instead of queueing for it (app/breaker.py, app/admission.py).
    breaker = DatabaseBreaker(settings.db_shed_cooldown, shed_total=metrics.shed)
    # DB_QUERY_TIMEOUT_SECONDS on every use of the pool, its check included (app/database.py); failpoint
    # no-database-deadline waits on a frozen database as long as it is frozen.
    database = Database(pool, None if "no-database-deadline" in settings.failpoints else settings.db_query_timeout,
                        breaker, every_error_is_outage="breaker-counts-every-error" in settings.failpoints)

    async def migrate_until_done() -> None:
        delay = 0.5
        while True:
            try:
                applied = await migrations.migrate(settings.database_url, settings.pool_timeout)
                if "idempotency-key-not-unique" in settings.failpoints:
                    async with pool.connection() as conn:
                        await conn.execute("ALTER TABLE tasks DROP CONSTRAINT IF EXISTS "
                                           + failpoints.IDEMPOTENCY_CONSTRAINT)
                lifecycle.schema_version = migrations.latest_version()
                lifecycle.migrated = True
                lifecycle.last_error = ""
                log.info("schema ready", extra={"fields": {"schema_version": lifecycle.schema_version,
                                                           "applied": applied}})
                return
            except (psycopg.Error, OSError) as error:
                # The message names the failure, never the password (psycopg does not echo it).
                lifecycle.last_error = type(error).__name__
                log.warning("database not ready for migrations; retrying",
                            extra={"fields": {"error": str(error).strip()[:300], "retry_in_s": delay}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    tools = TaskTools(database, metrics.chat_tool_calls,
                      idempotent="chat-tools-not-idempotent" not in settings.failpoints)
    agent = ChatAgent(settings, tools)
    chat = ChatService(database, settings.database_url, agent, metrics,
                       max_concurrent=settings.chat_max_concurrent_turns,
                       history_in_memory="chat-history-in-memory" in settings.failpoints)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await pool.open(wait=False)
        stack = AsyncExitStack()
        await stack.enter_async_context(tools.lifespan())
        await agent.start()
        stack.push_async_callback(agent.close)
        lifecycle.tasks.append(asyncio.create_task(migrate_until_done()))
        log.info("started", extra={"fields": {"port": settings.port, "pool_max": settings.pool_max_size,
                                              "max_concurrent_requests": settings.max_concurrent_requests,
                                              "request_deadline_s": settings.request_deadline,
                                              "db_shed_cooldown_s": settings.db_shed_cooldown}})
        if agent.configured:
            # The endpoint's host only: a URL may carry credentials, the key is never shown.
            log.info("chat model configured", extra={"fields": {
                "model": settings.model_name, "model_host": re.sub(r"^https?://([^/@]*@)?([^/]*).*$", r"\2",
                                                                   settings.model_base_url),
                "model_timeout_s": settings.model_timeout, "model_max_retries": settings.model_max_retries}})
        else:
            log.warning("chat is off: MODEL_BASE_URL is empty, POST /api/{user_id}/chat answers 503")
        if settings.lab_sign_in:
            log.warning("lab sign-in is on: POST /api/auth/lab-sign-in gives anyone a token for any user id;"
                        " a stand-in for the app's auth service, for the lab only (LAB_SIGN_IN)",
                        extra={"fields": {"jwt_issuer": settings.jwt_issuer, "jwt_audience": settings.jwt_audience}})
        for name in sorted(settings.failpoints):
            log.warning("failpoint active: this backend is broken on purpose",
                        extra={"fields": {"failpoint": name, "mistake": failpoints.KNOWN[name]}})
        try:
            yield
        finally:
            for task in lifecycle.tasks:
                task.cancel()
            await stack.aclose()
            await pool.close(timeout=2.0)
            log.info("stopped")

    app = FastAPI(
        title="todo backend",
        version=settings.app_version,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.pool = pool
    app.state.database = database
    app.state.settings = settings
    app.state.lifecycle = lifecycle
    app.state.tokens = Tokens(settings)
    app.state.chat = chat

    # Inside RequestMiddleware (added later, so outermost): time spent waiting for admission counts
    # in the request's latency, log line and metrics.
    app.add_middleware(AdmissionMiddleware, limit=settings.max_concurrent_requests, queued=metrics.queued,
                       exempt=lambda path: _CHAT_PATH.match(path) is not None,
                       breaker=breaker, needs_database=lambda path: path not in _NO_DATABASE,
                       deadline=settings.request_deadline)
    app.add_middleware(
        RequestMiddleware,
        version=settings.app_version,
        served_by=settings.served_by,
        max_body_bytes=settings.max_body_bytes,
        metrics=metrics,
        is_draining=lambda: lifecycle.draining,
        user_key=SCOPE_KEY,
    )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        """FastAPI's own answer, except that a 405 lists in ``Allow`` the methods of every route of its path:
        Starlette names only the first route it tried (``Allow: GET`` for POST-able /api/{user_id}/tasks)."""
        if error.status_code == 405:
            # Each method is asked of the routes as Starlette's router asks (BaseRoute.matches), so included
            # routers count too.
            allowed = [method for method in _METHODS
                       if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
                              for route in request.app.router.routes)]
            error = StarletteHTTPException(405, error.detail, headers={**(error.headers or {}),
                                                                       "Allow": ", ".join(allowed)})
        return await http_exception_handler(request, error)

    @app.exception_handler(PoolTimeout)
    async def pool_timeout(_: Request, error: PoolTimeout) -> JSONResponse:
        log.warning("no database connection available", extra={"fields": {"error": str(error)[:200]}})
        return JSONResponse({"detail": "database unavailable, try again"}, status_code=503,
                            headers={"Retry-After": "1"})

    @app.exception_handler(DatabaseTimeout)
    async def database_timeout(_: Request, error: DatabaseTimeout) -> JSONResponse:
        # Its own message: the database may be frozen or overloaded rather than gone (app/database.py).
        log.warning("database did not answer in time", extra={"fields": {"error": str(error)}})
        return JSONResponse({"detail": f"the database did not answer within {error.seconds:g} s, try again"},
                            status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(psycopg.errors.DiskFull)
    async def database_disk_full(_: Request, error: psycopg.errors.DiskFull) -> JSONResponse:
        # The server is up and reads still work; this write was rolled back (not a breaker failure: app/breaker.py).
        log.warning("database disk full", extra={"fields": {"error": str(error).strip()[:300]}})
        return JSONResponse({"detail": DISK_FULL_DETAIL}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(psycopg.OperationalError)
    async def database_down(_: Request, error: psycopg.OperationalError) -> JSONResponse:
        log.warning("database error", extra={"fields": {"error": str(error).strip()[:300]}})
        return JSONResponse({"detail": "database unavailable, try again"}, status_code=503,
                            headers={"Retry-After": "1"})

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Never touches the database."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], response_model=Readiness,
             responses={503: {"model": Readiness, "description": "Not ready: migrating, draining, or no database"}})
    async def readyz() -> JSONResponse:
        """Readiness: not draining, migrations applied, database answers."""
        if lifecycle.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        if not lifecycle.migrated:
            return JSONResponse({"status": "migrating", "error": lifecycle.last_error}, status_code=503)
        try:
            # Both the wait and the query bounded: a frozen database fails the probe (5 s) in about 2 s.
            async with database.connection(timeout=2.0, query_timeout=READINESS_QUERY_TIMEOUT) as conn:
                await conn.execute("SELECT 1")
        except (PoolTimeout, psycopg.Error) as error:
            return JSONResponse({"status": "database unavailable", "error": type(error).__name__},
                                status_code=503)
        if "readiness-checks-model" in settings.failpoints and settings.model_base_url:
            error = await failpoints.model_unavailable(settings.model_base_url, settings.model_api_key,
                                                       settings.model_timeout)
            if error:
                return JSONResponse({"status": "model unavailable", "error": error}, status_code=503)
        return JSONResponse({"status": "ready", "schema_version": lifecycle.schema_version})

    @app.get("/version", tags=["health"])
    async def version() -> dict[str, object]:
        return {
            "version": settings.app_version,
            "served_by": settings.served_by,
            "schema_version": lifecycle.schema_version,
            "python": platform.python_version(),
            "failpoints": sorted(settings.failpoints),
        }

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(auth_router)
    app.include_router(tasks_router)
    app.include_router(chat_router)
    return app
