"""The chat agent's task tools: an MCP server (official MCP SDK, stateless streamable HTTP) inside the backend.

The server is an ASGI app that is **not mounted** on the backend's HTTP app and listens on no port: the
agent's MCP client reaches it through an in-process transport (``transport()``, httpx2's ASGITransport).
So the tools are not on the network at all, share the backend's connection pool and transaction
discipline, and need no Deployment of their own.

**Who the user is** never comes from the model: the backend opens the agent's MCP client per turn with
the header ``X-Todo-User`` (the token's user) and, for a keyed turn, ``X-Todo-Turn-Key`` (the turn's
Idempotency-Key). The tools read both from the request; the model only chooses the tool and its
arguments. Only the backend's own code can set these headers, since nothing else can reach the app.

**Exactly once.** In a keyed turn each writing tool call is keyed by sha256(turn key, tool, canonical
arguments): the tool inserts that key into ``chat_tool_effects`` and makes its change in one
transaction, and a repeat of the call (the turn retried after a client timeout, a killed pod, a model
error) finds the key and answers the stored result without changing anything. ``add_task`` also stores
the key in ``tasks.idempotency_key`` (``chat:`` + key), so the task table's unique constraint guards it
too. Failpoint ``chat-tools-not-idempotent`` drops the key (app/failpoints.py).

A failure the model should hear about ("task 9 not found") is a ``ToolError``, whose text MCP passes on;
MCP hides the text of any other exception.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import httpx2
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from prometheus_client import Counter
from psycopg import AsyncCursor
from psycopg.rows import dict_row
from pydantic import Field

from .schemas import MAX_ID, Description, Title
from .settings import USER_ID_PATTERN

USER_HEADER = "X-Todo-User"
TURN_HEADER = "X-Todo-Turn-Key"
#: The host name the in-process transport uses; the server accepts no other (DNS-rebinding check).
HOST = "todo-tools.in-process"
URL = f"http://{HOST}/mcp"
WRITING_TOOLS = ("add_task", "complete_task", "delete_task", "update_task")
LIST_LIMIT = 100

TaskId = Annotated[int, Field(ge=1, le=MAX_ID, description="The task's id")]

Effect = Callable[[AsyncCursor, str, str | None], Awaitable[dict[str, Any]]]


def effect_key(turn_key: str, tool: str, arguments: dict[str, Any]) -> str:
    """The key of one writing tool call in one turn: the same call in a retry of the turn has the same key."""
    canonical = json.dumps([turn_key, tool, arguments], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _caller(ctx: Context) -> tuple[str, str | None]:
    """The user and turn key the backend put on the MCP request; never an argument the model chose."""
    headers = ctx.headers or {}
    user = headers.get(USER_HEADER.lower()) or ""
    if not re.fullmatch(USER_ID_PATTERN, user):
        raise ToolError("no user: the tools answer only the backend's chat turns")
    return user, headers.get(TURN_HEADER.lower()) or None


class TaskTools:
    """Builds the MCP server over the backend's pool (app/database.py's ``Database``: each use bounded).
    ``idempotent=False`` is failpoint chat-tools-not-idempotent."""

    def __init__(self, pool, calls: Counter, *, idempotent: bool = True) -> None:
        self.pool = pool
        self.calls = calls
        self.idempotent = idempotent
        self.server = self._build()
        self.app = self.server.streamable_http_app(
            stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(allowed_hosts=[HOST], allowed_origins=[]),
        )

    def transport(self) -> httpx2.ASGITransport:
        """What the agent's MCP client sends through: straight into ``self.app``, no socket."""
        return httpx2.ASGITransport(self.app)

    def lifespan(self):
        """The MCP session manager's lifetime (the backend's lifespan enters it)."""
        return self.app.router.lifespan_context(self.app)

    async def _write(self, ctx: Context, tool: str, arguments: dict[str, Any], effect: Effect) -> dict[str, Any]:
        """Runs ``effect`` once per (turn key, tool, arguments) in a keyed turn; always in one transaction."""
        user, turn_key = _caller(ctx)
        self.calls.labels(tool).inc()
        key = effect_key(turn_key, tool, arguments) if turn_key and self.idempotent else None
        async with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            if key is not None:
                # A concurrent repeat waits here for the first one's transaction, then finds its row.
                await cur.execute(
                    "INSERT INTO chat_tool_effects (user_id, effect_key, tool) VALUES (%s, %s, %s)"
                    " ON CONFLICT DO NOTHING RETURNING effect_key", (user, key, tool))
                if await cur.fetchone() is None:
                    await cur.execute("SELECT result FROM chat_tool_effects WHERE user_id = %s AND effect_key = %s",
                                      (user, key))
                    return (await cur.fetchone())["result"]
            result = await effect(cur, user, key)
            if key is not None:
                await cur.execute("UPDATE chat_tool_effects SET result = %s WHERE user_id = %s AND effect_key = %s",
                                  (json.dumps(result), user, key))
            return result

    def _build(self) -> MCPServer:
        server = MCPServer(name="todo-tools", log_level="WARNING",
                           instructions="The signed-in user's todo list. The user is set by the backend.")

        @server.tool()
        async def add_task(title: Title, ctx: Context, description: Description = "") -> dict[str, Any]:
            """Add a task to the user's todo list."""
            async def effect(cur: AsyncCursor, user: str, key: str | None) -> dict[str, Any]:
                await cur.execute(
                    "INSERT INTO tasks (user_id, title, description, idempotency_key) VALUES (%s, %s, %s, %s)"
                    " RETURNING id, title", (user, title, description, f"chat:{key}" if key else None))
                row = await cur.fetchone()
                return {"task_id": row["id"], "status": "created", "title": row["title"]}
            return await self._write(ctx, "add_task", {"title": title, "description": description}, effect)

        @server.tool()
        async def list_tasks(ctx: Context, status: Literal["all", "pending", "completed"] = "all") -> dict[str, Any]:
            """List the user's tasks (at most 100, oldest first): all, pending (open) or completed."""
            user, _ = _caller(ctx)
            self.calls.labels("list_tasks").inc()
            condition = {"all": "", "pending": " AND NOT completed", "completed": " AND completed"}[status]
            async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(f"SELECT id, title, completed FROM tasks WHERE user_id = %s{condition}"
                                  " ORDER BY id LIMIT %s", (user, LIST_LIMIT))
                return {"tasks": await cur.fetchall()}

        complete = ("completed", ("UPDATE tasks SET completed = true, updated_at = now()"
                                  " WHERE user_id = %s AND id = %s RETURNING title"))
        delete = ("deleted", "DELETE FROM tasks WHERE user_id = %s AND id = %s RETURNING title")
        update = ("updated", ("UPDATE tasks SET title = coalesce(%s, title), description = coalesce(%s, description),"
                              " updated_at = now() WHERE user_id = %s AND id = %s RETURNING title"))

        @server.tool()
        async def complete_task(task_id: TaskId, ctx: Context) -> dict[str, Any]:
            """Mark one of the user's tasks as completed."""
            return await self._write(ctx, "complete_task", {"task_id": task_id}, _on_task(task_id, *complete))

        @server.tool()
        async def delete_task(task_id: TaskId, ctx: Context) -> dict[str, Any]:
            """Delete one of the user's tasks."""
            return await self._write(ctx, "delete_task", {"task_id": task_id}, _on_task(task_id, *delete))

        @server.tool()
        async def update_task(task_id: TaskId, ctx: Context, title: Title | None = None,
                              description: Description | None = None) -> dict[str, Any]:
            """Change the title and/or the description of one of the user's tasks."""
            if title is None and description is None:
                raise ToolError("give a new title or a new description")
            arguments = {"task_id": task_id, "title": title, "description": description}
            return await self._write(ctx, "update_task", arguments, _on_task(task_id, *update, title, description))

        return server


def _on_task(task_id: int, status: str, sql: str, *params: Any) -> Effect:
    """An effect that runs ``sql`` (its parameters: ``params``, then the user and the task id) on one of the
    user's tasks and answers ``{"task_id", "status", "title"}``; a task the user does not have is a ToolError."""
    async def effect(cur: AsyncCursor, user: str, _key: str | None) -> dict[str, Any]:
        await cur.execute(sql, (*params, user, task_id))
        row = await cur.fetchone()
        if row is None:
            raise ToolError(f"task {task_id} not found")
        return {"task_id": task_id, "status": status, "title": row["title"]}
    return effect
