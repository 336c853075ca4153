"""End-to-end check of the todo API through the frontend (nginx -> backend -> PostgreSQL).

Run by `helm test` (templates/tests/test-api.yaml) and by kubernetes/test/deploy.sh, inside the
cluster, with the backend image's Python: the standard library and PyJWT. Signs a token for a user
of its own with JWT_SECRET (Secret todo-auth; JWT_ISSUER and JWT_AUDIENCE as the backend has them),
as labrun does, then creates a task, reads it back, completes it and deletes it; prints one line
per step and exits 1 on the first failure, naming what was asked and what came back (never the
token).
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

import jwt

BASE = os.environ.get("TARGET_URL", "http://frontend:8080").rstrip("/")
TIMEOUT = float(os.environ.get("CHECK_TIMEOUT_SECONDS", "60"))
USER = f"api-check-{uuid.uuid4().hex[:8]}"
TASKS = f"/api/{USER}/tasks"


def token():
    now = int(time.time())
    claims = {"iss": os.environ.get("JWT_ISSUER", "todo-auth"), "aud": os.environ.get("JWT_AUDIENCE", "todo-api"),
              "sub": USER, "iat": now, "exp": now + 600}
    return jwt.encode(claims, os.environ["JWT_SECRET"], algorithm="HS256")


def call(method, path, body=None, headers=None, signed=True):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Accept", "application/json")
    if signed:
        req.add_header("Authorization", f"Bearer {token()}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return resp.status, dict(resp.headers), (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, dict(err.headers), raw.decode("utf-8", "replace")[:300]


def expect(step, got, want, detail=""):
    if got != want:
        print(f"FAIL {step}: expected {want!r}, got {got!r} {detail}".rstrip())
        sys.exit(1)
    print(f"ok   {step}")


def main():
    deadline = time.monotonic() + TIMEOUT
    while True:  # the stack may still be settling right after an install
        try:
            status, _, _ = call("GET", TASKS + "?limit=1")
            if status == 200:
                break
            last = f"status {status}"
        except OSError as err:
            last = str(err)
        if time.monotonic() > deadline:
            print(f"FAIL GET {BASE}{TASKS} never answered 200 within {TIMEOUT:.0f}s (last: {last})")
            sys.exit(1)
        time.sleep(2)
    print(f"ok   GET {BASE}{TASKS} answers 200 with a token signed with Secret todo-auth")
    status, _, _ = call("GET", TASKS, signed=False)
    expect("without a token: 401", status, 401)

    title = f"labrun check {uuid.uuid4().hex[:8]}"
    key = uuid.uuid4().hex
    status, headers, task = call("POST", TASKS, {"title": title}, {"Idempotency-Key": key})
    expect(f"POST {TASKS} creates a task", status, 201, str(task))
    lower = {k.lower(): v for k, v in headers.items()}
    expect("response names its version (X-App-Version)", bool(lower.get("x-app-version")), True)
    expect("response names its pod (X-Served-By)", bool(lower.get("x-served-by")), True)
    prefix = os.environ.get("EXPECT_SERVED_BY_PREFIX")
    if prefix:
        expect(f"X-Served-By is a backend pod's name ({lower.get('x-served-by')})",
               lower.get("x-served-by", "").startswith(prefix), True)
    task_id = task["id"]

    status, _, again = call("POST", TASKS, {"title": title}, {"Idempotency-Key": key})
    expect("repeating the POST with the same Idempotency-Key returns the same task",
           (status in (200, 201), isinstance(again, dict) and again.get("id")), (True, task_id), str(again))

    status, _, got = call("GET", f"{TASKS}/{task_id}")
    expect(f"GET {TASKS}/{task_id} reads it back", (status, got and got.get("title")), (200, title))
    status, _, _ = call("GET", f"/api/someone-else/tasks/{task_id}")
    expect("another user's path: 403", status, 403)

    status, _, done = call("POST", f"{TASKS}/{task_id}/complete")
    expect("POST .../complete marks it completed", (status, done and done.get("completed")), (200, True))

    status, _, _ = call("DELETE", f"{TASKS}/{task_id}")
    expect("DELETE removes it", status, 204)
    status, _, _ = call("GET", f"{TASKS}/{task_id}")
    expect("GET after DELETE answers 404", status, 404)
    print("api-check: all steps passed")


if __name__ == "__main__":
    main()
