"""Two layers: the app in process (starlette's TestClient, fast) and the real server
(``python -m model_service`` on a free port, as the image runs it) for faults, logs and the SDKs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model_service.main import create_app
from model_service.settings import Settings

API_KEY = "sk-lab-test-key-7f3a"
CONTROL_TOKEN = "control-test-token-91c2"
MODEL = "labrun-stand-in"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_client():
    """``make_client(**settings)``: the app in process."""
    clients: list[TestClient] = []

    def make(**changes) -> TestClient:
        client = TestClient(create_app(Settings.for_tests(**changes)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``python -m model_service`` and the way to drive it."""

    base_url: str
    log: Path
    process: subprocess.Popen

    @property
    def api(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {API_KEY}"}

    @property
    def control(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {CONTROL_TOKEN}"}

    def set_faults(self, **faults) -> dict:
        response = httpx.put(f"{self.base_url}/control/faults", json=faults, headers=self.control)
        response.raise_for_status()
        return response.json()

    def faults(self) -> dict:
        return httpx.get(f"{self.base_url}/control/faults", headers=self.control).json()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.base_url}/control/faults", headers=self.control).raise_for_status()

    def metric(self, line_prefix: str) -> float:
        """The value of the first /metrics sample line starting with ``line_prefix`` (0 when absent)."""
        for line in httpx.get(f"{self.base_url}/metrics").text.splitlines():
            if line.startswith(line_prefix):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def start_server(tmp: Path, **env: str) -> Server:
    port = free_port()
    log = tmp / f"model-service-{port}.log"
    full_env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "POD_NAME": "model-test", **env}
    out = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "model_service"], cwd=ROOT, env=full_env,
                               stdout=out, stderr=subprocess.STDOUT)
    out.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"model service exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return Server(base, log, process)
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"model service did not answer /healthz within 20 s: {log.read_text()[-2000:]}")
        time.sleep(0.05)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """One real server for the session, with an API key and fault control; faults cleared per test."""
    srv = start_server(tmp_path_factory.mktemp("model"), MODEL_API_KEY=API_KEY, MODEL_CONTROL_TOKEN=CONTROL_TOKEN)
    yield srv
    stop_server(srv)


@pytest.fixture
def live(server: Server) -> Server:
    server.clear_faults()
    yield server
    server.clear_faults()
