"""The chat's pure parts in process: effect keys, what a model error becomes, reading a run's tool calls."""

from __future__ import annotations

import httpx2
import openai
import pytest
from agents import MaxTurnsExceeded

from app.agent import _parse, failure
from app.mcp_tools import effect_key


def test_an_effect_key_is_the_same_call_in_the_same_turn():
    key = effect_key("turn-1", "add_task", {"title": "milk", "description": ""})
    assert key == effect_key("turn-1", "add_task", {"description": "", "title": "milk"})
    assert len({key,
                effect_key("turn-2", "add_task", {"title": "milk", "description": ""}),
                effect_key("turn-1", "add_task", {"title": "milk", "description": "2 l"}),
                effect_key("turn-1", "update_task", {"title": "milk", "description": ""})}) == 4


def _status_error(status: int, **headers: str) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers, request=httpx2.Request("POST", "http://model/v1/chat"))
    kind = {429: openai.RateLimitError, 401: openai.AuthenticationError}.get(status, openai.APIStatusError)
    return kind("Incorrect API key provided: sk-ab***cd", response=response, body=None)


@pytest.mark.parametrize("error, status, kind, retry_after", [
    (TimeoutError(), 504, "timeout", None),
    (_status_error(429, **{"retry-after": "2.5"}), 502, "rate_limited", 3),
    (_status_error(429, **{"retry-after": "86400"}), 502, "rate_limited", 60),
    (_status_error(429), 502, "rate_limited", 1),
    (_status_error(503), 502, "provider_error", 1),
    (_status_error(401), 502, "rejected", None),
    (MaxTurnsExceeded("too many turns"), 502, "bad_response", None),
])
def test_what_a_model_error_becomes(error, status, kind, retry_after):
    result = failure(error, 15)
    assert (result.status, result.kind, result.retry_after) == (status, kind, retry_after)
    assert "sk-" not in result.detail  # the provider's text is never passed on


def test_a_tool_result_is_the_json_inside_mcp_text_content():
    assert _parse('{"type": "text", "text": "{\\"task_id\\": 1}"}') == {"task_id": 1}
    assert _parse('{"title": "milk"}') == {"title": "milk"}
    assert _parse("Error executing tool delete_task: task 1 not found") == \
        "Error executing tool delete_task: task 1 not found"
