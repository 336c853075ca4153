"""The OpenAPI document, built in process: it declares every answer a route can give, in the shapes the server
sends. (tests/test_openapi_fuzz.py holds a live backend to it with schemathesis; these pin what that found.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.main import create_app
from app.schemas import MAX_ID
from app.settings import Settings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(Settings.from_env()).openapi()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_route_of_a_user_declares_the_auth_and_database_errors(document):
    users = [(label, op) for label, op in operations(document) if " /api/{user_id}/" in label]
    assert len(users) == 10
    for label, operation in users:
        assert {"401", "403", "422", "503"} <= set(operation["responses"]), label
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], label
        assert "Retry-After" in operation["responses"]["503"]["headers"], label


def test_every_route_with_a_body_declares_an_unreadable_and_a_too_large_body(document):
    with_body = [(label, op) for label, op in operations(document) if "requestBody" in op]
    assert len(with_body) == 5  # lab sign-in, task create, patch, put, chat
    for label, operation in with_body:
        assert {"400", "413", "422"} <= set(operation["responses"]), label


def test_every_error_declares_its_json_body(document):
    for label, operation in operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                assert "application/json" in response.get("content", {}), f"{label} {status}"


def test_the_idempotency_key_declares_what_the_server_accepts(document):
    for label in ("POST /api/{user_id}/tasks", "POST /api/{user_id}/chat"):
        method, path = label.split(" ")
        [header] = [p for p in document["paths"][path][method.lower()]["parameters"] if p["in"] == "header"]
        assert header["schema"]["type"] == "string"  # a header is a string or absent, never null
        assert header["schema"]["pattern"] == r"^[\x21-\x7e]{1,200}$"


def test_a_patch_may_leave_fields_out_but_send_none_null(document):
    patch = document["components"]["schemas"]["TaskUpdate"]
    assert patch["minProperties"] == 1 and patch["additionalProperties"] is False
    for name, field in patch["properties"].items():
        assert "anyOf" not in field and "default" not in field, name
    assert patch["properties"]["completed"] == {"type": "boolean", "title": "Completed"}


def _bounds(node: Any) -> Iterator[float]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
                yield value
            else:
                yield from _bounds(value)
    elif isinstance(node, list):
        for value in node:
            yield from _bounds(value)


def test_every_numeric_bound_is_the_exact_integer_the_server_enforces(document):
    # FastAPI's models hold bounds as floats: 2**63 - 1 became 2**63 in the document, an id the server refuses.
    bounds = list(_bounds(document))
    assert MAX_ID in bounds
    for bound in bounds:
        assert bound == int(bound) and abs(bound) <= 2**53 - 1, bound
