"""The real OpenAI Agents SDK (chat completions) against the real model service: it accepts the
stand-in's answers, runs the tools they ask for, and gets the replies — first and later turns,
plain and streamed, and through faults the way a backend meets them."""

from __future__ import annotations

import openai
import pytest
from agents import Runner

from .sdk import function_tools, task_agent, use_model_service
from .tasks import TaskStore

pytestmark = pytest.mark.anyio


async def turn(agent, history: list, text: str) -> tuple[str, list]:
    """One chat turn with the conversation so far, as a stateless backend replays it."""
    result = await Runner.run(agent, history + [{"role": "user", "content": text}])
    return result.final_output, result.to_input_list()


async def test_an_agent_adds_lists_and_completes_tasks(live):
    async with use_model_service(live.base_url):
        store = TaskStore()
        agent = task_agent(tools=function_tools(store))

        reply, history = await turn(agent, [], "add buy milk")
        assert reply == "Added task 1: buy milk."
        assert store.tasks[1]["title"] == "buy milk" and store.calls == ["add_task"]

        reply, history = await turn(agent, history, "remember to call mom")
        assert reply == "Added task 2: call mom."

        reply, history = await turn(agent, history, "complete task 1")
        assert reply == "Marked task 1 as done: buy milk."
        assert store.tasks[1]["completed"] is True

        reply, history = await turn(agent, history, "list my open tasks")
        assert reply == "You have 1 open task:\n- 2: call mom"

        reply, history = await turn(agent, history, "what have I completed")
        assert reply == "You have 1 completed task:\n- 1: buy milk"

        reply, history = await turn(agent, history, "rename task 2 to call dad")
        assert reply == "Updated task 2: call dad."
        reply, history = await turn(agent, history, "delete task 2")
        assert reply == "Deleted task 2: call dad." and 2 not in store.tasks

        reply, _ = await turn(agent, history, "how is the weather?")
        assert "add buy milk" in reply
        assert store.calls == ["add_task", "add_task", "complete_task", "list_tasks", "list_tasks", "update_task",
                               "delete_task"]


async def test_a_tool_error_is_reported_not_hidden(live):
    async with use_model_service(live.base_url):
        reply, _ = await turn(task_agent(tools=function_tools(TaskStore())), [], "complete task 9")
        # The SDK hides the exception's text by default ("An error occurred while running the tool…").
        assert reply.startswith("Sorry, I couldn't complete task 9: An error occurred")


async def test_a_streamed_run(live):
    async with use_model_service(live.base_url):
        store = TaskStore()
        agent = task_agent(tools=function_tools(store))

        result = Runner.run_streamed(agent, "add water the plants")
        kinds = [event.type async for event in result.stream_events()]
        reply = result.final_output
        assert reply == "Added task 1: water the plants."
        assert store.calls == ["add_task"]
        assert "raw_response_event" in kinds and "run_item_stream_event" in kinds


async def test_the_sdk_waits_out_a_429_and_goes_on(live):
    async with use_model_service(live.base_url, max_retries=2):
        live.set_faults(rate_limit={"retry_after_s": 0.2, "rate": 0.5})  # the 1st, 3rd, … model calls
        store = TaskStore()
        reply, _ = await turn(task_agent(tools=function_tools(store)), [], "add buy milk")
        assert reply == "Added task 1: buy milk." and store.calls == ["add_task"]
        state = live.faults()
        assert state["injected"]["rate_limit"] == 2 and state["requests"] == 4


async def test_a_provider_failure_reaches_the_caller_as_the_sdk_error(live):
    async with use_model_service(live.base_url):
        live.set_faults(error_rate=1, error_status=503)
        store = TaskStore()
        with pytest.raises(openai.InternalServerError) as raised:
            await turn(task_agent(tools=function_tools(store)), [], "add buy milk")
        assert raised.value.status_code == 503 and store.calls == []


async def test_a_hang_becomes_the_clients_timeout(live):
    async with use_model_service(live.base_url, timeout=0.5):
        live.set_faults(hang=True)
        with pytest.raises(openai.APITimeoutError):
            await turn(task_agent(tools=function_tools(TaskStore())), [], "list my tasks")


async def test_a_wrong_key_is_the_sdks_authentication_error(live):
    async with use_model_service(live.base_url, api_key="sk-wrong"):
        with pytest.raises(openai.AuthenticationError):
            await turn(task_agent(tools=function_tools(TaskStore())), [], "list my tasks")
