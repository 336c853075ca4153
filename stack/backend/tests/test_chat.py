"""The chat through the real OpenAI Agents SDK, the real MCP client and server, and the lab's model service."""

from __future__ import annotations

import pytest

from .chat import Chat


@pytest.fixture()
def alice(replicas, model, clean):
    chats = [Chat(proc.url, "alice") for proc in replicas]
    yield chats
    for chat in chats:
        chat.close()


def test_a_conversation_manages_tasks(alice, db):
    chat = alice[0]
    first = chat.say("add buy milk")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["response"] == "Added task 1: buy milk."
    assert body["tool_calls"] == [{"name": "add_task", "arguments": {"title": "buy milk"},
                                   "result": {"task_id": 1, "status": "created", "title": "buy milk"}}]
    conversation = body["conversation_id"]
    replies = [chat.say(said, conversation).json()["response"] for said in (
        "remember to call mom", "complete task 1", "rename task 2 to call dad", "list my open tasks",
        "delete task 2", "list my tasks")]
    assert replies == [
        "Added task 2: call mom.",
        "Marked task 1 as done: buy milk.",
        "Updated task 2: call dad.",
        "You have 1 open task:\n- 2: call dad",
        "Deleted task 2: call dad.",
        "You have 1 task:\n- 1: buy milk (done)",
    ]
    assert db.execute("SELECT id, user_id, title, completed FROM tasks ORDER BY id").fetchall() == [
        (1, "alice", "buy milk", True)]
    history = chat.messages(conversation)
    assert len(history) == 14
    assert [role for role, _ in history] == ["user", "assistant"] * 7
    assert history[:2] == [("user", "add buy milk"), ("assistant", "Added task 1: buy milk.")]
