"""ASGI plumbing: the Request the pipeline sees and the ways an answer goes on the wire.

Answers differ only in how they render: JSON bytes, an SSE stream paced on deadlines, or raw bytes
(JSONL). Every answer carries ``request-id`` and ``anthropic-organization-id``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .errors import ApiError
from .pacing import sleep_until
from .sse import Event, encode_event

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
    events: list[Event],
    offsets: list[float],
    started: float,
    request_id: str,
    org_id: str,
    extra: Iterable[tuple[str, str]] = (),
) -> None:
    """Stream SSE events, each flushed when due; events due together go out in one write."""
    headers = _raw_headers("text/event-stream; charset=utf-8", request_id, org_id, extra)
    headers.append((b"cache-control", b"no-cache"))
    first_due = started + (offsets[0] if offsets else 0.0)
    await sleep_until(first_due)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    i = 0
    while i < len(events):
        due = offsets[i]
        batch = [encode_event(events[i])]
        i += 1
        while i < len(events) and offsets[i] <= due:
            batch.append(encode_event(events[i]))
            i += 1
        await sleep_until(started + due)
        await send({"type": "http.response.body", "body": b"".join(batch), "more_body": True})
    await send({"type": "http.response.body", "body": b""})
