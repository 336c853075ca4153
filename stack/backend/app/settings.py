"""Settings read once from the environment; see stack/backend/README.md for the full list."""

from __future__ import annotations

import math
import os
import re
import socket
from dataclasses import dataclass, field

from . import failpoints as _failpoints


class SettingsError(ValueError):
    """An environment variable holds a value the backend cannot use."""


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):  # "nan" and "inf" parse, and NaN passes every comparison below
        raise SettingsError(f"{name} must be a finite number, got {raw!r}")
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


#: A user id: the token's ``sub`` and the ``{user_id}`` of the API's paths.
USER_ID_PATTERN = r"^[A-Za-z0-9._@-]{1,64}$"
#: HS256 keys shorter than the hash's 32 bytes are guessable offline from one token (RFC 7518 §3.2).
MIN_JWT_SECRET_BYTES = 32


def _name(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"[\x21-\x7e]{1,200}", value):
        raise SettingsError(f"{name} must be 1 to 200 printable ASCII characters without spaces")
    return value


def _url(name: str) -> str:
    """An http(s) URL, or empty. The message never repeats the value: a URL may carry credentials."""
    value = os.environ.get(name, "").strip()
    if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise SettingsError(f"{name} must be an http:// or https:// URL (e.g. http://model-service:8000/v1)")
    return value.rstrip("/")


