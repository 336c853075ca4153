"""Fault control against the real process: latency, counted errors, 429 with Retry-After, hanging,
failures after a tool ran."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from model_service.faults import selected

from .conftest import CONTROL_TOKEN, MODEL, ROOT, start_server, stop_server

CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "list my tasks"}]}


def chat(server, timeout=10.0) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1/chat/completions", json=CHAT, headers=server.api, timeout=timeout)


def wait_for(condition, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


@pytest.mark.parametrize(("rate", "hits_in_100"), [(0.0, 0), (0.1, 10), (0.25, 25), (1 / 3, 34), (0.5, 50),
                                                   (0.7, 70), (1.0, 100)])
def test_selection_hits_exactly_ceil_n_times_rate_starting_with_the_first(rate, hits_in_100):
    hits = [n for n in range(1, 101) if selected(n, rate)]
    assert len(hits) == hits_in_100
    if rate:
        assert hits[0] == 1
    if rate == 0.5:
        assert hits == list(range(1, 101, 2))


def test_latency_is_added_to_v1_only(live):
    live.set_faults(latency_ms=400)
    start = time.monotonic()
    assert chat(live).status_code == 200
    assert time.monotonic() - start >= 0.4
    start = time.monotonic()
    assert httpx.get(f"{live.base_url}/healthz").status_code == 200
    assert time.monotonic() - start < 0.3
    assert live.metric('model_fault_active{fault="latency"}') == 1
    assert live.metric("model_fault_latency_seconds") == 0.4


def test_error_rate_fails_a_countable_share_in_openai_shape(live):
    live.set_faults(error_rate=0.5, error_status=503)
    before = live.metric('model_faults_injected_total{fault="error"}')
    statuses = [chat(live).status_code for _ in range(10)]
    assert statuses == [503, 200] * 5
    failed = chat(live)  # the 11th: hit again
    assert failed.json()["error"]["type"] == "server_error" and "Injected" in failed.json()["error"]["message"]
    state = live.faults()
    assert state["requests"] == 11 and state["injected"]["error"] == 6
    assert live.metric('model_faults_injected_total{fault="error"}') - before == 6
    live.clear_faults()
    assert chat(live).status_code == 200


def test_rate_limit_answers_429_with_retry_after(live):
    live.set_faults(rate_limit={"retry_after_s": 1.5})
    response = chat(live)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2" and response.headers["retry-after-ms"] == "1500"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert live.faults()["injected"]["rate_limit"] == 1


_CALL = {"id": "call_1", "type": "function", "function": {"name": "add_task", "arguments": '{"title": "milk"}'}}
AFTER_TOOL = {"model": MODEL, "messages": [
    {"role": "user", "content": "add a task to buy milk"},
    {"role": "assistant", "content": None, "tool_calls": [_CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"task_id": 7, "status": "created", "title": "milk"}'}]}


def test_fail_after_tools_fails_the_request_after_a_tool_result_only(live):
    live.set_faults(fail_after_tools=True, error_status=503)
    before = live.metric('model_faults_injected_total{fault="after_tools"}')
    assert live.metric('model_fault_active{fault="after_tools"}') == 1
    for _ in range(3):  # every such request, not a share of them
        assert chat(live).status_code == 200, "a request that starts a turn is unaffected"
        failed = httpx.post(f"{live.base_url}/v1/chat/completions", json=AFTER_TOOL, headers=live.api, timeout=10)
        assert failed.status_code == 503
        error = failed.json()["error"]
        assert error["type"] == "server_error" and "fail_after_tools" in error["message"]
    # A tool result earlier in the history, then a new user message: a new turn, unaffected.
    next_turn = {**AFTER_TOOL, "messages": [*AFTER_TOOL["messages"], {"role": "assistant", "content": "Added."},
                                            {"role": "user", "content": "list my tasks"}]}
    assert httpx.post(f"{live.base_url}/v1/chat/completions", json=next_turn, headers=live.api).status_code == 200
    state = live.faults()
    assert state["active"]["after_tools"] and state["requests"] == 7 and state["injected"]["after_tools"] == 3
    assert state["injected"]["error"] == 0
    assert live.metric('model_faults_injected_total{fault="after_tools"}') - before == 3
    live.clear_faults()
    assert live.metric('model_fault_active{fault="after_tools"}') == 0
    assert httpx.post(f"{live.base_url}/v1/chat/completions", json=AFTER_TOOL, headers=live.api).status_code == 200


def test_fail_after_tools_defaults_to_error_status_500(live):
    live.set_faults(fail_after_tools=True)
    assert httpx.post(f"{live.base_url}/v1/chat/completions", json=AFTER_TOOL, headers=live.api).status_code == 500
    assert chat(live).status_code == 200


def test_hang_holds_requests_until_the_fault_is_cleared(live):
    live.set_faults(hang=True)
    results: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: results.append(chat(live, timeout=30)))
    worker.start()
    wait_for(lambda: live.faults()["hanging"] == 1, "the request being held")
    time.sleep(0.5)
    assert not results, "a hanging request answered before the fault was cleared"
    assert live.metric("model_requests_hanging") == 1
    assert httpx.get(f"{live.base_url}/readyz").status_code == 200, "readiness is never held"
    released = time.monotonic()
    live.clear_faults()
    worker.join(timeout=5)
    assert results and results[0].status_code == 200
    assert time.monotonic() - released < 2
    assert live.faults()["hanging"] == 0


def test_a_hanging_request_whose_client_gives_up_is_let_go(live):
    live.set_faults(hang=True)
    before = live.metric('model_requests_total{outcome="client_gone",route="/v1/chat/completions"}')
    with pytest.raises(httpx.ReadTimeout):
        chat(live, timeout=0.5)
    wait_for(lambda: live.faults()["hanging"] == 0, "the stand-in noticing the closed connection")
    wait_for(lambda: live.metric('model_requests_total{outcome="client_gone",route="/v1/chat/completions"}')
             == before + 1, "the client_gone outcome being counted")


def test_sigterm_releases_hanging_requests_and_exits(tmp_path):
    server = start_server(tmp_path, MODEL_CONTROL_TOKEN=CONTROL_TOKEN)
    try:
        server.set_faults(hang=True)
        results: list[httpx.Response] = []
        worker = threading.Thread(target=lambda: results.append(chat(server, timeout=30)))
        worker.start()
        wait_for(lambda: server.faults()["hanging"] == 1, "the request being held")
        server.process.send_signal(signal.SIGTERM)
        worker.join(timeout=5)
        assert results and results[0].status_code == 200, "the held request was answered, not dropped"
        # uvicorn re-raises the signal once it has shut down cleanly, so the exit is "by SIGTERM".
        assert server.process.wait(timeout=10) in (0, -signal.SIGTERM)
        assert '"msg":"stopped"' in server.log.read_text(), "the shutdown was not orderly"
    finally:
        stop_server(server)


@pytest.mark.parametrize("body", [{"error_rate": 2}, {"error_status": 200}, {"latency_ms": -1}, {"hang": "yes"},
                                  {"fail_after_tools": 1},
                                  {"unknown": 1}, {"rate_limit": {"retry_after_s": 1, "burst": 2}}])
def test_bad_fault_settings_are_refused_and_change_nothing(live, body):
    live.set_faults(latency_ms=5)
    response = httpx.put(f"{live.base_url}/control/faults", json=body, headers=live.control)
    assert response.status_code == 422
    assert live.faults()["faults"]["latency_ms"] == 5


def test_faults_can_be_set_at_start_and_a_bad_setting_stops_the_process(tmp_path):
    server = start_server(tmp_path, MODEL_FAULTS='{"error_rate": 1, "error_status": 502}')
    try:
        assert httpx.post(f"{server.base_url}/v1/chat/completions", json=CHAT).status_code == 502
    finally:
        stop_server(server)
    bad = subprocess.run([sys.executable, "-m", "model_service"], cwd=ROOT, capture_output=True, text=True, check=False,
                         env={"PATH": "/usr/bin:/bin", "MODEL_FAULTS": '{"error_rate": 7}'}, timeout=30)
    assert bad.returncode == 2
    assert "MODEL_FAULTS" in bad.stderr and "error_rate" in bad.stderr
