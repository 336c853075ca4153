"""Brings the compose stack up once for the end-to-end tests (project labrun-smoke) and always down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker" / "docker-compose.yml"
ARTIFACTS = Path(os.environ.get("LABRUN_ARTIFACTS", REPO / "artifacts" / "stack"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    project: str
    frontend: str
    backend: str
    version: str
    env: dict[str, str]

    def auth(self, user: str) -> dict[str, str]:
        """The Authorization header of ``user``: a token signed with the stack's JWT_SECRET, as labrun
        signs them from Secret todo-auth (the lab sign-in is for people, test_browser.py uses it)."""
        now = int(time.time())
        claims = {"iss": "todo-auth", "aud": "todo-api", "sub": user, "iat": now, "exp": now + 900}
        return {"Authorization": "Bearer " + jwt.encode(claims, self.env["JWT_SECRET"], algorithm="HS256")}

    def model_faults(self, faults: dict | None = None, *, clear: bool = False) -> dict:
        """The model service's fault control, on the loopback port compose gave it, with the control token
        only the harness holds: sets ``faults`` (or clears them with ``clear``), then answers what
        ``GET /control/faults`` shows (the faults in force and the requests counted since they were set)."""
        address = self.compose("port", "model-service", "8000").stdout.strip()
        url = f"http://{address}/control/faults"
        headers = {"Authorization": "Bearer " + self.env["MODEL_CONTROL_TOKEN"]}
        if clear:
            httpx.delete(url, headers=headers, timeout=5).raise_for_status()
        elif faults is not None:
            httpx.put(url, headers=headers, json=faults, timeout=5).raise_for_status()
        response = httpx.get(url, headers=headers, timeout=5)
        response.raise_for_status()
        return response.json()

    def compose(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        cmd = ["docker-compose", "-f", str(COMPOSE_FILE), "-p", self.project, *args]
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}{result.stderr}")
        return result

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def docker(self, *args: str) -> str:
        return subprocess.run(["docker", *args], check=True, capture_output=True, text=True, timeout=120).stdout.strip()


def wait_for(condition, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (httpx.HTTPError, subprocess.SubprocessError, AssertionError) as error:
            last = error
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last})" if last else ""))


def _interrupt(signum, _frame):
    # SIGTERM becomes KeyboardInterrupt, so the compose project is still taken down.
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _interrupt)


@pytest.fixture(scope="session")
def stack():
    tag = os.environ.get("LABRUN_TAG", "dev")
    frontend_port, backend_port = free_port(), free_port()
    env = {**os.environ, "LABRUN_TAG": tag, "FRONTEND_PORT": str(frontend_port), "BACKEND_PORT": str(backend_port),
           "POSTGRES_PASSWORD": os.urandom(12).hex(), "APP_DB_PASSWORD": os.urandom(12).hex(),
           "READER_DB_PASSWORD": os.urandom(12).hex(), "JWT_SECRET": os.urandom(32).hex(), "LAB_SIGN_IN": "true",
           "MODEL_API_KEY": os.urandom(12).hex(), "MODEL_CONTROL_TOKEN": os.urandom(12).hex()}
    s = Stack(project=os.environ.get("LABRUN_SMOKE_PROJECT", "labrun-smoke"),
              frontend=f"http://127.0.0.1:{frontend_port}", backend=f"http://127.0.0.1:{backend_port}",
              version=os.environ.get("LABRUN_APP_VERSION", tag), env=env)
    s.compose("down", "-v", "--remove-orphans", check=False)  # leftovers of an interrupted run
    try:
        s.compose("up", "-d")
        wait_for(lambda: httpx.get(s.frontend + "/api/smoke/tasks", headers=s.auth("smoke"), timeout=2).status_code
                 == 200, 120, "the stack to answer through nginx")
        yield s
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        logs = s.compose("logs", "--no-color", "--timestamps", check=False)
        (ARTIFACTS / "compose.log").write_text(logs.stdout + logs.stderr)
        s.compose("down", "-v", "--remove-orphans", "--timeout", "30", check=False)