def _jwt_secret() -> str:
    # The messages name the variable and the length, never the value.
    secret = os.environ.get("JWT_SECRET", "")
    if not secret:
        raise SettingsError("JWT_SECRET is not set: the backend needs the shared secret that signs users' tokens"
                            f" (at least {MIN_JWT_SECRET_BYTES} bytes, e.g. from `openssl rand -hex 32`)")
    size = len(secret.encode())
    if size < MIN_JWT_SECRET_BYTES:
        raise SettingsError(f"JWT_SECRET is {size} bytes long; it must be at least {MIN_JWT_SECRET_BYTES}"
                            " (e.g. from `openssl rand -hex 32`)")
    return secret


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one backend process."""

    database_url: str
    """libpq connection string or URL; empty means libpq's PG* variables (PGHOST, PGUSER, ...)."""
    pool_min_size: int
    pool_max_size: int
    pool_timeout: float
    pool_reconnect_timeout: float
    """How long the pool retries a lost connection before giving up; the next request starts again at once.
    psycopg_pool doubles its wait between attempts until then: after a minute-long database outage an
    uncapped pool waited another minute before its next attempt (db-persistence-restart)."""
    db_query_timeout: float
    """Bound on a request's database work on a pooled connection, from its hand-over (the pool's check
    included): past it the connection is severed and the request answers 503 (app/database.py). A frozen
    server otherwise holds a statement in flight until it thaws."""
    db_shed_cooldown: float
    """After a database failure for want of an answer, how long API requests and chat turns that need the
    database are answered 503 at once instead of queueing for it; then they go through again (app/breaker.py)."""
    app_version: str
    served_by: str
    host: str
    port: int
    shutdown_delay: float
    shutdown_drain: float
    max_body_bytes: int
    log_level: str
    max_concurrent_requests: int
    """API requests handled at once; the others wait their turn (see app/admission.py)."""
    request_deadline: float
    """Bound on an API request's wait for admission, for a pooled connection and on its database work together,
    from its arrival (app/request_deadline.py); by default the pool's wait plus the database deadline."""
    jwt_secret: str = field(repr=False)
    """HS256 key shared with the app's auth service (Secret todo-auth); never logged or shown."""
    jwt_issuer: str
    jwt_audience: str
    jwt_leeway: float
    """Seconds of clock skew allowed when checking ``exp`` (and ``nbf``/``iat``)."""
    lab_sign_in: bool
    """POST /api/auth/lab-sign-in: a stand-in for the app's auth service, for the lab only (app/auth.py)."""
    lab_token_ttl: int
    model_base_url: str = ""
    """The OpenAI-compatible endpoint of the chat's model (``…/v1``); empty: the chat answers 503."""
    model_api_key: str = field(default="", repr=False)
    """Sent as the provider's bearer key; never logged or shown."""
    model_name: str = "labrun-stand-in"
    model_timeout: float = 15.0
    """Bound on a chat turn's whole agent run (every model call, retry and tool call)."""
    model_max_retries: int = 1
    chat_max_concurrent_turns: int = 8
    """Chat turns run at once per process; the others wait for a slot within MODEL_TIMEOUT_SECONDS."""
    failpoints: frozenset[str] = frozenset()
    """Deliberate mistakes for labrun's broken-stack fixtures (app/failpoints.py); empty in any real deployment."""

    @classmethod
    def from_env(cls) -> "Settings":
        pool_min = _int("DB_POOL_MIN_SIZE", 1)
        pool_max = _int("DB_POOL_MAX_SIZE", 10, minimum=1)
        if pool_min > pool_max:
            raise SettingsError(f"DB_POOL_MIN_SIZE ({pool_min}) must not exceed DB_POOL_MAX_SIZE ({pool_max})")
        # One pool connection stays free for /readyz whatever the API load.
        concurrent = _int("MAX_CONCURRENT_REQUESTS", max(1, pool_max - 1), minimum=1)
        pool_timeout = _float("DB_POOL_TIMEOUT_SECONDS", 5.0, minimum=0.1)
        query_timeout = _float("DB_QUERY_TIMEOUT_SECONDS", 5.0, minimum=0.1)
        delay = _float("SHUTDOWN_DELAY_SECONDS", 0.0)
        drain = _float("SHUTDOWN_DRAIN_SECONDS", 25.0, minimum=1.0)
        if delay >= drain:
            raise SettingsError(
                f"SHUTDOWN_DELAY_SECONDS ({delay}) must be less than SHUTDOWN_DRAIN_SECONDS ({drain})"
            )
        try:
            failpoints = _failpoints.parse(os.environ.get("FAILPOINTS", ""))
        except ValueError as error:
            raise SettingsError(f"FAILPOINTS: {error}") from None
        return cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            pool_min_size=pool_min,
            pool_max_size=pool_max,
            pool_timeout=pool_timeout,
            pool_reconnect_timeout=_float("DB_RECONNECT_TIMEOUT_SECONDS", 10.0, minimum=1.0),
            db_query_timeout=query_timeout,
            db_shed_cooldown=_float("DB_SHED_COOLDOWN_SECONDS", 2.0, minimum=0.1),
            app_version=os.environ.get("APP_VERSION", "").strip() or "dev",
            served_by=os.environ.get("POD_NAME", "").strip() or socket.gethostname(),
            host=os.environ.get("HOST", "0.0.0.0"),
            port=_int("PORT", 8000, minimum=1),
            shutdown_delay=delay,
            shutdown_drain=drain,
            max_body_bytes=_int("MAX_BODY_BYTES", 65536, minimum=1024),
            log_level=os.environ.get("LOG_LEVEL", "info").lower(),
            max_concurrent_requests=concurrent,
            request_deadline=_float("REQUEST_DEADLINE_SECONDS", pool_timeout + query_timeout, minimum=0.1),
            jwt_secret=_jwt_secret(),
            jwt_issuer=_name("JWT_ISSUER", "todo-auth"),
            jwt_audience=_name("JWT_AUDIENCE", "todo-api"),
            jwt_leeway=_float("JWT_LEEWAY_SECONDS", 10.0),
            lab_sign_in=_bool("LAB_SIGN_IN", False),
            lab_token_ttl=_int("LAB_TOKEN_TTL_SECONDS", 3600, minimum=60),
            model_base_url=_url("MODEL_BASE_URL"),
            model_api_key=os.environ.get("MODEL_API_KEY", "").strip(),
            model_name=_name("MODEL_NAME", "labrun-stand-in"),
            model_timeout=_float("MODEL_TIMEOUT_SECONDS", 15.0, minimum=1.0),
            model_max_retries=_int("MODEL_MAX_RETRIES", 1),
            chat_max_concurrent_turns=_int("CHAT_MAX_CONCURRENT_TURNS", 8, minimum=1),
            failpoints=failpoints,
        )
