"""Phrasing the assistant's answer from a tool's result. Pure; no I/O.

Tool results arrive as text (role ``tool`` messages). The Phase-3 tools answer JSON: the task tools
``{"task_id", "status", "title"}``, ``list_tasks`` an array of ``{"id", "title", "completed"}`` (an object
holding it under ``tasks`` or ``items`` works too). Anything else — an error text, an object with
``error`` or ``detail`` — is reported to the user as a failure, quoting it.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from .grammar import ADD, COMPLETE, DELETE, LIST, UPDATE

_DONE_VERB = {ADD: "Added", COMPLETE: "Marked as done", DELETE: "Deleted", UPDATE: "Updated"}
_FAILED_ACTION = {ADD: "add that task", COMPLETE: "complete task {id}", DELETE: "delete task {id}",
                  UPDATE: "update task {id}", LIST: "list your tasks"}
_LIST_WORD = {"pending": "open ", "completed": "completed ", "all": ""}


def parse_result(text: str) -> Any:
    """The JSON a tool answered, or the text itself. The Agents SDK hands a plain function tool's dict
    or list to the model as ``str()`` of it, so a Python literal counts too (``ast.literal_eval``
    evaluates literals only). An MCP result of several text parts (one JSON value each) becomes their list."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    if text[:1] in ("{", "["):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass
    values = []
    for line in text.splitlines():
        try:
            values.append(json.loads(line))
        except ValueError:
            return text
    return values if values else text


def _error(result: Any) -> str | None:
    if isinstance(result, str):
        return result or "the tool answered nothing"
    if isinstance(result, dict):
        if result.get("isError") or result.get("is_error"):
            return str(result.get("content") or result.get("error") or "the tool failed")
        for key in ("error", "detail", "message"):
            if key in result and not _has_task_id(result):
                return str(result[key])
    return None


def _has_task_id(result: dict[str, Any]) -> bool:
    return "task_id" in result or "id" in result


def _tasks(result: Any) -> list[dict[str, Any]] | None:
    if isinstance(result, list):
        return [t for t in result if isinstance(t, dict)]
    if isinstance(result, dict):
        for key in ("tasks", "items", "result"):
            if isinstance(result.get(key), list):
                return [t for t in result[key] if isinstance(t, dict)]
    return None


def _line(task: dict[str, Any], show_done: bool) -> str:
    ident = task.get("id", task.get("task_id", "?"))
    done = " (done)" if show_done and task.get("completed") else ""
    return f"- {ident}: {task.get('title', '')}{done}"


def phrase(tool: str, arguments: dict[str, Any], output: str) -> str:
    """The sentence the assistant says after ``tool(arguments)`` answered ``output``."""
    result = parse_result(output)
    failure = _error(result)
    if tool == LIST and failure is None:
        tasks = _tasks(result)
        if tasks is not None:
            status = arguments.get("status", "all")
            word = _LIST_WORD.get(status, "")
            if not tasks:
                return f"You have no {word}tasks."
            noun = "task" if len(tasks) == 1 else "tasks"
            lines = "\n".join(_line(t, status == "all") for t in tasks)
            return f"You have {len(tasks)} {word}{noun}:\n{lines}"
        failure = f"unexpected answer {output.strip()[:200]!r}"
    if failure is None and isinstance(result, dict) and tool in _DONE_VERB:
        ident = result.get("task_id", result.get("id", arguments.get("task_id")))
        title = result.get("title", arguments.get("title", ""))
        verb = "Marked task {id} as done" if tool == COMPLETE else f"{_DONE_VERB[tool]} task {{id}}"
        return f"{verb.format(id=ident)}: {title}." if title else f"{verb.format(id=ident)}."
    if failure is None:
        failure = f"unexpected answer {output.strip()[:200]!r}"
    action = _FAILED_ACTION.get(tool, f"run {tool}").format(id=arguments.get("task_id", "?"))
    return f"Sorry, I couldn't {action}: {failure.strip()[:300]}"
