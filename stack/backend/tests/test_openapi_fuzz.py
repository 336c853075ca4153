"""schemathesis against a live backend: every operation of its OpenAPI document, with a token for the path's user.

The schema is the running backend's own ``/openapi.json``. The backend runs on the session's real PostgreSQL, with
the chat on the lab's model service (real processes, as in test_chat.py; no faults) and the lab sign-in on, so
every operation can reach its handler. Each generated request carries a valid token for the ``{user_id}`` of its
path (``PathUserToken``); schemathesis's ``ignored_auth`` check resends some without a token and with a bad one,
its negative cases break the header or the path, and every case of a user's route is sent again with another
user's token. Every built-in check runs: no 5xx at all (with the model service healthy even the chat's documented
502/503/504 would be a bug), every status code, header and body as the document declares, schema-valid requests
accepted and schema-violating ones refused. Then the stateful phase chains calls (a created task's id into GET,
PATCH, complete, DELETE; links schemathesis infers from the document), and the request log must show every
operation reaching its handler: the cases did not all bounce at 401, 403 or 422.

Bounded and deterministic for CI: a fixed seed, Hypothesis derandomized, no example database, ``MAX_EXAMPLES``
generated cases per operation in the fuzzing phase (the examples and coverage phases add their own boundary
cases), and ``CHAINS`` chains of at most ``CHAIN_STEPS`` calls.
"""

from __future__ import annotations

import json

import httpx
import hypothesis
import pytest
import schemathesis

from . import tokens
from .conftest import chat_env
from .server import BackendProcess

#: Generated cases per operation in the fuzzing phase.
MAX_EXAMPLES = 25
#: Chains of calls in the stateful phase, and calls per chain.
CHAINS, CHAIN_STEPS = 20, 6
SEED = 14  # issue 14


@pytest.fixture(scope="module")
def fuzzed_backend(postgres, model_service):
    """A chat-enabled backend with the lab sign-in on. The model timeout is the default's, so a turn slowed down by
    a busy machine is not taken for a 504."""
    proc = BackendProcess(postgres.dsn(), LAB_SIGN_IN="true", **chat_env(model_service, MODEL_TIMEOUT_SECONDS="15"))
    proc.wait_ready()
    yield proc
    proc.stop()


@pytest.fixture()
def api(fuzzed_backend, model, clean):
    """The backend's OpenAPI document as it serves it, with the settings a schemathesis.toml would hold."""
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "base-url": fuzzed_backend.url,
        "request-timeout": 30,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    })
    loaded = schemathesis.openapi.from_url(fuzzed_backend.url + "/openapi.json", config=config)
    loaded.auth(refresh_interval=None)(PathUserToken)
    return loaded


schema = schemathesis.pytest.from_fixture("api")


def _path_user(case: schemathesis.Case) -> str | None:
    user = (case.path_parameters or {}).get("user_id")
    return None if user is None else str(user)


class PathUserToken:
    """A valid token for the ``{user_id}`` of the case's path (none for the operations without one)."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str | None:
        user = _path_user(case)
        return None if user is None else tokens.mint(user)

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
def test_every_operation_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate()
    user = _path_user(case)
    if user is not None:
        intruder = "mallory" if user != "mallory" else "trent"
        response = case.call(headers={"Authorization": f"Bearer {tokens.mint(intruder)}"})
        assert response.status_code < 500, f"{case.operation.label} with {intruder}'s token: {response.status_code}"
        assert not 200 <= response.status_code < 300, f"{intruder} got {user}'s {case.operation.label}"


def test_sequences_of_calls_answer_as_documented(api):
    """Schemathesis's stateful phase: chains of calls where one answer feeds the next (a created task's id into
    GET, PATCH, complete, DELETE), so the handlers also see ids that exist."""
    api.as_state_machine().run(settings=hypothesis.settings(
        max_examples=CHAINS, stateful_step_count=CHAIN_STEPS, derandomize=True, database=None, deadline=None))


def test_the_fuzzing_reached_every_handler(fuzzed_backend):
    """After the tests above (pytest keeps a file's order), from the backend's request log: every operation got into
    its handler at least once (so the tokens worked), a chat turn
    went through the model service, and another user's token was refused with a 403."""
    logged = [json.loads(line) for line in fuzzed_backend.lines if line.startswith("{")]
    requests = [entry for entry in logged if entry.get("msg") == "request"]
    # Past the token and the validation into the handler: a 2xx, or the handler's own 404/409. (Requiring a 2xx
    # from every operation failed in the whole suite: the chains did not always complete an existing task.)
    succeeded = {(r["method"], r["route"]) for r in requests if r["status"] not in (401, 403, 405, 422)}
    document = httpx.get(fuzzed_backend.url + "/openapi.json").json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert operations - succeeded == set()
    assert any(entry.get("msg") == "chat turn" and entry["outcome"] == "ok" for entry in logged)
    assert any(r["user_id"] in ("mallory", "trent") and r["status"] == 403 for r in requests)
