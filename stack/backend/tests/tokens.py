"""Tokens for the tests: the secret every test backend gets, and a way to mint any token with it."""

from __future__ import annotations

import time

import jwt

#: The JWT_SECRET of every backend the tests start (conftest.py puts it in the environment).
SECRET = "pytest-jwt-secret-0123456789abcdef-not-for-production-long-enough-for-hs512"
ISSUER = "todo-auth"
AUDIENCE = "todo-api"


def mint(sub: str = "alice", *, secret: str = SECRET, algorithm: str = "HS256", ttl: float = 300,
         drop: tuple[str, ...] = (), **claims) -> str:
    """A token for ``sub``, valid for ``ttl`` seconds unless ``claims`` override; ``drop`` leaves claims out."""
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + int(ttl), **claims}
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, secret if algorithm != "none" else None, algorithm=algorithm)


def bearer(sub: str = "alice", **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(sub, **kwargs)}"}


def tasks(user: str = "alice") -> str:
    """The path of a user's tasks."""
    return f"/api/{user}/tasks"
