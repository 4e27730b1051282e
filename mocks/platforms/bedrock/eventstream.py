"""AWS event-stream framing (``application/vnd.amazon.eventstream``), the encoding side.

One frame: prelude (total length, headers length: big-endian uint32) + CRC32 of the prelude, the headers,
the payload, then CRC32 of everything before it. Headers here are strings only (type 7: a one-byte name
length, the name, the type, a two-byte value length, the value). The AWS SDKs ship only the decoder
(botocore's ``EventStreamBuffer``), and the Smithy encoder package does not install on Python 3.11, so this
is the encoder, checked against botocore's decoder in tests/platforms/test_bedrock_eventstream.py.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import orjson

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message with string ``headers`` and ``payload``."""
    encoded = b"".join(_header(name, value) for name, value in headers.items())
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    body = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return body + struct.pack(">I", zlib.crc32(body))


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    )


def event(event_type: str, payload: dict[str, Any]) -> bytes:
    """An ``event`` frame of type ``event_type`` with a JSON payload (Converse's stream events)."""
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return frame(headers, orjson.dumps(payload))


def chunk(data: dict[str, Any]) -> bytes:
    """An InvokeModel stream ``chunk``: one SSE event's JSON, base64-encoded under ``bytes``."""
    return event("chunk", {"bytes": base64.b64encode(orjson.dumps(data)).decode()})


def exception(exception_type: str, payload: dict[str, Any]) -> bytes:
    """An ``exception`` frame: an error in the middle of a stream (``exception_type`` = the stream member's
    name, e.g. ``throttlingException``)."""
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return frame(headers, orjson.dumps(payload))
