"""The stand-in's small grammar: plain requests to the Phase-3 agent's tool calls. Pure; no I/O.

Each rule is a regular expression over the user's message (trimmed, without a leading "please" /
"can you" or trailing punctuation, case-insensitive) and the call it makes. Rules are tried in order;
the first match wins. The table in stack/model-service/README.md lists them with examples, and
tests/test_grammar.py checks every example there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ADD, LIST, COMPLETE, DELETE, UPDATE = "add_task", "list_tasks", "complete_task", "delete_task", "update_task"
TOOLS = (ADD, LIST, COMPLETE, DELETE, UPDATE)


@dataclass(frozen=True)
class Intent:
    """A tool call the stand-in wants to make."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


HELP = (
    "I'm the lab's stand-in for a language model and understand a few plain requests about your tasks: "
    '"add buy milk", "remember to call mom", "list my tasks", "list my open tasks", "what have I completed", '
    '"complete task 3", "mark 3 as done", "rename task 2 to call dad", "delete task 4".'
)

_ID = r"(?:task\s+|todo\s+)?(?:#|number\s+|no\.\s*)?(?P<id>\d{1,18})"
_DONE = r"(?:done|complete|completed|finished)"
_PENDING_WORDS = {"open", "pending", "remaining", "unfinished", "incomplete", "outstanding", "active", "todo",
                  "current"}
_COMPLETED_WORDS = {"done", "completed", "complete", "finished", "closed"}
_LIST_NOUN = r"(?:tasks?|todos?|to-dos?|items|list|todo\s+list|to-do\s+list)"
_LEAD = re.compile(r"^(?:(?:please|pls|hey|ok|okay)[,!]?\s+|(?:can|could|would)\s+you\s+(?:please\s+)?)+", re.IGNORECASE)
_TRAIL = re.compile(r"(?:[,\s]+(?:please|thanks|thank\s+you))?[\s.!?]*$", re.IGNORECASE)
_TO_MY_LIST = re.compile(r"\s+(?:to|on(?:to)?)\s+(?:my|the)\s+(?:todo\s+|to-do\s+|task\s+)?list$", re.IGNORECASE)
_WITH_DESCRIPTION = re.compile(r"\s+(?:with\s+(?:the\s+)?description|described\s+as)\s*:?\s+", re.IGNORECASE)


def _task_id(m: re.Match[str]) -> int:
    return int(m.group("id"))


def _title(raw: str) -> dict[str, Any]:
    """Title (and description after "with description"), quotes and "to my list" removed."""
    parts = _WITH_DESCRIPTION.split(raw, maxsplit=1)
    title = _TO_MY_LIST.sub("", parts[0]).strip().strip("\"'“”‘’").strip()
    result: dict[str, Any] = {"title": title}
    if len(parts) == 2 and parts[1].strip():
        result["description"] = parts[1].strip().strip("\"'“”‘’").strip()
    return result


def _status(word: str | None) -> str | None:
    if not word:
        return "all"
    word = word.lower()
    if word == "all":
        return "all"
    if word in _PENDING_WORDS:
        return "pending"
    if word in _COMPLETED_WORDS:
        return "completed"
    return None


def _list(m: re.Match[str]) -> Intent | None:
    status = _status(m.group("which"))
    return Intent(LIST, {"status": status}) if status else None


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], Intent | None]]


def _rule(pattern: str, make: Callable[[re.Match[str]], Intent | None]) -> Rule:
    return re.compile(f"^{pattern}$", re.IGNORECASE | re.DOTALL), make


