"""The error answers the OpenAPI document declares, defined once and attached where they can happen.

FastAPI documents a route's success and its 422 by itself; everything else a route can answer comes from
code it cannot see (the auth dependency, the database's exception handlers in app/main.py, the body limit in
app/observability.py, Starlette's body parsing). These groups name those answers, so that the document lists
every status a route can give, with its body and headers, and ``tests/test_openapi_fuzz.py`` (schemathesis)
holds the backend to it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """Every error but a 422: one sentence a client can act on."""

    detail: str = Field(description="What went wrong; never a token, a key or a model provider's own text")


def error(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A documented error answer: a ``Problem`` body and the headers it carries (name → meaning)."""
    entry: dict[str, Any] = {"model": Problem, "description": description}
    if headers:
        entry["headers"] = {name: {"description": meaning, "schema": {"type": "string"}}
                            for name, meaning in headers.items()}
    return entry


RETRY_AFTER = "Seconds to wait before trying again"

#: Routes behind a user's bearer token (app/auth.py): every route under /api/{user_id}.
AUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: error("No bearer token, or one that is malformed, badly signed, expired, or for another issuer or"
               " audience; `detail` says which",
               {"WWW-Authenticate": '`Bearer`, with `error="invalid_token"` when a token was sent'}),
    403: error("A valid token, of another user than the path's `user_id`"),
}

#: Routes that use the database (app/main.py's handlers for a pool timeout, a lost connection and a deadline).
DATABASE: dict[int | str, dict[str, Any]] = {
    503: error("The database is unreachable or did not answer within DB_QUERY_TIMEOUT_SECONDS, or no pooled"
               " connection was free in time, or it has been failing so the request was shed at once"
               " (DB_SHED_COOLDOWN_SECONDS), or the request waited for a turn until REQUEST_DEADLINE_SECONDS passed,"
               " or the database's disk is full (a write refused, nothing written; Retry-After 5)",
               {"Retry-After": RETRY_AFTER}),
}

#: Routes that read a JSON body (app/observability.py's limit, then Starlette's parsing).
BODY: dict[int | str, dict[str, Any]] = {
    400: error("The body could not be read as text (it is not UTF-8)"),
    413: error("The body is larger than MAX_BODY_BYTES"),
}
