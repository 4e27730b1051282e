"""Answers a client can echo: a conversation whose assistant turns come from rules (with no thinking
block of their own) runs on with thinking on, the client sending each answer back unchanged.

Under adaptive thinking the model may skip thinking, so the API takes back a tool call made without a
thinking block: the mock does the same. Under manual thinking every answer of the API starts with a
thinking block: a rule answer without one gets one, signed, so that echoing it is valid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
import yaml

from tests.support.server import Server, sdk_options, start_server, stop_server

MODEL = "claude-sonnet-4-6"  # takes both adaptive and manual thinking
TOOL = {
    "name": "lookup_order_status",
    "description": "Look up the shipping status of an order by its id.",
    "input_schema": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
}
RULES = {
    "rules": [
        {
            "name": "scripted-support",
            "when": {"tools": ["lookup_order_status"]},
            "answers": [
                {"tool_use": [{"name": "lookup_order_status", "input": {"order_id": "A-1"}}]},
                {
                    "text": "Checking the second order too.",
                    "tool_use": [{"name": "lookup_order_status", "input": {"order_id": "A-2"}}],
                },
                {"text": "Both orders: {tool_result}."},
                {"tool_use": [{"name": "lookup_order_status", "input": {"order_id": "A-3"}}]},
                {"text": "Order A-3: {tool_result}."},
            ],
        }
    ]
}
USER_TURNS = {0: "Where are my orders A-1 and A-2?", 3: "And order A-3?"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[anthropic.Anthropic]:
    tmp = tmp_path_factory.mktemp("thinking-echo")
    (tmp / "rules").mkdir()
    (tmp / "rules" / "support.yaml").write_text(yaml.safe_dump(RULES))
    server: Server = start_server(tmp, "--latency", "instant", "--rules", str(tmp / "rules"))
    yield anthropic.Anthropic(**sdk_options(server))
    stop_server(server)


def converse(client: anthropic.Anthropic, thinking: dict[str, Any]) -> list[anthropic.types.Message]:
    """Five turns: each answer sent back as it came, then a tool result or the next user question."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": USER_TURNS[0]}]
    answers = []
    for turn in range(5):
        answer = client.messages.create(
            model=MODEL,
            max_tokens=4000,
            thinking=thinking,
            tools=[TOOL],
            messages=messages,  # type: ignore[arg-type]
        )
        answers.append(answer)
        messages.append(
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in answer.content]}
        )
        calls = [b for b in answer.content if b.type == "tool_use"]
        if calls:
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": c.id, "content": "shipped"} for c in calls
                    ],
                }
            )
        else:
            messages.append({"role": "user", "content": USER_TURNS.get(turn + 1, "Thanks!")})
    return answers


def test_five_adaptive_turns_from_rules_without_a_400(client: anthropic.Anthropic) -> None:
    answers = converse(client, {"type": "adaptive"})
    assert [a.stop_reason for a in answers] == ["tool_use", "tool_use", "end_turn", "tool_use", "end_turn"]
    assert answers[2].content[-1].type == "text" and answers[2].content[-1].text == "Both orders: shipped."
    # As scripted: the rules gave no thinking, and adaptive thinking lets a turn go without.
    assert all(b.type != "thinking" for a in answers for b in a.content)


def test_five_manual_thinking_turns_get_signed_thinking_blocks(client: anthropic.Anthropic) -> None:
    answers = converse(client, {"type": "enabled", "budget_tokens": 1024})
    assert [a.stop_reason for a in answers] == ["tool_use", "tool_use", "end_turn", "tool_use", "end_turn"]
    for answer in answers:
        first = answer.content[0]
        assert first.type == "thinking" and first.signature and first.thinking


def test_a_client_that_drops_the_thinking_block_is_still_refused(client: anthropic.Anthropic) -> None:
    """The API's rule stays: under manual thinking, a tool call sent back without its thinking block is a 400."""
    thinking = {"type": "enabled", "budget_tokens": 1024}
    first = client.messages.create(
        model=MODEL,
        max_tokens=4000,
        thinking=thinking,
        tools=[TOOL],
        messages=[{"role": "user", "content": USER_TURNS[0]}],  # type: ignore[arg-type]
    )
    call = next(b for b in first.content if b.type == "tool_use")
    stripped = [b.model_dump(exclude_none=True) for b in first.content if b.type != "thinking"]
    with pytest.raises(anthropic.BadRequestError, match="must start with a thinking block"):
        client.messages.create(
            model=MODEL,
            max_tokens=4000,
            thinking=thinking,  # type: ignore[arg-type]
            tools=[TOOL],  # type: ignore[list-item]
            messages=[
                {"role": "user", "content": USER_TURNS[0]},
                {"role": "assistant", "content": stripped},  # type: ignore[typeddict-item]
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "shipped"}],
                },
            ],
        )
