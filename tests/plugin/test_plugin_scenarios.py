"""Scripted agent runs from the marker: rules that branch on what a tool result says and on the Nth tool
result, carried by a scenario's states; the same request gets the answer of the current state (no stale
memo), and the admin reset puts every scenario back in ``Started``."""

from __future__ import annotations

from typing import Any

import pytest

from mockclaude.testing.mock import MockClaude

MODEL = "claude-haiku-4-5"


def tool(name: str) -> dict[str, Any]:
    return {"name": name, "description": name, "input_schema": {"type": "object", "properties": {}}}


TOOLS = [tool("run_tests"), tool("edit_file")]
FIX_FLOW = [
    {
        "name": "start",
        "scenario": "fix",
        "required_state": "Started",
        "new_state": "testing",
        "when": {"tools": ["run_tests", "edit_file"], "has_tool_result": False},
        "answer": {"text": "Running the tests.", "tool_use": [{"name": "run_tests", "input": {}}]},
    },
    {
        "name": "red",
        "scenario": "fix",
        "required_state": "testing",
        "new_state": "editing",
        "when": {"tool_result": {"name": "run_tests", "contains": "FAILED"}},
        "answer": {"tool_use": [{"name": "edit_file", "input": {"path": "app.py"}}]},
    },
    {
        "name": "edited",
        "scenario": "fix",
        "required_state": "editing",
        "new_state": "testing",
        "when": {"tool_result": {"name": "edit_file"}},
        "answer": {"tool_use": [{"name": "run_tests", "input": {}}]},
    },
    {
        "name": "green-at-last",
        "scenario": "fix",
        "required_state": "testing",
        "new_state": "done",
        "when": {"tool_result": {"name": "run_tests", "n": 3, "contains": "passed"}},
        "answer": {"text": "Fixed: {tool_result}."},
    },
    {
        "name": "green-at-once",
        "scenario": "fix",
        "required_state": "testing",
        "new_state": "done",
        "when": {"tool_result": {"name": "run_tests", "n": 1}},
        "answer": {"text": "Nothing to fix: {tool_result}."},
    },
]


def run(client: Any, results: list[str]) -> list[Any]:
    """The agent loop: each tool call answered with the next scripted result, until a text answer."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Make the tests pass"}]
    answers = []
    for _ in range(6):
        answer = client.messages.create(model=MODEL, max_tokens=300, tools=TOOLS, messages=messages)
        answers.append(answer)
        calls = [b for b in answer.content if b.type == "tool_use"]
        if not calls:
            return answers
        messages += [
            {"role": "assistant", "content": answer.content},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": c.id, "content": results.pop(0)} for c in calls
                ],
            },
        ]
    raise AssertionError("the scripted run did not end")


@pytest.mark.mockclaude(rules=FIX_FLOW)
def test_a_run_branches_on_what_the_tools_said(mockclaude: MockClaude) -> None:
    client = mockclaude.client()
    red_then_green = run(client, ["1 FAILED, 2 passed", "edited app.py", "3 passed"])
    assert [b.name for a in red_then_green[:-1] for b in a.content if b.type == "tool_use"] == [
        "run_tests",
        "edit_file",
        "run_tests",
    ]
    assert red_then_green[-1].content[0].text == "Fixed: 3 passed."
    rules = [e["rules"][-1]["rule"] for e in mockclaude.journal.entries("/v1/messages")]
    assert rules == ["start", "red", "edited", "green-at-last"]

    # The same first request again: the scenario is done, so no rule of it answers (the synthesizer does).
    again = client.messages.create(
        model=MODEL,
        max_tokens=300,
        tools=TOOLS,
        messages=[{"role": "user", "content": "Make the tests pass"}],
    )
    assert "Running the tests." not in [b.text for b in again.content if b.type == "text"]
    trace = {r["rule"]: r["reason"] for r in mockclaude.journal.last()["rules"]}
    assert trace["start"] == "scenario fix: in state 'done', wanted 'Started'"

    mockclaude.reset()  # every scenario back to Started
    green = run(client, ["3 passed"])
    assert [a.content[-1].type for a in green] == ["tool_use", "text"]
    assert green[-1].content[0].text == "Nothing to fix: 3 passed."