RULES: list[Rule] = [
    # update: title, then description
    _rule(rf"(?:rename|retitle)\s+{_ID}\s+(?:to|as)\s+(?P<title>.+)",
          lambda m: Intent(UPDATE, {"task_id": _task_id(m), "title": _title(m.group("title"))["title"]})),
    _rule(rf"(?:change|update|edit|set)\s+(?:the\s+)?(?:title\s+of\s+)?{_ID}(?:'s)?(?:\s+title)?\s+to\s+(?P<title>.+)",
          lambda m: Intent(UPDATE, {"task_id": _task_id(m), "title": _title(m.group("title"))["title"]})),
    _rule(rf"(?:change|update|edit|set)\s+(?:the\s+)?description\s+of\s+{_ID}\s+to\s+(?P<d>.+)",
          lambda m: Intent(UPDATE, {"task_id": _task_id(m), "description": m.group("d").strip()})),
    _rule(rf"(?:change|update|edit|set)\s+{_ID}(?:'s)?\s+description\s+to\s+(?P<d>.+)",
          lambda m: Intent(UPDATE, {"task_id": _task_id(m), "description": m.group("d").strip()})),
    # complete
    _rule(rf"(?:complete|finish|check\s+off|tick\s+off|close)\s+{_ID}", lambda m: Intent(COMPLETE, {"task_id": _task_id(m)})),
    _rule(rf"mark\s+{_ID}\s+(?:as\s+)?{_DONE}", lambda m: Intent(COMPLETE, {"task_id": _task_id(m)})),
    _rule(rf"{_ID}\s+is\s+{_DONE}", lambda m: Intent(COMPLETE, {"task_id": _task_id(m)})),
    _rule(rf"(?:i\s+)?(?:finished|completed|did)\s+{_ID}", lambda m: Intent(COMPLETE, {"task_id": _task_id(m)})),
    _rule(rf"(?:i'm\s+|i\s+am\s+)?done\s+with\s+{_ID}", lambda m: Intent(COMPLETE, {"task_id": _task_id(m)})),
    # delete
    _rule(rf"(?:delete|remove|drop|cancel|get\s+rid\s+of)\s+{_ID}", lambda m: Intent(DELETE, {"task_id": _task_id(m)})),
    # list
    _rule(rf"(?:(?:list|show|display|give|get)(?:\s+me)?|what(?:'s|\s+is|\s+are)(?:\s+on)?)\s+(?:all\s+(?:of\s+)?)?"
          rf"(?:my\s+|the\s+)?(?:(?P<which>[\w-]+)\s+)?{_LIST_NOUN}", _list),
    _rule(r"my\s+(?:(?P<which>[\w-]+)\s+)?(?:tasks|todos|to-dos)", _list),
    _rule(rf"what\s+(?:have|did)\s+i\s+(?:already\s+)?{_DONE}(?:\s+so\s+far)?",
          lambda m: Intent(LIST, {"status": "completed"})),
    _rule(r"what(?:'s|\s+is)\s+(?:left|pending|still\s+open|open)(?:\s+to\s+do)?|what\s+do\s+i\s+(?:still\s+)?(?:have|need)\s+to\s+do",
          lambda m: Intent(LIST, {"status": "pending"})),
    # add (last: its patterns take any text)
    _rule(r"(?:add|create|new)\s+(?:a\s+)?(?:new\s+)?(?:(?:task|todo|to-do)\b\s*)?(?::\s*|to\s+|called\s+|named\s+)?(?P<t>.+)",
          lambda m: Intent(ADD, _title(m.group("t")))),
    _rule(r"(?:remember|remind\s+me)\s+to\s+(?P<t>.+)", lambda m: Intent(ADD, _title(m.group("t")))),
    _rule(r"i\s+(?:need|have|must|should)\s+(?:to\s+)?(?P<t>.+)", lambda m: Intent(ADD, _title(m.group("t")))),
]


def normalise(text: str) -> str:
    text = " ".join(text.split())
    text = _LEAD.sub("", text)
    return _TRAIL.sub("", text)


def understand(text: str) -> Intent | None:
    """The tool call a plain request asks for, or None when the grammar does not cover it."""
    text = normalise(text)
    for pattern, make in RULES:
        match = pattern.match(text)
        if match:
            intent = make(match)
            if intent is not None and intent.arguments.get("title", True):
                return intent
    return None
