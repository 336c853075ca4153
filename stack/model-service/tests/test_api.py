"""The OpenAI-compatible API in process: answer shapes, the round trip, streaming, errors, health, metrics."""

from __future__ import annotations

import json

from .test_grammar import TOOLS

MODEL = "labrun-stand-in"


def ask(client, messages, **extra):
    return client.post("/v1/chat/completions", json={"model": MODEL, "messages": messages, "tools": TOOLS, **extra})


def test_a_plain_request_becomes_a_tool_call_in_openai_shape(client):
    response = ask(client, [{"role": "user", "content": "remember to call mom"}])
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == MODEL and body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["index"] == 0
    message = choice["message"]
    assert message["role"] == "assistant" and message["content"] is None
    [call] = message["tool_calls"]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "add_task"
    assert json.loads(call["function"]["arguments"]) == {"title": "call mom"}
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_round_trip_tool_call_then_reply(client):
    messages = [{"role": "system", "content": "You manage the user's tasks."},
                {"role": "user", "content": "add buy milk"}]
    first = ask(client, messages).json()["choices"][0]["message"]
    call = first["tool_calls"][0]
    messages += [{"role": "assistant", "content": None, "tool_calls": first["tool_calls"]},
                 {"role": "tool", "tool_call_id": call["id"], "content": '{"task_id": 7, "status": "created", "title": "buy milk"}'}]
    second = ask(client, messages).json()["choices"][0]
    assert second["finish_reason"] == "stop"
    assert second["message"]["content"] == "Added task 7: buy milk."
    assert "tool_calls" not in second["message"]


def sse(response) -> list:
    events = [line[len("data: "):] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]", "a stream ends with [DONE]"
    return [json.loads(e) for e in events[:-1]]


def test_streamed_tool_call(client):
    response = ask(client, [{"role": "user", "content": "complete task 3"}], stream=True,
                   stream_options={"include_usage": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    chunks = sse(response)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    calls = [tc for d in deltas for tc in d.get("tool_calls", [])]
    assert calls[0]["function"]["name"] == "complete_task" and calls[0]["id"].startswith("call_")
    assert json.loads("".join(tc["function"]["arguments"] for tc in calls)) == {"task_id": 3}
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def test_streamed_text_reassembles_and_has_no_usage_unless_asked(client):
    chunks = sse(ask(client, [{"role": "user", "content": "hello"}], stream=True))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    plain = ask(client, [{"role": "user", "content": "hello"}]).json()["choices"][0]["message"]["content"]
    assert text == plain and "add buy milk" in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and "usage" not in chunks[-1]


def test_models_name_the_stand_in(client):
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [MODEL]
    assert "stand-in for the external model provider" in body["data"][0]["owned_by"]
    assert client.get(f"/v1/models/{MODEL}").json()["id"] == MODEL
    assert client.get("/v1/models/gpt-5").json()["error"]["code"] == "model_not_found"
    assert "stand-in" in client.get("/version").json()["role"]


def test_an_unknown_model_is_refused_like_a_provider_does(client):
    response = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "model_not_found" and "labrun-stand-in" in error["message"]


def test_a_malformed_body_is_a_400_in_openai_shape(client):
    response = client.post("/v1/chat/completions", json={"model": MODEL, "messages": [{"role": "robot", "content": "x"}]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "messages.0.role" in error["message"]
    assert client.post("/v1/chat/completions", json={"model": MODEL, "messages": []}).status_code == 400


def test_unused_openai_fields_are_accepted(client):
    response = ask(client, [{"role": "developer", "content": "x"}, {"role": "user", "content": "list my tasks"}],
                   temperature=0.2, top_p=1, parallel_tool_calls=False, store=True, metadata={"a": "b"},
                   tool_choice="auto", response_format={"type": "text"})
    assert response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "list_tasks"


def test_forcing_a_tool_it_cannot_fill_is_a_clear_400(client):
    response = ask(client, [{"role": "user", "content": "hello"}],
                   tool_choice={"type": "function", "function": {"name": "delete_task"}})
    assert response.status_code == 400 and response.json()["error"]["code"] == "unsupported_tool_choice"


def test_health_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    ask(client, [{"role": "user", "content": "delete task 4"}])
    ask(client, [{"role": "user", "content": "hello"}])
    text = client.get("/metrics").text
    assert 'model_tool_calls_total{tool="delete_task"} 1.0' in text
    assert 'model_requests_total{outcome="tool_calls",route="/v1/chat/completions"} 1.0' in text
    assert 'model_requests_total{outcome="help",route="/v1/chat/completions"} 1.0' in text
    assert 'model_fault_active{fault="hang"} 0.0' in text
    assert "model_request_duration_seconds_bucket" in text
    assert 'role="stand-in for the external model provider"' in text
