"""The API key and the control token: each opens only its own door, and neither is ever logged."""

from __future__ import annotations

import pytest

from model_service.settings import Settings, SettingsError

from .conftest import API_KEY, CONTROL_TOKEN, MODEL

CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "list my tasks"}]}


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def locked(make_client):
    return make_client(api_key=API_KEY, control_token=CONTROL_TOKEN)


@pytest.mark.parametrize("headers", [{}, bearer("sk-wrong"), {"Authorization": API_KEY}, bearer(CONTROL_TOKEN)])
def test_v1_without_the_key_is_401_in_openai_shape(locked, headers):
    for response in (locked.post("/v1/chat/completions", json=CHAT, headers=headers),
                     locked.get("/v1/models", headers=headers)):
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error"
        assert set(error) == {"message", "type", "param", "code"}


def test_v1_with_the_key(locked):
    assert locked.post("/v1/chat/completions", json=CHAT, headers=bearer(API_KEY)).status_code == 200
    assert locked.get("/v1/models", headers=bearer(API_KEY)).status_code == 200


def test_no_key_configured_means_none_is_asked(client):
    assert client.post("/v1/chat/completions", json=CHAT).status_code == 200


def test_health_and_metrics_need_no_key(locked):
    for path in ("/healthz", "/readyz", "/metrics", "/version"):
        assert locked.get(path).status_code == 200, path


@pytest.mark.parametrize("headers", [{}, bearer("nope"), bearer(API_KEY)])
def test_control_needs_its_own_token(locked, headers):
    for method in ("GET", "PUT", "DELETE"):
        response = locked.request(method, "/control/faults", headers=headers, json={"hang": True})
        assert response.status_code == 401, method
        assert response.json()["error"]["code"] == "invalid_control_token"
    assert locked.get("/control/faults", headers=bearer(CONTROL_TOKEN)).json()["faults"]["hang"] is False


def test_control_is_off_without_a_token(client):
    response = client.put("/control/faults", json={"hang": True}, headers=bearer(""))
    assert response.status_code == 403 and "MODEL_CONTROL_TOKEN" in response.json()["error"]["message"]


def test_the_key_and_the_control_token_must_differ(monkeypatch):
    monkeypatch.setenv("MODEL_API_KEY", "same")
    monkeypatch.setenv("MODEL_CONTROL_TOKEN", "same")
    with pytest.raises(SettingsError, match="must differ"):
        Settings.from_env()


def test_neither_secret_reaches_the_logs(live):
    import httpx

    httpx.post(f"{live.base_url}/v1/chat/completions", json=CHAT, headers=live.api)
    httpx.post(f"{live.base_url}/v1/chat/completions", json=CHAT, headers=bearer("sk-wrong-" + API_KEY[::-1]))
    live.set_faults(latency_ms=1)
    httpx.get(f"{live.base_url}/control/faults", headers=bearer("bad"))
    log = live.log.read_text()
    assert '"msg":"request"' in log and "stand-in for the external model provider" in log
    for secret in (API_KEY, CONTROL_TOKEN, API_KEY[::-1], "list my tasks"):
        assert secret not in log
