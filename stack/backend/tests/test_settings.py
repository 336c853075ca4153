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
        ({"MODEL_BASE_URL": "model-service:8000"}, "MODEL_BASE_URL must be an http:// or https:// URL"),
        ({"MODEL_TIMEOUT_SECONDS": "0.2"}, "MODEL_TIMEOUT_SECONDS must be at least 1.0"),
        ({"MODEL_MAX_RETRIES": "-1"}, "MODEL_MAX_RETRIES must be at least 0"),
        ({"MODEL_TIMEOUT_SECONDS": "nan"}, "MODEL_TIMEOUT_SECONDS must be a finite number"),
        ({"DB_POOL_TIMEOUT_SECONDS": "inf"}, "DB_POOL_TIMEOUT_SECONDS must be a finite number"),
        ({"DB_QUERY_TIMEOUT_SECONDS": "0"}, "DB_QUERY_TIMEOUT_SECONDS must be at least 0.1"),
        ({"DB_QUERY_TIMEOUT_SECONDS": "soon"}, "DB_QUERY_TIMEOUT_SECONDS must be a number"),
        ({"CHAT_MAX_CONCURRENT_TURNS": "0"}, "CHAT_MAX_CONCURRENT_TURNS must be at least 1"),
        ({"DB_SHED_COOLDOWN_SECONDS": "0"}, "DB_SHED_COOLDOWN_SECONDS must be at least 0.1"),
        ({"DB_SHED_COOLDOWN_SECONDS": "-2"}, "DB_SHED_COOLDOWN_SECONDS must be at least 0.1"),
        ({"DB_SHED_COOLDOWN_SECONDS": "inf"}, "DB_SHED_COOLDOWN_SECONDS must be a finite number"),
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


def test_model_settings_never_show_the_key(monkeypatch):
    from app.settings import Settings

    monkeypatch.setenv("MODEL_BASE_URL", "https://provider.example/v1/")
    monkeypatch.setenv("MODEL_API_KEY", "sk-very-secret-0042")
    settings = Settings.from_env()
    assert settings.model_base_url == "https://provider.example/v1"
    assert (settings.model_name, settings.model_timeout, settings.model_max_retries) == ("labrun-stand-in", 15.0, 1)
    assert "sk-very-secret" not in repr(settings)


def test_a_bad_model_url_is_not_echoed():
    result = subprocess.run([sys.executable, "-m", "app"], cwd=BACKEND_DIR, capture_output=True, text=True, timeout=30,
                            check=False,
                            env={**os.environ, "MODEL_BASE_URL": "ftp://user:hunter2@example/v1"})
    assert result.returncode == 2 and "hunter2" not in result.stderr


def test_the_database_deadline_defaults_to_5_s(monkeypatch):
    from app.settings import Settings

    monkeypatch.delenv("DB_QUERY_TIMEOUT_SECONDS", raising=False)
    assert Settings.from_env().db_query_timeout == 5.0
    monkeypatch.setenv("DB_QUERY_TIMEOUT_SECONDS", "2.5")
    assert Settings.from_env().db_query_timeout == 2.5


def test_the_shedding_cooldown_defaults_to_2_s(monkeypatch):
    from app.settings import Settings

    monkeypatch.delenv("DB_SHED_COOLDOWN_SECONDS", raising=False)
    assert Settings.from_env().db_shed_cooldown == 2.0
    monkeypatch.setenv("DB_SHED_COOLDOWN_SECONDS", "0.5")
    assert Settings.from_env().db_shed_cooldown == 0.5
