"""One stored answer serves both shapes: Message → SSE events → Message is the identity, and a stream
re-encoded from its accumulation is the same stream."""

from __future__ import annotations

from typing import Any

import pytest

from mockclaude.protocol.sse import accumulate, encode_event, message_events, parse_sse
from tests.spec.sse_grammar import check_stream_text

USAGE = {
    "input_tokens": 12,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "output_tokens": 40,
}


def message(*blocks: dict[str, Any], stop: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_01Test",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": list(blocks),
        "stop_reason": stop,
        "stop_sequence": None,
        "stop_details": None,
        "usage": dict(USAGE),
    }


CITATION = {
    "type": "char_location",
    "cited_text": "The sky is blue.",
    "document_index": 0,
    "document_title": "Sky",
    "start_char_index": 0,
    "end_char_index": 16,
    "file_id": None,
}
MESSAGES = {
    "text": message(
        {"type": "text", "text": "Hello there, how are you doing today? Fine, thanks!", "citations": None}
    ),
    "empty": message(stop="max_tokens"),
    "tool_use": message(
        {"type": "text", "text": "I'll check.", "citations": None},
        {
            "type": "tool_use",
            "id": "toolu_01A",
            "name": "get_weather",
            "input": {"location": "Oslo, Norway", "days": [1, 2], "unit": "celsius"},
        },
        stop="tool_use",
    ),
    "thinking": message(
        {
            "type": "thinking",
            "thinking": "Let me think about the colour of the sky.",
            "signature": "c2lnbmF0dXJl",
        },
        {"type": "text", "text": "Rayleigh scattering.", "citations": None},
    ),
    "redacted": message(
        {"type": "redacted_thinking", "data": "ZW5jcnlwdGVk"},
        {"type": "text", "text": "Done.", "citations": None},
    ),
    "citations": message({"type": "text", "text": "The sky is blue.", "citations": [CITATION]}),
    "unicode": message(
        {"type": "text", "text": "Ça va? 日本語のテキスト — emoji 🎉 done.", "citations": None}
    ),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_to_stream_and_back(name: str) -> None:
    original = MESSAGES[name]
    events = message_events(original, seed=7)
    wire = b"".join(encode_event(e) for e in events).decode()
    check_stream_text(wire)  # the exact grammar of facts §4
    assert accumulate([data for _, data in parse_sse(wire)]) == original


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_stream_from_accumulation_is_the_same_stream(name: str) -> None:
    events = message_events(MESSAGES[name], seed=3)
    again = message_events(accumulate(events), seed=3)
    assert [e.data for e in again] == [e.data for e in events]


def test_stream_grammar_details() -> None:
    events = message_events(MESSAGES["thinking"], seed=1)
    names = [e.name for e in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    start = events[0].data["message"]
    assert start["content"] == [] and start["stop_reason"] is None and start["usage"]["output_tokens"] == 1
    deltas = [
        e.data["delta"]["type"] for e in events if e.name == "content_block_delta" and e.data["index"] == 0
    ]
    assert deltas[-1] == "signature_delta" and deltas.count("signature_delta") == 1
    assert events[-2].data["usage"]["output_tokens"] == 40  # cumulative total in message_delta
