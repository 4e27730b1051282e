"""The event-stream encoder against botocore's decoder: headers, payloads, CRCs, frames split anywhere."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from mockclaude.platforms.bedrock import eventstream


def decode(data: bytes, step: int | None = None) -> list[dict[str, object]]:
    buffer = EventStreamBuffer()
    out: list[dict[str, object]] = []
    for at in range(0, len(data), step or len(data) or 1):
        buffer.add_data(data[at : at + (step or len(data))])
        out.extend(message.to_response_dict() for message in buffer)
    return out


def test_chunk_frames_decode_to_the_sse_event_json() -> None:
    events = [
        {"type": "message_start", "message": {"id": "msg_1"}},
        {"type": "ping"},
        {"type": "message_stop"},
    ]
    data = b"".join(eventstream.chunk(e) for e in events)
    for step in (None, 1, 7):  # whole, byte by byte, odd splits
        decoded = decode(data, step)
        assert [d["status_code"] for d in decoded] == [200, 200, 200]
        assert [d["headers"][":event-type"] for d in decoded] == ["chunk"] * 3
        payloads = [json.loads(d["body"]) for d in decoded]
        assert [json.loads(base64.b64decode(p["bytes"])) for p in payloads] == events


def test_exception_frame_is_an_error_to_botocore() -> None:
    [decoded] = decode(eventstream.exception("throttlingException", {"message": "slow down"}))
    assert decoded["status_code"] == 400
    assert decoded["headers"][":exception-type"] == "throttlingException"
    assert json.loads(decoded["body"]) == {"message": "slow down"}


def test_non_ascii_headers_and_payloads_keep_their_lengths() -> None:
    frame = eventstream.event("contentBlockDelta", {"delta": {"text": "héllo → 世界"}})
    [decoded] = decode(frame)
    assert json.loads(decoded["body"])["delta"]["text"] == "héllo → 世界"


def test_a_corrupted_frame_fails_botocore_checksum() -> None:
    frame = bytearray(eventstream.chunk({"type": "ping"}))
    frame[-6] ^= 0xFF  # a payload byte: the message CRC no longer matches
    with pytest.raises(ChecksumMismatch):
        decode(bytes(frame))
