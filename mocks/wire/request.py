"""The request side of ASGI: the Request the pipeline sees, the ASGI types, and reading a request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

from mockclaude.errors import ApiError

# ASGI's scope and messages are open-ended dicts (servers add keys); typed as mappings of str.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")

LARGE_BODY = 64 * 1024  # bytes from which a request is worked on off the event loop
BODY_WORKERS = 2  # large bodies worked on at once; the others wait their turn


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


class LargeBodies:
    """Large request bodies are parsed, checked and answered in worker threads, so that no body (up to the
    32 MB limit) holds up the event loop and the requests on it (health, admin, small requests). The
    thread still shares the interpreter: pure-Python work yields every few milliseconds, a C call such as
    parsing 30 MB of JSON does not."""

    def __init__(self, workers: int = BODY_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="mockclaude-body")

    async def run(self, request: Request, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)``: here when ``request``'s body is small, else in a worker thread."""
        if len(request.body) < LARGE_BODY:
            return work(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
