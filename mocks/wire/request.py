"""The request side of ASGI: the Request the pipeline sees, the ASGI types, and reading a request."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from mockclaude.errors import ApiError

# ASGI's scope and messages are open-ended dicts (servers add keys); typed as mappings of str.
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
    platform: str | None = None  # the cloud platform it came through (mockclaude.platforms), if any

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
