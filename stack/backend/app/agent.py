"""The chat's agent: the OpenAI Agents SDK against any OpenAI-compatible endpoint, its tools over MCP.

Configuration only (``MODEL_BASE_URL``, ``MODEL_API_KEY``, ``MODEL_NAME``) decides which provider
answers: the lab's model service (a stand-in, stack/model-service) or a real one; the code path is the
same. Chat Completions API, tracing off (nothing is exported to any provider).

Failures of the model become ``ModelFailure`` with an HTTP status (502 or 504), a ``kind`` for the
metrics and a ``detail`` for the client. A provider's own error text is never passed on: it may quote
the key ("Incorrect API key provided: sk-ab…").
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
from agents import Agent, AgentsException, RunConfig, Runner, set_tracing_disabled
from agents.items import ToolCallItem, ToolCallOutputItem
from agents.mcp import MCPServerStreamableHttp
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel

from . import mcp_tools
from .settings import Settings

INSTRUCTIONS = (
    "You are the assistant of a todo app. You manage the signed-in user's tasks only through your tools:"
    " add_task, list_tasks, complete_task, delete_task, update_task. Answer briefly and say what you did."
)
#: Model calls per turn at most (a tool call and its reply take two).
MAX_AGENT_STEPS = 6
#: The longest Retry-After passed on from a rate-limited provider.
MAX_RETRY_AFTER_SECONDS = 60


#: When the running turn's agent run must end (time.monotonic()); the SDK's tasks inherit it.
_deadline: ContextVar[float | None] = ContextVar("chat_turn_deadline", default=None)


class _TurnBoundedClient(openai.AsyncOpenAI):
    """An AsyncOpenAI client that waits for a provider's Retry-After only when the retry still fits in the
    turn's time: otherwise it gives up at once, so the caller hears the provider's Retry-After (502) now
    instead of a 504 later. (``_should_retry`` is the client's own hook for this decision; the tests
    ``test_a_retry_after_*`` notice if a new openai version stops calling it.)"""

    def _should_retry(self, response) -> bool:
        deadline = _deadline.get()
        wait = self._parse_retry_after_header(response.headers)
        if deadline is not None and wait is not None and time.monotonic() + wait >= deadline:
            return False
        return super()._should_retry(response)


class ModelNotConfigured(Exception):
    """MODEL_BASE_URL is empty: the chat is off, the rest of the API is not."""


@dataclass
class ModelFailure(Exception):
    status: int
    kind: str
    detail: str
    retry_after: int | None = None

    def __str__(self) -> str:
        return self.detail


@dataclass
class TurnOutcome:
    response: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def _parse(value: Any) -> Any:
    """A tool's arguments or result as JSON when they are JSON text, else as they came. An MCP tool's output
    reaches the run as its content (``{"type": "text", "text": "<the JSON>"}``): the JSON inside is the result."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict) and value.get("type") == "text" and isinstance(value.get("text"), str):
        return _parse(value["text"])
    return value


def tool_calls(items: list[Any]) -> list[dict[str, Any]]:
    """``[{"name", "arguments", "result"}]`` in call order, from a run's new items."""
    calls: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, ToolCallItem):
            raw = item.raw_item
            call_id = getattr(raw, "call_id", None) or getattr(raw, "id", None) or str(len(calls))
            calls[call_id] = {"name": getattr(raw, "name", "?"), "arguments": _parse(getattr(raw, "arguments", "{}")),
                              "result": None}
        elif isinstance(item, ToolCallOutputItem):
            raw = item.raw_item
            call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
            if call_id in calls:
                calls[call_id]["result"] = _parse(item.output)
    return list(calls.values())


def _retry_after(error: openai.APIStatusError) -> int | None:
    raw = error.response.headers.get("retry-after") if error.response is not None else None
    try:
        return min(MAX_RETRY_AFTER_SECONDS, max(1, math.ceil(float(raw)))) if raw else None
    except ValueError:
        return None


