"""ASGI plumbing: the Request the pipeline sees and the ways an answer goes on the wire.

Answers differ only in how they render: JSON bytes, an SSE stream paced on deadlines, or raw bytes
(JSONL). Every answer carries ``request-id`` and ``anthropic-organization-id``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson

from mockclaude.errors import ApiError
from mockclaude.pipeline.faults import HEADER as FAULT_HEADER
from mockclaude.pipeline.faults import OVERLOADED_EVENT, Fault
from mockclaude.pipeline.pacing import sleep_until
from mockclaude.protocol.sse import Event, encode_event

STREAM_TYPE = "text/event-stream; charset=utf-8"
STREAM_TYPE_PREFIX = "text/event-stream"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    started: float = field(default_factory=time.monotonic)
    request_id: str = ""
    api_key: str = ""  # from x-api-key or Authorization: Bearer; for rate-limit buckets, never logged
    client: str | None = None  # the peer's address

    def query_one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def base_url(self) -> str:
        host = self.headers.get("host", "127.0.0.1")
        return f"http://{host}"


def headers_of(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body, or ApiError 413 as soon as it exceeds ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "Request exceeds the maximum size")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def parse_query(raw: bytes) -> dict[str, list[str]]:
    return parse_qs(raw.decode("latin-1"), keep_blank_values=True) if raw else {}


def _raw_headers(
    content_type: str, request_id: str, org_id: str, extra: Iterable[tuple[str, str]]
) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", content_type.encode()),
        (b"request-id", request_id.encode()),
        (b"anthropic-organization-id", org_id.encode()),
    ]
    headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in extra)
    return headers


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    request_id: str,
    org_id: str,
    extra: Iterable[tuple[str, str]] = (),
) -> None:
    headers = _raw_headers(content_type, request_id, org_id, extra)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_stream(
    send: Send,
    chunks: list[bytes],
    offsets: list[float],
    started: float,
    request_id: str,
    org_id: str,
    extra: Iterable[tuple[str, str]] = (),
) -> None:
    """Stream encoded SSE events, each flushed when due; events due together go out in one write."""
    headers = _raw_headers(STREAM_TYPE, request_id, org_id, extra)
    headers.append((b"cache-control", b"no-cache"))
    await _send_parts(send, 200, headers, chunks, offsets, started)


async def _send_parts(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    parts: list[bytes],
    offsets: list[float],
    started: float,
    *,
    complete: bool = True,
    dribble: tuple[float, int] | None = None,
) -> None:
    """Headers when the first part is due, then each part at its offset from ``started``.

    Parts due together go out in one write. ``dribble`` = (seconds, bytes): every write is cut into
    pieces of that many bytes, one per interval. ``complete=False`` ends without closing the body,
    which the server turns into a dropped connection.
    """
    await sleep_until(started + (offsets[0] if offsets else 0.0))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    i = 0
    while i < len(parts):
        due = offsets[i]
        batch = [parts[i]]
        i += 1
        while i < len(parts) and offsets[i] <= due:
            batch.append(parts[i])
            i += 1
        await sleep_until(started + due)
        data = b"".join(batch)
        if dribble is None:
            await send({"type": "http.response.body", "body": data, "more_body": True})
            continue
        interval, size = dribble
        for at in range(0, len(data), size):
            if at:
                await asyncio.sleep(interval)
            await send({"type": "http.response.body", "body": data[at : at + size], "more_body": True})
    if complete:
        await send({"type": "http.response.body", "body": b""})


async def send_faulted(
    reply: Any, request: Any, send: Send, fault: Fault, org_id: str, extra: Iterable[tuple[str, str]]
) -> str | None:
    """Send a successful answer shaped by a fault: delayed, dribbled, cut by an error event or dropped.

    Returns how the answer was cut ("error_event", "drop") or None.
    """
    headers_extra = (*extra, (FAULT_HEADER, "injected"))
    delay = fault.delay_ms / 1000
    if reply.events is not None or reply.content_type.startswith(STREAM_TYPE_PREFIX):
        if reply.events is not None:
            parts = [encode_event(e) for e in reply.events]
            offsets = list(reply.offsets or [0.0] * len(parts))
        else:
            parts = [p + b"\n\n" for p in reply.body.split(b"\n\n") if p]
            offsets = [0.0] * len(parts)
        headers = _raw_headers(STREAM_TYPE, request.request_id, org_id, headers_extra)
        headers.append((b"cache-control", b"no-cache"))
        cut = None
        keep = len(parts) - 1  # a cut always falls before message_stop
        if fault.error_after is not None:
            keep, cut = min(fault.error_after, keep), "error_event"
            parts = [*parts[:keep], encode_event(Event("error", OVERLOADED_EVENT))]
            offsets = [*offsets[:keep], offsets[max(0, keep - 1)]]
        elif fault.drop_after is not None:
            keep, cut = min(fault.drop_after, keep), "drop"
            parts, offsets = parts[:keep], offsets[:keep] or [0.0]
        offsets = [o + delay for o in offsets]
        dribble = (fault.slow_ms / 1000, fault.chunk) if fault.slow_ms else None
        await _send_parts(
            send, 200, headers, parts, offsets, request.started, complete=cut != "drop", dribble=dribble
        )
        return cut
    body = reply.body if reply.body is not None else orjson.dumps(reply.payload)
    headers = _raw_headers(reply.content_type, request.request_id, org_id, headers_extra)
    headers.append((b"content-length", str(len(body)).encode()))
    dropped = fault.drop_after is not None
    dribble = (fault.slow_ms / 1000, fault.chunk) if fault.slow_ms else None
    await _send_parts(
        send,
        reply.status,
        headers,
        [] if dropped else [body],
        [reply.delay + delay],
        request.started,
        complete=not dropped,
        dribble=dribble,
    )
    return "drop" if dropped else None
