"""Beta compaction through the SDK's beta client, strict (and every answer checked against the beta schemas
by the ``client`` fixture's response hook): the ``compact_20260112`` edit past its trigger, paused and not,
streamed and not; the ``compaction`` field; a compaction block sent back standing for what came before it.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest

from tests.support.server import Server

if tuple(int(p) for p in anthropic.__version__.split(".")[:2]) < (2, 16):
    pytest.skip(f"needs SDK 2.16's beta types; installed {anthropic.__version__}", allow_module_level=True)

from anthropic.types.beta import BetaCompactionBlock

MODEL = "claude-opus-4-8"
BETAS = ["compact-2026-01-12", "context-management-2025-06-27"]
LONG = "The quarterly report covers revenue, costs and hiring across the four regions. " * 60


def conversation() -> list[dict[str, Any]]:
    """Three long turns, then a short question: well past a trigger of 1,000 tokens."""
    return [
        {"role": "user", "content": f"Read this and remember it: {LONG}"},
        {"role": "assistant", "content": f"I have read it. {LONG}"},
        {"role": "user", "content": "What was the main cost driver?"},
    ]


def compact(trigger: int = 1000, **extra: Any) -> dict[str, Any]:
    edit = {"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": trigger}, **extra}
    return {"edits": [edit]}


def count(client: anthropic.Anthropic, messages: list[dict[str, Any]]) -> int:
    return client.beta.messages.count_tokens(model=MODEL, messages=messages, betas=BETAS).input_tokens


def test_past_the_trigger_the_answer_starts_with_a_compaction(client: anthropic.Anthropic) -> None:
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=conversation(),
        context_management=compact(),
        betas=BETAS,
    )
    block, *answer = message.content
    assert isinstance(block, BetaCompactionBlock) and block.content and block.signature
    assert "What was the main cost driver?" in block.content  # the summary quotes the requests
    assert answer and message.stop_reason == "end_turn"
    iterations = message.usage.iterations or []
    assert [i.type for i in iterations] == ["compaction", "message"]
    whole = count(client, conversation())
    assert iterations[0].input_tokens == whole  # the summarizing pass read the whole context
    assert message.usage.input_tokens == iterations[1].input_tokens < whole  # the answer read the summary
    assert message.usage.output_tokens == iterations[1].output_tokens


def test_below_the_trigger_nothing_is_compacted(client: anthropic.Anthropic) -> None:
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=conversation(),
        context_management=compact(trigger=50_000),
        betas=BETAS,
    )
    assert all(b.type != "compaction" for b in message.content)
    assert message.usage.iterations is None
    assert message.usage.input_tokens == count(client, conversation())


def test_pause_after_compaction_answers_the_block_alone(client: anthropic.Anthropic) -> None:
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=conversation(),
        context_management=compact(pause_after_compaction=True, instructions="Keep the numbers."),
        betas=BETAS,
    )
    (block,) = message.content
    assert isinstance(block, BetaCompactionBlock) and "Keep the numbers." in (block.content or "")
    assert message.stop_reason == "compaction"
    assert [i.type for i in message.usage.iterations or []] == ["compaction"]


def test_a_streamed_compaction_accumulates_as_the_create(client: anthropic.Anthropic) -> None:
    params: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 256,
        "messages": conversation(),
        "context_management": compact(),
        "betas": BETAS,
    }
    with client.beta.messages.stream(**params) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    created = client.beta.messages.create(**params)
    assert "compaction" in kinds  # the SDK's own event for a compaction_delta
    assert final.content[0].type == "compaction"
    assert final.content[0] == created.content[0]
    assert [i.type for i in final.usage.iterations or []] == ["compaction", "message"]
    assert final.usage.input_tokens == created.usage.input_tokens


def test_the_compaction_field_summarizes_the_whole_conversation(client: anthropic.Anthropic) -> None:
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=conversation(),
        compaction={"type": "summarize"},
        betas=BETAS,
    )
    (block,) = message.content
    assert isinstance(block, BetaCompactionBlock) and "Read this and remember it" in (block.content or "")
    assert message.stop_reason == "compaction"
    with pytest.raises(anthropic.BadRequestError, match="cannot be combined with context_management"):
        client.beta.messages.create(
            model=MODEL,
            max_tokens=256,
            messages=conversation(),
            compaction={"type": "summarize"},
            context_management=compact(),
            betas=BETAS,
        )


def test_a_compaction_sent_back_stands_for_what_came_before(
    client: anthropic.Anthropic, mock_server: Server
) -> None:
    first = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=conversation(),
        context_management=compact(),
        betas=BETAS,
    )
    reply = {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]}
    follow_up = {"role": "user", "content": "And the second largest?"}
    full = [*conversation(), reply, follow_up]
    from_summary = [reply, follow_up]
    assert count(client, full) == count(client, from_summary) < count(client, conversation())
    second = client.beta.messages.create(model=MODEL, max_tokens=256, messages=full, betas=BETAS)
    assert second.usage.input_tokens == count(client, from_summary)
    failed = {
        "role": "assistant",
        "content": [{"type": "compaction", "content": None}, {"type": "text", "text": "ok"}],
    }
    with_failed = [*conversation(), failed, follow_up]  # a failed compaction is a no-op
    assert count(client, with_failed) > count(client, conversation())
    entries = httpx2.get(mock_server.base_url + "/_mock/journal").json()["data"]
    assert entries[-1]["not_emulated"] == []
