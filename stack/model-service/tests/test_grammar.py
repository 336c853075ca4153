"""The grammar, the replies and the decisions, in process (pure functions; no server)."""

from __future__ import annotations

import json
import re

import pytest

from model_service import chat, grammar, replies

from .conftest import ROOT


def readme_examples() -> list[tuple[str, str, dict]]:
    """The rows of the README's grammar table: (what you say, tool, arguments)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Grammar", 1)[1].split("\n## ", 1)[0].split("### Replies", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `(\w+) (\{.*\})` \|$", section, re.MULTILINE)
    assert len(rows) >= 25, "the README's grammar table was not found or lost rows"
    return [(said, tool, json.loads(args)) for said, tool, args in rows]


@pytest.mark.parametrize(("said", "tool", "arguments"), readme_examples())
def test_every_readme_example_makes_its_tool_call(said, tool, arguments):
    assert grammar.understand(said) == grammar.Intent(tool, arguments)


@pytest.mark.parametrize("said", ["hello", "what's the weather", "list my bananas tasks", "add", "thanks",
                                  "complete the milk one", "delete everything", ""])
def test_what_the_grammar_does_not_cover_is_not_guessed(said):
    assert grammar.understand(said) is None


# ---- replies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("tool", "arguments", "output", "reply"), [
    ("add_task", {"title": "buy milk"}, '{"task_id": 7, "status": "created", "title": "buy milk"}',
     "Added task 7: buy milk."),
    ("complete_task", {"task_id": 3}, '{"task_id": 3, "status": "completed", "title": "call mom"}',
     "Marked task 3 as done: call mom."),
    ("delete_task", {"task_id": 4}, '{"task_id": 4, "status": "deleted", "title": "old task"}',
     "Deleted task 4: old task."),
    ("update_task", {"task_id": 2, "title": "call dad"}, '{"task_id": 2, "status": "updated", "title": "call dad"}',
     "Updated task 2: call dad."),
    ("list_tasks", {"status": "pending"}, ('[{"id": 1, "title": "buy milk", "completed": false},'
     ' {"id": 3, "title": "call mom", "completed": false}]'), "You have 2 open tasks:\n- 1: buy milk\n- 3: call mom"),
    ("list_tasks", {"status": "all"}, '{"tasks": [{"id": 1, "title": "buy milk", "completed": true}]}',
     "You have 1 task:\n- 1: buy milk (done)"),
    ("list_tasks", {"status": "completed"}, "[]", "You have no completed tasks."),
    # A plain function tool's dict, as the Agents SDK hands it on: str() of it.
    ("add_task", {"title": "x"}, "{'task_id': 1, 'status': 'created', 'title': 'x'}", "Added task 1: x."),
    # MCP results of several text parts arrive as one JSON value per line.
    ("list_tasks", {"status": "all"}, ('{"id": 1, "title": "a", "completed": false}\n{"id": 2, "title": "b",'
     ' "completed": false}'), "You have 2 tasks:\n- 1: a\n- 2: b"),
    ("complete_task", {"task_id": 9}, "An error occurred while running the tool. Error: task 9 not found",
     "Sorry, I couldn't complete task 9: An error occurred while running the tool. Error: task 9 not found"),
    ("delete_task", {"task_id": 9}, '{"error": "task 9 not found"}', "Sorry, I couldn't delete task 9: task 9 not found"),
    ("list_tasks", {"status": "all"}, '{"unexpected": true}',
     "Sorry, I couldn't list your tasks: unexpected answer '{\"unexpected\": true}'"),
])
def test_replies_are_phrased_from_the_tool_results(tool, arguments, output, reply):
    assert replies.phrase(tool, arguments, output) == reply


# ---- decisions -------------------------------------------------------------------------------

TOOLS = [{"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": props}}}
         for name, props in [
             ("add_task", {"title": {}, "description": {}}), ("list_tasks", {"status": {}}),
             ("complete_task", {"task_id": {}}), ("delete_task", {"task_id": {}}),
             ("update_task", {"task_id": {}, "title": {}, "description": {}})]]


def request(*messages, tools=TOOLS, **extra) -> chat.ChatRequest:
    return chat.ChatRequest(model="m", messages=list(messages), tools=tools, **extra)


def user(text):
    return {"role": "user", "content": text}


def test_first_turn_calls_the_tool():
    decision = chat.decide(request({"role": "system", "content": "You manage tasks."}, user("add buy milk")))
    assert decision.kind == "tool_calls"
    assert decision.calls == [grammar.Intent("add_task", {"title": "buy milk"})]


def test_a_later_turn_answers_its_own_message_not_the_history():
    history = [user("add buy milk"), {"role": "assistant", "content": "Added task 1: buy milk."},
               user([{"type": "text", "text": "complete task 1"}])]
    decision = chat.decide(request(*history))
    assert decision.calls == [grammar.Intent("complete_task", {"task_id": 1})]


def test_tool_results_after_the_last_user_message_are_phrased():
    call = {"id": "call_1", "type": "function", "function": {"name": "add_task", "arguments": '{"title": "buy milk"}'}}
    decision = chat.decide(request(
        user("add buy milk"), {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": '{"task_id": 7, "title": "buy milk"}'}]}))
    assert (decision.kind, decision.content) == ("reply", "Added task 7: buy milk.")


def test_tool_results_of_an_earlier_turn_do_not_answer_a_new_message():
    call = {"id": "c", "type": "function", "function": {"name": "add_task", "arguments": "{}"}}
    decision = chat.decide(request(user("add a"), {"role": "assistant", "tool_calls": [call]},
                                   {"role": "tool", "tool_call_id": "c", "content": '{"task_id": 1, "title": "a"}'},
                                   {"role": "assistant", "content": "Added task 1: a."}, user("list my tasks")))
    assert decision.calls == [grammar.Intent("list_tasks", {"status": "all"})]


def test_arguments_are_limited_to_what_the_tool_declares_and_user_id_comes_from_the_system_message():
    tools = [{"type": "function", "function": {"name": "add_task", "parameters": {
        "type": "object", "properties": {"user_id": {}, "title": {}}}}}]
    decision = chat.decide(request({"role": "system", "content": "Be brief.\nuser_id: u-42"},
                                   user("add buy milk with description oat"), tools=tools))
    assert decision.calls == [grammar.Intent("add_task", {"title": "buy milk", "user_id": "u-42"})]


def test_an_understood_request_whose_tool_is_not_offered_says_so():
    decision = chat.decide(request(user("delete task 4"), tools=TOOLS[:2]))
    assert decision.kind == "help" and "delete_task" in decision.content


def test_anything_else_gets_the_help_text():
    decision = chat.decide(request(user("hello there")))
    assert (decision.kind, decision.content) == ("help", grammar.HELP)


def test_tool_choice_none_never_calls():
    assert chat.decide(request(user("add buy milk"), tool_choice="none")).calls == []


def test_tool_choice_required_with_nothing_understood_reads():
    decision = chat.decide(request(user("hello"), tool_choice="required"))
    assert decision.calls == [grammar.Intent("list_tasks", {"status": "all"})]


def test_tool_choice_forcing_a_tool_it_cannot_fill_is_refused():
    forced = {"type": "function", "function": {"name": "delete_task"}}
    with pytest.raises(chat.UnsupportedToolChoice, match="delete_task"):
        chat.decide(request(user("add buy milk"), tool_choice=forced))
    assert chat.decide(request(user("delete task 2"), tool_choice=forced)).calls == [
        grammar.Intent("delete_task", {"task_id": 2})]
