"""The Phase-3 agent's five task tools over an in-memory list, answering in the Phase-3 spec's shapes
(``{"task_id", "status", "title"}``; ``list_tasks`` an array of ``{"id", "title", "completed"}``).
The SDK tests offer them as plain function tools and as MCP tools, the way the backend will."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TaskStore:
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    calls: list[str] = field(default_factory=list)

    def add_task(self, title: str, description: str = "") -> dict[str, Any]:
        self.calls.append("add_task")
        task = {"id": self.next_id, "title": title, "description": description, "completed": False}
        self.tasks[self.next_id] = task
        self.next_id += 1
        return {"task_id": task["id"], "status": "created", "title": title}

    def list_tasks(self, status: str = "all") -> list[dict[str, Any]]:
        self.calls.append("list_tasks")
        keep = {"all": lambda t: True, "pending": lambda t: not t["completed"], "completed": lambda t: t["completed"]}
        if status not in keep:
            raise ValueError(f"status must be all, pending or completed, not {status!r}")
        return [{"id": t["id"], "title": t["title"], "completed": t["completed"]}
                for t in self.tasks.values() if keep[status](t)]

    def _task(self, task_id: int) -> dict[str, Any]:
        if task_id not in self.tasks:
            raise ValueError(f"task {task_id} not found")
        return self.tasks[task_id]

    def complete_task(self, task_id: int) -> dict[str, Any]:
        self.calls.append("complete_task")
        task = self._task(task_id)
        task["completed"] = True
        return {"task_id": task_id, "status": "completed", "title": task["title"]}

    def delete_task(self, task_id: int) -> dict[str, Any]:
        self.calls.append("delete_task")
        task = self.tasks.pop(self._task(task_id)["id"])
        return {"task_id": task_id, "status": "deleted", "title": task["title"]}

    def update_task(self, task_id: int, title: str | None = None, description: str | None = None) -> dict[str, Any]:
        self.calls.append("update_task")
        task = self._task(task_id)
        if title is not None:
            task["title"] = title
        if description is not None:
            task["description"] = description
        return {"task_id": task_id, "status": "updated", "title": task["title"]}
