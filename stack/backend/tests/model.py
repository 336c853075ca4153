"""The lab's model service (stack/model-service), run as a real process: the chat's stand-in provider."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .pg import free_port
from .server import _die_with_parent

MODEL_SERVICE_DIR = Path(__file__).resolve().parents[2] / "model-service"
API_KEY = "sk-backend-test-key-5e1d"
CONTROL_TOKEN = "control-backend-test-4b7f"
MODEL = "labrun-stand-in"


class ModelService:
    """``python -m model_service`` on a free port, and its fault control."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "POD_NAME": "model-test",
               "MODEL_API_KEY": API_KEY, "MODEL_CONTROL_TOKEN": CONTROL_TOKEN, "MODEL_NAMES": MODEL}
        with log.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "model_service"], cwd=MODEL_SERVICE_DIR, env=env,
                                         stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"model service exited with {self.proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"model service did not answer /healthz within 20 s: {log.read_text()[-2000:]}")
            time.sleep(0.05)

    @property
    def base_url(self) -> str:
        """What the backend's MODEL_BASE_URL is set to."""
        return f"{self.url}/v1"

    def set_faults(self, **faults) -> None:
        """Replaces the faults in force (see stack/model-service/README.md, "Fault control")."""
        httpx.put(f"{self.url}/control/faults", json=faults,
                  headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}).raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.url}/control/faults", headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}
                     ).raise_for_status()

    def complete(self, text: str) -> int:
        """One chat completion straight to the service (counts as a request for the faults); its status."""
        return httpx.post(f"{self.base_url}/chat/completions", headers={"Authorization": f"Bearer {API_KEY}"},
                          json={"model": MODEL, "messages": [{"role": "user", "content": text}]}).status_code

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
