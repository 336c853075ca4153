"""The path the backend will take: the Agents SDK's agent gets the five tools from an MCP server
(official MCP SDK, streamable HTTP, stateless) and the model service chooses among them."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import uvicorn
from agents import Runner
from agents.mcp import MCPServerStreamableHttp
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from .conftest import free_port
from .sdk import task_agent, use_model_service
from .tasks import TaskStore

pytestmark = pytest.mark.anyio


def mcp_server(store: TaskStore) -> MCPServer:
    """The five tools, as the backend's MCP server will offer them. A task that is not there is a
    ToolError, whose text MCP passes on (an unexpected exception's text it hides)."""
    server = MCPServer(name="todo-tools")

    def expected(call):
        try:
            return call()
        except ValueError as error:
            raise ToolError(str(error)) from None

    @server.tool()
    def add_task(title: str, description: str = "") -> dict[str, Any]:
        """Add a task to the user's list."""
        return store.add_task(title, description)

    @server.tool()
    def list_tasks(status: str = "all") -> dict[str, Any]:
        """List the user's tasks; status is all, pending or completed."""
        return {"tasks": store.list_tasks(status)}

    @server.tool()
    def complete_task(task_id: int) -> dict[str, Any]:
        """Mark a task as completed."""
        return expected(lambda: store.complete_task(task_id))

    @server.tool()
    def delete_task(task_id: int) -> dict[str, Any]:
        """Delete a task."""
        return expected(lambda: store.delete_task(task_id))

    @server.tool()
    def update_task(task_id: int, title: str | None = None, description: str | None = None) -> dict[str, Any]:
        """Change a task's title or description."""
        return expected(lambda: store.update_task(task_id, title, description))

    return server


@pytest.fixture
def mcp_url():
    """An MCP server over streamable HTTP (stateless, like a replicated Deployment) on a free port."""
    store = TaskStore()
    app = mcp_server(store).streamable_http_app(stateless_http=True, json_response=True)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the MCP server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/mcp", store
    server.should_exit = True
    thread.join(timeout=10)


async def test_an_agent_with_mcp_tools_adds_lists_and_completes(live, mcp_url):
    url, store = mcp_url
    added_before = live.metric('model_tool_calls_total{tool="add_task"}')
    async with use_model_service(live.base_url), MCPServerStreamableHttp({"url": url}, cache_tools_list=True) as tools:
        agent = task_agent(mcp_servers=[tools])
        history: list = []
        replies = []
        for said in ("add buy milk", "remember to call mom", "complete task 1", "list my open tasks",
                     "what have I completed", "delete task 2", "list my tasks"):
            result = await Runner.run(agent, history + [{"role": "user", "content": said}])
            replies.append(result.final_output)
            history = result.to_input_list()
    assert replies == [
        "Added task 1: buy milk.",
        "Added task 2: call mom.",
        "Marked task 1 as done: buy milk.",
        "You have 1 open task:\n- 2: call mom",
        "You have 1 completed task:\n- 1: buy milk",
        "Deleted task 2: call mom.",
        "You have 1 task:\n- 1: buy milk (done)",
    ]
    assert store.calls == ["add_task", "add_task", "complete_task", "list_tasks", "list_tasks", "delete_task",
                           "list_tasks"]
    assert live.metric('model_tool_calls_total{tool="add_task"}') - added_before == 2


async def test_an_mcp_tool_error_is_reported(live, mcp_url):
    url, _ = mcp_url
    async with use_model_service(live.base_url), MCPServerStreamableHttp({"url": url}) as tools:
        result = await Runner.run(task_agent(mcp_servers=[tools]), "complete task 9")
    assert result.final_output.startswith("Sorry, I couldn't complete task 9:")
    assert "task 9 not found" in result.final_output