def failure(error: BaseException, timeout: float) -> ModelFailure:
    """What a model error means for the client: 504 for time, 502 for the provider, never the provider's text."""
    if isinstance(error, (TimeoutError, openai.APITimeoutError)):
        return ModelFailure(504, "timeout", f"the model did not answer within {timeout:g} s; try again")
    if isinstance(error, openai.RateLimitError):
        after = _retry_after(error)
        return ModelFailure(502, "rate_limited", "the model provider is rate limiting this backend (HTTP 429); "
                            "try again later", retry_after=after or 1)
    if isinstance(error, openai.APIStatusError):
        if error.status_code >= 500:
            return ModelFailure(502, "provider_error", f"the model provider failed (HTTP {error.status_code});"
                                " try again", retry_after=1)
        return ModelFailure(502, "rejected", f"the model provider refused the request (HTTP {error.status_code});"
                            " check MODEL_BASE_URL, MODEL_NAME and MODEL_API_KEY")
    if isinstance(error, openai.APIConnectionError):
        return ModelFailure(502, "connection", "the model provider could not be reached; try again", retry_after=1)
    return ModelFailure(502, "bad_response", f"the model's answer could not be used ({type(error).__name__})")


class ChatAgent:
    """One per process: the provider's client (made and closed in the server's event loop) and the tools."""

    def __init__(self, settings: Settings, tools: mcp_tools.TaskTools) -> None:
        self.settings = settings
        self.tools = tools
        self._client: openai.AsyncOpenAI | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings.model_base_url)

    async def start(self) -> None:
        set_tracing_disabled(True)
        if self.configured:
            # An AsyncOpenAI client belongs to the event loop it first runs in: made here, closed in close().
            self._client = _TurnBoundedClient(
                base_url=self.settings.model_base_url,
                # A provider that wants no key still gets a placeholder: the client insists on one.
                api_key=self.settings.model_api_key or "unused",
                timeout=self.settings.model_timeout,
                max_retries=self.settings.model_max_retries,
            )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    def _mcp_client(self, user: str, turn_key: str | None) -> MCPServerStreamableHttp:
        headers = {mcp_tools.USER_HEADER: user}
        if turn_key is not None:
            headers[mcp_tools.TURN_HEADER] = turn_key
        transport = self.tools.transport()

        def http_client(headers=None, timeout=None, auth=None) -> httpx2.AsyncClient:
            return httpx2.AsyncClient(transport=transport, headers=headers, timeout=timeout, auth=auth)

        return MCPServerStreamableHttp(
            {"url": mcp_tools.URL, "headers": headers, "timeout": self.settings.model_timeout,
             "httpx_client_factory": http_client},
            cache_tools_list=False, client_session_timeout_seconds=self.settings.model_timeout,
            name="todo-tools",
        )

    async def run(self, user: str, turn_key: str | None, history: list[dict[str, str]], message: str,
                  deadline: float | None = None) -> TurnOutcome:
        """One turn: the history and the new message in, the reply and the tool calls out, within MODEL_TIMEOUT_SECONDS."""
        if self._client is None:
            raise ModelNotConfigured()
        model = OpenAIChatCompletionsModel(model=self.settings.model_name, openai_client=self._client)
        # The turn's deadline (the event loop's clock, which is time.monotonic()): MODEL_TIMEOUT_SECONDS from
        # now, or what the caller's turn has left of it after waiting for a slot.
        if deadline is None:
            deadline = asyncio.get_running_loop().time() + self.settings.model_timeout
        token = _deadline.set(deadline)
        try:
            async with asyncio.timeout_at(deadline):
                async with self._mcp_client(user, turn_key) as tools:
                    agent = Agent(name="todo", instructions=INSTRUCTIONS, model=model, mcp_servers=[tools])
                    result = await Runner.run(agent, [*history, {"role": "user", "content": message}],
                                              max_turns=MAX_AGENT_STEPS, run_config=RunConfig(tracing_disabled=True))
        except (TimeoutError, openai.OpenAIError, AgentsException) as error:
            raise failure(error, self.settings.model_timeout) from None
        finally:
            _deadline.reset(token)
        return TurnOutcome(response=str(result.final_output or ""), tool_calls=tool_calls(result.new_items))
