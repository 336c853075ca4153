"""Users and tokens: 401 for a missing or bad token, 403 for another user's path, isolation of
every query by user, the lab's stand-in sign-in, and a backend that refuses a weak secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from app.auth import TokenError, Tokens
from app.settings import Settings, SettingsError

from .server import BACKEND_DIR, BackendProcess
from .test_migrations import wait_for
from .tokens import SECRET, bearer, mint, tasks


def _unauthorized(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert detail in response.json()["detail"], response.json()


@pytest.mark.parametrize(
    "headers, detail",
    [
        ({}, "missing bearer token"),
        ({"Authorization": "Basic YWxpY2U6cGFzcw=="}, "missing bearer token"),
        ({"Authorization": "Bearer not-a-jwt"}, "token is malformed"),
        (bearer(secret="another-secret-that-is-long-enough-0123456789"), "token signature does not verify"),
        (bearer(ttl=-3600), "token expired"),
        (bearer(iss="someone-else"), "token issuer is not todo-auth"),
        (bearer(aud="another-api"), "token audience is not todo-api"),
        (bearer(drop=("exp",)), "token has no exp claim"),
        (bearer(drop=("sub",)), "token has no sub claim"),
        (bearer(algorithm="none"), "token algorithm is not HS256"),
        (bearer(algorithm="HS512"), "token algorithm is not HS256"),
        (bearer("alice/../bob"), "token subject is not a user id"),
    ],
    ids=["none", "basic", "garbage", "bad-signature", "expired", "wrong-iss", "wrong-aud", "no-exp", "no-sub",
         "alg-none", "alg-hs512", "bad-sub"],
)
def test_requests_without_a_valid_token_get_401(backend, clean, headers, detail):
    with httpx.Client(base_url=backend.url, timeout=10.0, headers=headers) as c:
        for response in (c.get(tasks()), c.post(tasks(), json={"title": "t"}), c.get(tasks() + "/1"),
                         c.delete(tasks() + "/1")):
            _unauthorized(response, detail)
            assert response.headers["X-Served-By"]  # still says who answered
            token = headers.get("Authorization", "").removeprefix("Bearer ")
            if token:
                assert token not in response.text


def test_the_token_is_never_logged(backend, clean):
    good, bad = mint("alice"), mint("alice", aud="another-api")
    httpx.get(backend.url + tasks(), headers={"Authorization": f"Bearer {good}", "X-Request-ID": "tok-log-1"})
    httpx.get(backend.url + tasks(), headers={"Authorization": f"Bearer {bad}", "X-Request-ID": "tok-log-2"})
    wait_for(lambda: len([line for line in backend.lines if "tok-log-" in line]) == 2, what="both log lines")
    entries = {json.loads(line)["request_id"]: json.loads(line) for line in backend.lines if "tok-log-" in line}
    assert entries["tok-log-1"]["user_id"] == "alice" and entries["tok-log-1"]["status"] == 200
    assert entries["tok-log-2"]["user_id"] is None and entries["tok-log-2"]["status"] == 401
    assert not any(good in line or bad in line or SECRET in line for line in backend.lines)


def test_leeway_accepts_a_token_just_expired(client_for):
    alice = client_for("alice")
    assert alice.get(tasks(), headers=bearer(ttl=-3)).status_code == 200  # within JWT_LEEWAY_SECONDS (10)
    assert alice.get(tasks(), headers=bearer(ttl=-30)).status_code == 401


def test_another_users_path_is_403(client_for):
    alice = client_for("alice")
    bob = client_for("bob")
    task = bob.post(tasks("bob"), json={"title": "bob's"}).json()
    for response in (alice.get(tasks("bob")), alice.post(tasks("bob"), json={"title": "planted"}),
                     alice.get(f"{tasks('bob')}/{task['id']}"), alice.delete(f"{tasks('bob')}/{task['id']}"),
                     alice.post(f"{tasks('bob')}/{task['id']}/complete")):
        assert response.status_code == 403, response.text
        assert "another user" in response.json()["detail"]
    assert bob.get(f"{tasks('bob')}/{task['id']}").json() == task


def test_another_users_task_id_is_404_under_ones_own_path(client_for, db):
    alice, bob = client_for("alice"), client_for("bob")
    task = bob.post(tasks("bob"), json={"title": "bob's"}).json()
    path = f"{tasks('alice')}/{task['id']}"
    assert alice.get(path).status_code == 404
    assert alice.patch(path, json={"title": "mine now"}).status_code == 404
    assert alice.put(path, json={"title": "mine now"}).status_code == 404
    assert alice.post(path + "/complete").status_code == 404
    assert alice.delete(path).status_code == 404
    assert db.execute("SELECT user_id, title, completed FROM tasks WHERE id = %s", (task["id"],)).fetchone() == (
        "bob", "bob's", False)


def test_each_user_lists_only_their_own_tasks(client_for):
    alice, bob = client_for("alice"), client_for("bob")
    mine = [alice.post(tasks("alice"), json={"title": f"a{i}"}).json()["id"] for i in range(3)]
    theirs = [bob.post(tasks("bob"), json={"title": f"b{i}"}).json()["id"] for i in range(2)]
    alice.post(f"{tasks('alice')}/{mine[0]}/complete")
    page = alice.get(tasks("alice")).json()
    assert [t["id"] for t in page["items"]] == mine and page["total"] == 3
    assert {t["user_id"] for t in page["items"]} == {"alice"}
    assert alice.get(tasks("alice"), params={"completed": "true"}).json()["total"] == 1
    assert [t["id"] for t in bob.get(tasks("bob")).json()["items"]] == theirs
    assert client_for("carol").get(tasks("carol")).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_idempotency_keys_are_per_user(client_for, db):
    alice, bob = client_for("alice"), client_for("bob")
    key = {"Idempotency-Key": "same-key"}
    a = alice.post(tasks("alice"), json={"title": "alice's"}, headers=key)
    b = bob.post(tasks("bob"), json={"title": "bob's"}, headers=key)
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b.headers and a.json()["id"] != b.json()["id"]
    # A retry finds its own user's task, never the other user's.
    again = bob.post(tasks("bob"), json={"title": "bob's"}, headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == b.json()
    assert sorted(db.execute("SELECT user_id FROM tasks WHERE idempotency_key = 'same-key'").fetchall()) == [
        ("alice",), ("bob",)]


def test_openapi_declares_bearer_auth_and_health_stays_open(backend):
    with httpx.Client(base_url=backend.url, timeout=10.0) as anonymous:
        for path in ("/healthz", "/readyz", "/version", "/metrics", "/docs", "/openapi.json"):
            assert anonymous.get(path).status_code == 200, path
        document = anonymous.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
        "description": "HS256 JWT from the app's auth service: sub = user id, with exp, iss and aud"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") == [{"bearer": []}]
            assert secured == path.startswith("/api/{user_id}/"), (method, path)


# ---------------------------------------------------------------------------------------------
# The lab's stand-in sign-in


def test_lab_sign_in_is_off_by_default(backend):
    response = httpx.post(backend.url + "/api/auth/lab-sign-in", json={"user_id": "alice"}, timeout=5)
    assert response.status_code == 404
    assert "lab sign-in is off" in response.json()["detail"]
    assert not any("lab sign-in is on" in line for line in backend.lines)


def test_lab_sign_in_when_on_gives_a_token_that_works(postgres):
    proc = BackendProcess(postgres.create_database("lab_sign_in"), LAB_SIGN_IN="true", LAB_TOKEN_TTL_SECONDS="600")
    try:
        proc.wait_ready()
        assert any('"lab sign-in is on' in line and '"level":"warning"' in line for line in proc.lines)
        signed_in = httpx.post(proc.url + "/api/auth/lab-sign-in", json={"user_id": "dora@example.org"}, timeout=5)
        assert signed_in.status_code == 200, signed_in.text
        body = signed_in.json()
        assert set(body) == {"token", "token_type", "expires_in", "user_id"}
        assert (body["token_type"], body["expires_in"], body["user_id"]) == ("bearer", 600, "dora@example.org")
        # The same secret, issuer and audience as the app's auth service would use.
        assert Tokens(_settings()).verify(body["token"]) == "dora@example.org"
        auth = {"Authorization": f"Bearer {body['token']}"}
        created = httpx.post(proc.url + tasks("dora@example.org"), json={"title": "lab"}, headers=auth, timeout=5)
        assert created.status_code == 201 and created.json()["user_id"] == "dora@example.org"
        assert httpx.get(proc.url + tasks("alice"), headers=auth, timeout=5).status_code == 403
        for bad in ({"user_id": ""}, {"user_id": "a b"}, {"user_id": "x" * 65}, {}, {"user_id": "a", "admin": True}):
            assert httpx.post(proc.url + "/api/auth/lab-sign-in", json=bad, timeout=5).status_code == 422, bad
    finally:
        proc.stop()
    assert not any(body["token"] in line for line in proc.lines)


def _settings() -> Settings:
    return Settings.from_env()


# ---------------------------------------------------------------------------------------------
# Configuration


@pytest.mark.parametrize("secret, message", [
    (None, "JWT_SECRET is not set"),
    ("", "JWT_SECRET is not set"),
    ("short-secret-31-bytes-long-xxxx", "JWT_SECRET is 31 bytes long; it must be at least 32"),
])
def test_backend_refuses_to_start_without_a_strong_secret(secret, message):
    env = {k: v for k, v in os.environ.items() if k != "JWT_SECRET"}
    if secret is not None:
        env["JWT_SECRET"] = secret
    result = subprocess.run([sys.executable, "-m", "app"], cwd=BACKEND_DIR, env=env, capture_output=True, text=True,
                            check=False, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    if secret:
        assert secret not in result.stderr + result.stdout


@pytest.mark.parametrize("env, message", [
    ({"LAB_SIGN_IN": "maybe"}, "LAB_SIGN_IN must be true or false"),
    ({"JWT_ISSUER": "has space"}, "JWT_ISSUER must be 1 to 200 printable ASCII characters"),
    ({"JWT_LEEWAY_SECONDS": "-1"}, "JWT_LEEWAY_SECONDS must be at least 0"),
])
def test_bad_auth_settings(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        Settings.from_env()


def test_the_secret_is_not_in_the_settings_repr(monkeypatch):
    assert SECRET not in repr(Settings.from_env())
    assert SECRET not in repr(Tokens(Settings.from_env()))


def test_issuer_and_audience_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("JWT_ISSUER", "https://auth.example.org")
    monkeypatch.setenv("JWT_AUDIENCE", "todo")
    verifier = Tokens(Settings.from_env())
    assert verifier.verify(mint("alice", iss="https://auth.example.org", aud="todo")) == "alice"
    with pytest.raises(TokenError, match="token issuer is not https://auth.example.org"):
        verifier.verify(mint("alice", aud="todo"))
