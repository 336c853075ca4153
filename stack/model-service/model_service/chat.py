"""The Chat Completions protocol (the part the OpenAI Agents SDK uses) and the stand-in's decisions.

``decide`` is pure: from the messages, the offered tools and ``tool_choice`` it returns either tool
calls or a text. It looks at the last user message only, so the first turn of a conversation and a
later one (history replayed by a stateless backend) are the same to it:
- tool results after the last user message answer it: phrase them (``replies.phrase``);
- otherwise parse the last user message (``grammar.understand``) and call the tool it asks for,
  when that tool is offered and ``tool_choice`` allows a call;
- otherwise answer with what the stand-in understands.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import grammar, replies


class FunctionDef(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolDef(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["function"] = "function"
    function: FunctionDef


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions``. Fields the stand-in has no use for (temperature, top_p,
    parallel_tool_calls, store, metadata, …) are accepted and ignored, as the SDK sends them."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    tools: list[ToolDef] | None = None
    tool_choice: str | dict[str, Any] | None = None
    stream: bool | None = False
    stream_options: dict[str, Any] | None = None


def text_of(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text: the string, or its text parts joined by newlines."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(part.get("text", "")) for part in content if part.get("type") in ("text", "input_text"))


@dataclass
class Decision:
    """What the stand-in answers: tool calls, or a text."""

    kind: Literal["tool_calls", "reply", "help"]
    calls: list[grammar.Intent] = field(default_factory=list)
    content: str = ""


class UnsupportedToolChoice(ValueError):
    """``tool_choice`` names a tool whose arguments the stand-in cannot fill from the request."""


def _arguments(intent: grammar.Intent, tool: ToolDef, system: str) -> dict[str, Any]:
    """The intent's arguments that the offered tool declares (all of them when it declares none);
    ``user_id`` is filled from a ``user_id: X`` line of the system message when the tool asks for it."""
    properties = (tool.function.parameters or {}).get("properties")
    args = dict(intent.arguments)
    if isinstance(properties, dict) and properties:
        args = {k: v for k, v in args.items() if k in properties}
        if "user_id" in properties:
            for line in system.splitlines():
                key, sep, value = line.partition(":")
                if sep and key.strip().lower().replace(" ", "_") == "user_id" and value.strip():
                    args["user_id"] = value.strip()
    return args


def _forced(tool_choice: str | dict[str, Any] | None) -> str | None:
    """``tool_choice``: "none" / "auto" / "required", or the name of the one tool it forces."""
    if isinstance(tool_choice, dict):
        return (tool_choice.get("function") or {}).get("name") or "required"
    return tool_choice


def decide(request: ChatRequest) -> Decision:
    messages = request.messages
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last_user is None:
        return Decision("help", content=grammar.HELP)
    system = "\n".join(text_of(m.content) for m in messages if m.role in ("system", "developer"))

    # Tool results after the last user message: the calls made for it have answered.
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    answers: list[str] = []
    for message in messages[last_user + 1:]:
        for call in message.tool_calls or []:
            function = call.get("function") or {}
            try:
                args = json.loads(function.get("arguments") or "{}")
            except ValueError:
                args = {}
            calls[str(call.get("id"))] = (str(function.get("name", "")), args if isinstance(args, dict) else {})
        if message.role == "tool":
            name, args = calls.get(str(message.tool_call_id), ("", {}))
            answers.append(replies.phrase(name, args, text_of(message.content)))
    if answers:
        return Decision("reply", content="\n".join(answers))

    offered = {t.function.name: t for t in request.tools or []}
    choice = _forced(request.tool_choice)
    intent = grammar.understand(text_of(messages[last_user].content))
    if choice not in (None, "auto", "none", "required") and (intent is None or intent.tool != choice):
        if choice == grammar.LIST and choice in offered:
            intent = grammar.Intent(grammar.LIST, {"status": "all"})
        else:
            raise UnsupportedToolChoice(f"tool_choice forces {choice!r}, but the stand-in cannot fill its arguments"
                                        " from the last user message (see its grammar)")
    if intent is None and choice == "required" and grammar.LIST in offered:
        # A call is demanded and nothing was understood: the harmless one, a read.
        intent = grammar.Intent(grammar.LIST, {"status": "all"})
    if intent is None:
        return Decision("help", content=grammar.HELP)
    if intent.tool not in offered:
        return Decision("help", content=f"I would use the {intent.tool} tool for that, but it was not offered to me.")
    if choice == "none":
        return Decision("help", content=f"I would use the {intent.tool} tool for that, but tool_choice is none.")
    return Decision("tool_calls", calls=[grammar.Intent(intent.tool, _arguments(intent, offered[intent.tool], system))])


# ---------------------------------------------------------------------------------------------
# Answers


def _tokens(text: str) -> int:
    """A deterministic stand-in for token counting: about four characters a token."""
    return max(1, (len(text) + 3) // 4)


def usage(request: ChatRequest, decision: Decision) -> dict[str, int]:
    prompt = sum(_tokens(text_of(m.content)) for m in request.messages)
    completion = _tokens(decision.content) if decision.content else sum(
        _tokens(json.dumps(c.arguments)) for c in decision.calls)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _tool_call(intent: grammar.Intent) -> dict[str, Any]:
    return {
        "id": f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": intent.tool, "arguments": json.dumps(intent.arguments)},
    }


def _finish(decision: Decision) -> str:
    return "tool_calls" if decision.calls else "stop"


def completion(request: ChatRequest, decision: Decision, fingerprint: str) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": decision.content or None, "refusal": None}
    if decision.calls:
        message["tool_calls"] = [_tool_call(c) for c in decision.calls]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "system_fingerprint": fingerprint,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(decision)}],
        "usage": usage(request, decision),
    }


def chunks(request: ChatRequest, decision: Decision, fingerprint: str) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed answer: the role, the text a few words at a
    time or each tool call (name, then arguments), the finish reason, and the usage when
    ``stream_options.include_usage`` asks for it."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": request.model, "system_fingerprint": fingerprint}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    if decision.content:
        words = decision.content.split(" ")
        for i in range(0, len(words), 4):
            piece = " ".join(words[i:i + 4])
            yield chunk({"content": piece if i == 0 else " " + piece})
    for index, call in enumerate(decision.calls):
        full = _tool_call(call)
        yield chunk({"tool_calls": [{"index": index, "id": full["id"], "type": "function",
                                     "function": {"name": call.tool, "arguments": ""}}]})
        yield chunk({"tool_calls": [{"index": index, "function": {"arguments": full["function"]["arguments"]}}]})
    yield chunk({}, _finish(decision))
    if (request.stream_options or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": usage(request, decision)}
