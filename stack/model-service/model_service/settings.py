"""Settings read once from the environment; see stack/model-service/README.md for the full list."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass

from pydantic import ValidationError

from .faults import Faults


class SettingsError(ValueError):
    """An environment variable holds a value the model service cannot use."""


def _int(name: str, default: int, minimum: int = 0, maximum: int = 2**31) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def _faults(name: str) -> Faults:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return Faults()
    try:
        return Faults.model_validate(json.loads(raw))
    except json.JSONDecodeError as error:
        raise SettingsError(f"{name} must be a JSON object like the body of PUT /control/faults: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
        raise SettingsError(f"{name}: {problems}") from None


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one model-service process."""

    api_key: str
    """Bearer key the /v1 API asks for (MODEL_API_KEY); empty: no key needed. Never logged."""
    control_token: str
    """Bearer token of /control (MODEL_CONTROL_TOKEN); empty: fault control is off. Never logged."""
    model_names: tuple[str, ...]
    initial_faults: Faults
    app_version: str
    served_by: str
    host: str
    port: int
    log_level: str
    shutdown_grace: int

    @classmethod
    def from_env(cls) -> Settings:
        names = tuple(n.strip() for n in os.environ.get("MODEL_NAMES", "labrun-stand-in").split(",") if n.strip())
        if not names:
            raise SettingsError("MODEL_NAMES must name at least one model")
        api_key = os.environ.get("MODEL_API_KEY", "")
        control_token = os.environ.get("MODEL_CONTROL_TOKEN", "")
        if control_token and control_token == api_key:
            # The key is handed to the system under test; the control token belongs to the harness only.
            raise SettingsError("MODEL_CONTROL_TOKEN must differ from MODEL_API_KEY")
        return cls(
            api_key=api_key,
            control_token=control_token,
            model_names=names,
            initial_faults=_faults("MODEL_FAULTS"),
            app_version=os.environ.get("APP_VERSION", "").strip() or "dev",
            served_by=os.environ.get("POD_NAME", "").strip() or socket.gethostname(),
            host=os.environ.get("HOST", "0.0.0.0"),
            port=_int("PORT", 8000, minimum=1, maximum=65535),
            log_level=os.environ.get("LOG_LEVEL", "info").lower(),
            shutdown_grace=_int("SHUTDOWN_GRACE_SECONDS", 5, minimum=0, maximum=300),
        )

    @classmethod
    def for_tests(cls, **changes: object) -> Settings:
        """Defaults without reading the environment (the in-process test layer)."""
        base = {
            "api_key": "", "control_token": "", "model_names": ("labrun-stand-in",), "initial_faults": Faults(),
            "app_version": "test", "served_by": "test", "host": "127.0.0.1", "port": 0, "log_level": "info",
            "shutdown_grace": 1,
        }
        return cls(**{**base, **changes})
