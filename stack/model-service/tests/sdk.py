"""The OpenAI Agents SDK configured as the backend will configure it: chat completions, an
``AsyncOpenAI`` client pointed at the model service, tracing off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from agents import (
    Agent,
    FunctionTool,
    function_tool,
    set_default_openai_api,
    set_default_openai_client,
    set_tracing_disabled,
)
from openai import AsyncOpenAI

from .conftest import API_KEY, MODEL
from .tasks import TaskStore

INSTRUCTIONS = "You manage the user's todo list, only through your tools. Answer briefly."


@asynccontextmanager
async def use_model_service(base_url: str, *, max_retries: int = 0, api_key: str = API_KEY,
                            timeout: float = 20) -> AsyncIterator[AsyncOpenAI]:
    """Points the SDK at the model service for one test; the client is closed in the test's own event
    loop (left to the garbage collector, it would close its connections on a later test's loop)."""
    client = AsyncOpenAI(base_url=f"{base_url}/v1", api_key=api_key, max_retries=max_retries, timeout=timeout)
    set_default_openai_client(client, use_for_tracing=False)
    set_default_openai_api("chat_completions")
    set_tracing_disabled(True)
    try:
        yield client
    finally:
        await client.close()


def function_tools(store: TaskStore) -> list[FunctionTool]:
    """The five Phase-3 tools as plain function tools over ``store``."""

    @function_tool
    def add_task(title: str, description: str = "") -> dict[str, Any]:
        """Add a task to the user's list."""
        return store.add_task(title, description)

    @function_tool
    def list_tasks(status: str = "all") -> list[dict[str, Any]]:
        """List the user's tasks; status is all, pending or completed."""
        return store.list_tasks(status)

    @function_tool
    def complete_task(task_id: int) -> dict[str, Any]:
        """Mark a task as completed."""
        return store.complete_task(task_id)

    @function_tool
    def delete_task(task_id: int) -> dict[str, Any]:
        """Delete a task."""
        return store.delete_task(task_id)

    @function_tool
    def update_task(task_id: int, title: str | None = None, description: str | None = None) -> dict[str, Any]:
        """Change a task's title or description."""
        return store.update_task(task_id, title, description)

    return [add_task, list_tasks, complete_task, delete_task, update_task]


def task_agent(**extra: Any) -> Agent:
    return Agent(name="todo", instructions=INSTRUCTIONS, model=MODEL, **extra)
