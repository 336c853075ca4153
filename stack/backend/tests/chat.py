"""Helpers of the chat tests: a user's chat client on one replica, and reading the database's view."""

from __future__ import annotations

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
