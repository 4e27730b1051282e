"""Reply variants render themselves onto ASGI ``send``: headers, bodies, and what a fault's shaping does."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import orjson

from mockclaude.pipeline.faults import parse_fault
from mockclaude.protocol.sse import Event, encode_event, message_events, parse_sse
from mockclaude.wire.reply import BytesReply, JsonReply, RelayReply, Reply, Shaping, StreamReply
from mockclaude.wire.request import Message, Request

MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "one two three"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 3},
}
EVENTS = message_events(MESSAGE)
SHAPING = parse_fault("error_after=2").shaping()


def render(reply: Reply, shaping: Shaping | None = None) -> tuple[list[Message], str | None]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    request = Request("POST", "/v1/messages", {}, {}, b"", request_id="req_1")
    cut = asyncio.run(reply.render(send, request, "org-1", shaping))
    return sent, cut


def headers(sent: list[Message]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def body(sent: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent[1:])


def test_json_reply_carries_the_ids_and_its_length() -> None:
    sent, cut = render(JsonReply(payload={"a": 1}))
    assert cut is None and sent[0]["status"] == 200
    assert headers(sent) == {
        "content-type": "application/json",
        "request-id": "req_1",
        "anthropic-organization-id": "org-1",
        "content-length": "7",
    }
    assert orjson.loads(body(sent)) == {"a": 1}


def test_errors_say_whether_to_retry_unless_they_said_so() -> None:
    envelope = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert headers(render(JsonReply(status=529, payload=envelope))[0])["x-should-retry"] == "true"
    assert headers(render(JsonReply(status=400, payload=envelope))[0])["x-should-retry"] == "false"
    told = JsonReply(status=529, payload=envelope, headers=(("x-should-retry", "false"),))
    assert headers(render(told)[0])["x-should-retry"] == "false"
    assert JsonReply(status=529, payload=envelope).error_type == "overloaded_error"
    assert JsonReply(payload=envelope).error_type is None  # a 200 is not an error


def test_a_stream_cut_by_an_error_event_ends_with_it() -> None:
    sent, cut = render(StreamReply(events=EVENTS, offsets=[0.0] * len(EVENTS)), SHAPING)
    assert cut == "error_event"
    assert headers(sent)["x-mockclaude-fault"] == "injected"
    names = [name for name, _ in parse_sse(body(sent))]
    assert names == [EVENTS[0].name, EVENTS[1].name, "error"]
    assert sent[-1] == {"type": "http.response.body", "body": b""}  # closed, not dropped


def test_encoded_sse_is_shaped_like_events() -> None:
    encoded = b"".join(encode_event(e) for e in EVENTS)
    reply = BytesReply(body=encoded, content_type="text/event-stream; charset=utf-8")
    assert reply.is_stream
    sent, cut = render(reply, parse_fault("drop_after=3").shaping())
    assert cut == "drop"
    assert len(list(parse_sse(body(sent)))) == 3
    assert all(m.get("more_body", False) for m in sent[1:])  # never closed: the server drops it


def test_a_whole_body_is_dropped_or_dribbled() -> None:
    sent, cut = render(JsonReply(payload={"text": "x" * 40}), parse_fault("drop_after=1").shaping())
    assert cut == "drop" and body(sent) == b""
    sent, cut = render(JsonReply(payload={"text": "x" * 40}), parse_fault("slow_ms=1; chunk=16").shaping())
    assert cut is None
    pieces = [m["body"] for m in sent[1:] if m["body"]]
    assert [len(p) for p in pieces] == [16, 16, 16, 3]
    assert orjson.loads(b"".join(pieces)) == {"text": "x" * 40}


def test_a_fault_converts_itself_into_a_shaping() -> None:
    shaping = parse_fault("delay_ms=300; slow_ms=20; chunk=8").shaping()
    assert (shaping.delay_s, shaping.dribble, shaping.error_after, shaping.drop_after) == (
        0.3,
        (0.02, 8),
        None,
        None,
    )
    assert SHAPING.error_event == encode_event(
        Event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    )
    assert SHAPING.applies_to(StreamReply(events=EVENTS, offsets=[0.0] * len(EVENTS)))
    assert not SHAPING.applies_to(JsonReply(payload={}))  # error_after needs a stream
    assert not parse_fault("delay_ms=5").shaping().applies_to(JsonReply(status=500, payload={}))


def test_what_the_journal_keeps() -> None:
    assert BytesReply(body=b'{"a":1}').summary() == b'{"a":1}'
    assert BytesReply(body=b"{}\n{}\n", content_type="application/x-jsonl").summary() == {
        "content_type": "application/x-jsonl",
        "bytes": 6,
    }
    summary: Any = StreamReply(events=EVENTS, offsets=[0.0] * len(EVENTS)).summary()
    assert summary()["message"]["content"][0]["text"] == "one two three"


def test_a_relay_sends_what_the_upstream_sends_unshaped() -> None:
    async def relay(send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-up", b"1")]})
        await send({"type": "http.response.body", "body": b"{}"})

    reply = RelayReply(relay=relay, upstream="http://up")
    sent, cut = render(reply, SHAPING)
    assert cut is None and sent[0]["status"] == 201 and headers(sent) == {"x-up": "1"}
    assert reply.summary() == {"relayed_from": "http://up"}


def test_the_wire_layer_imports_nothing_above_it() -> None:
    wire = Path(__file__).parents[2] / "mocks" / "wire"
    above = ("pipeline", "sources", "api", "server", "testing", "store", "cli")
    for path in wire.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[1:2] not in ([a] for a in above), (path.name, node.module)
