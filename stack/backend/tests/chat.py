"""Helpers of the chat tests: a user's chat client on one replica, and reading the database's view."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from .tokens import bearer


def chat_path(user: str = "alice") -> str:
    return f"/api/{user}/chat"


def messages_path(user: str, conversation_id: int) -> str:
    return f"/api/{user}/conversations/{conversation_id}/messages"


class Chat:
    """A user talking to one backend; ``say`` answers the HTTP response."""

    def __init__(self, base_url: str, user: str = "alice", timeout: float = 20.0) -> None:
        self.user = user
        self.http = httpx.Client(base_url=base_url, timeout=timeout, headers=bearer(user))

    def say(self, message: str, conversation_id: int | None = None, key: str | None = None) -> httpx.Response:
        body: dict[str, object] = {"message": message}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        return self.http.post(chat_path(self.user), json=body, headers={"Idempotency-Key": key} if key else {})

    def messages(self, conversation_id: int) -> list[tuple[str, str]]:
        response = self.http.get(messages_path(self.user, conversation_id))
        response.raise_for_status()
        return [(m["role"], m["content"]) for m in response.json()["items"]]

    def close(self) -> None:
        self.http.close()


def turn_logs(proc) -> list[dict[str, Any]]:
    """The process's "chat turn" log lines."""
    lines = [json.loads(line) for line in proc.lines if line.startswith("{") and '"chat turn"' in line]
    return [line for line in lines if line.get("msg") == "chat turn"]


def metric(url: str, sample: str) -> float:
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def fail_the_second_model_call(model) -> None:
    """The model service's error share of 1/2 hits requests 1, 3, 5, … counted from now: one request
    straight to it takes the 1st, so the turn's first call (the tool call) passes and its second fails."""
    model.set_faults(error_rate=0.5, error_status=500)
    assert model.complete("hello") == 500
