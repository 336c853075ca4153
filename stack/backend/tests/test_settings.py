"""Configuration errors stop the process at start with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .server import BACKEND_DIR


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DB_POOL_MAX_SIZE": "lots"}, "DB_POOL_MAX_SIZE must be an integer"),
        ({"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "2"}, "must not exceed DB_POOL_MAX_SIZE"),
        ({"SHUTDOWN_DELAY_SECONDS": "30", "SHUTDOWN_DRAIN_SECONDS": "10"}, "must be less than SHUTDOWN_DRAIN_SECONDS"),
        ({"PORT": "0"}, "PORT must be at least 1"),
    ],
)
def test_bad_settings_exit_2(env, message):
    result = subprocess.run([sys.executable, "-m", "app"], cwd=BACKEND_DIR, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert message in result.stderr


def test_password_never_logged(postgres):
    from .server import BackendProcess

    secret = "s3cret-Pa55word"
    proc = BackendProcess(f"postgresql://todo:{secret}@127.0.0.1:{postgres.port}/todo")
    try:
        proc.wait_ready()
    finally:
        proc.stop()
    assert proc.lines and not any(secret in line for line in proc.lines)
