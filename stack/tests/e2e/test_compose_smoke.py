"""The compose stack: a task written through nginx survives PostgreSQL being killed and restarted;
users' tokens are checked behind nginx too."""

from __future__ import annotations

import json
import subprocess
import uuid

import httpx

from .conftest import wait_for

USER = "smoke"
TASKS = f"/api/{USER}/tasks"


def test_write_read_through_nginx(stack):
    key = f"smoke-{uuid.uuid4()}"
    auth = stack.auth(USER)
    created = httpx.post(stack.frontend + TASKS, json={"title": "survive a restart"},
                         headers={"Idempotency-Key": key, **auth}, timeout=10)
    assert created.status_code == 201, created.text
    assert created.headers["X-App-Version"] == stack.version
    assert created.headers["X-Served-By"]
    task = created.json()
    replay = httpx.post(stack.frontend + TASKS, json={"title": "survive a restart"},
                        headers={"Idempotency-Key": key, **auth}, timeout=10)
    assert replay.status_code == 201 and replay.json()["id"] == task["id"]
    assert httpx.get(f"{stack.frontend}{TASKS}/{task['id']}", headers=auth, timeout=10).json() == task
    # The UI itself is served by nginx.
    page = httpx.get(stack.frontend + "/", timeout=10)
    assert page.status_code == 200 and "<title>Todo</title>" in page.text


def test_users_are_kept_apart_through_nginx(stack):
    task = httpx.post(stack.frontend + TASKS, json={"title": "mine"}, headers=stack.auth(USER), timeout=10).json()
    anonymous = httpx.get(stack.frontend + TASKS, timeout=10)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert httpx.get(stack.frontend + TASKS, headers=stack.auth("other"), timeout=10).status_code == 403
    other = httpx.get(f"{stack.frontend}/api/other/tasks/{task['id']}", headers=stack.auth("other"), timeout=10)
    assert other.status_code == 404
    # compose turns the lab's stand-in sign-in on; its token works like one signed with the secret.
    signed_in = httpx.post(stack.frontend + "/api/auth/lab-sign-in", json={"user_id": USER}, timeout=10)
    assert signed_in.status_code == 200, signed_in.text
    token = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    assert httpx.get(f"{stack.frontend}{TASKS}/{task['id']}", headers=token, timeout=10).json() == task


def test_task_survives_postgres_kill(stack):
    auth = stack.auth(USER)
    task = httpx.post(stack.frontend + TASKS, json={"title": "durable"}, headers=auth, timeout=10).json()
    postgres = stack.container("postgres")
    started_before = stack.docker("inspect", "-f", "{{.State.StartedAt}}", postgres)

    stack.docker("kill", postgres)
    stack.compose("start", "postgres")
    wait_for(lambda: stack.docker("inspect", "-f", "{{.State.Health.Status}}", postgres) == "healthy", 90,
             "PostgreSQL to be healthy again")
    assert stack.docker("inspect", "-f", "{{.State.StartedAt}}", postgres) != started_before
    # Same volume: the task is still there, read through nginx and the backend's (reconnected) pool.
    wait_for(lambda: httpx.get(f"{stack.frontend}{TASKS}/{task['id']}", headers=auth, timeout=5).status_code == 200,
             60, "the task to be readable again")
    assert httpx.get(f"{stack.frontend}{TASKS}/{task['id']}", headers=auth, timeout=5).json() == task
    again = httpx.post(stack.frontend + TASKS, json={"title": "after restart"}, headers=auth, timeout=10)
    assert again.status_code == 201
    assert httpx.get(stack.backend + "/readyz", timeout=5).json()["status"] == "ready"


def test_containers_are_hardened(stack):
    expected = {"backend": "10001", "frontend": "10101", "postgres": "999"}
    for service, uid in expected.items():
        container = stack.container(service)
        assert stack.docker("exec", container, "id", "-u") == uid, service
    for service in ("backend", "frontend"):
        container = stack.container(service)
        host_config = json.loads(stack.docker("inspect", "-f", "{{json .HostConfig}}", container))
        assert host_config["ReadonlyRootfs"] is True, service
        probe = subprocess_run(["docker", "exec", container, "sh", "-c", "touch /probe"])
        assert probe.returncode != 0, f"{service}: the root filesystem is writable"
        assert subprocess_run(["docker", "exec", container, "sh", "-c", "touch /tmp/probe"]).returncode == 0
    wait_for(lambda: all(
        stack.docker("inspect", "-f", "{{.State.Health.Status}}", stack.container(s)) == "healthy"
        for s in ("backend", "frontend", "postgres")), 60, "every container's HEALTHCHECK to pass")


def test_backend_endpoints_published_on_loopback(stack):
    assert httpx.get(stack.backend + "/healthz", timeout=5).json() == {"status": "ok"}
    assert httpx.get(stack.backend + "/version", timeout=5).json()["version"] == stack.version
    assert "http_requests_total" in httpx.get(stack.backend + "/metrics", timeout=5).text
    ports = stack.compose("port", "frontend", "8080").stdout.strip()
    assert ports.startswith("127.0.0.1:"), ports


def test_backend_stops_gracefully(stack):
    """Last in this file: stops the backend (SIGTERM) and starts it again."""
    backend = stack.container("backend")
    stack.compose("stop", "-t", "30", "backend", timeout=60)
    state = json.loads(stack.docker("inspect", "-f", "{{json .State}}", backend))
    assert state["ExitCode"] == 0, state
    logs = subprocess_run(["docker", "logs", "--tail", "20", backend]).stdout
    assert '"msg":"draining"' in logs and '"msg":"stopped"' in logs
    stack.compose("start", "backend")
    wait_for(lambda: httpx.get(stack.frontend + TASKS, headers=stack.auth(USER), timeout=2).status_code == 200, 60,
             "the backend to serve again")


def subprocess_run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)
