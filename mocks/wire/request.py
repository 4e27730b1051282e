"""The request side of ASGI: the Request the pipeline sees, the ASGI types, and reading a request."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs

import orjson

from mockclaude.errors import ApiError

# ASGI's scope and messages are open-ended dicts (servers add keys); typed as mappings of str.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")

LARGE_BODY = 64 * 1024  # bytes from which a request is worked on off the event loop
BODY_WORKERS = 2  # large bodies worked on at once; the others wait their turn
PRECHECK_BODY = 1024 * 1024  # bytes from which a body is first checked in a worker process


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


class LargeBodies:
    """Large request bodies are parsed, checked and answered in worker threads, so that no body (up to the
    32 MB limit) holds up the event loop and the requests on it (health, admin, small requests).

    A worker thread still shares the interpreter: pure-Python work yields every few milliseconds, but a
    C call does not, and parsing 30 MB of JSON holds it for about a second. So a body of
    :data:`PRECHECK_BODY` or more is first parsed in a worker process and checked against ``limits``
    (item counts, nesting): a body over a limit is refused without ever being parsed here."""

    def __init__(self, limits: Limits, workers: int = BODY_WORKERS) -> None:
        self.limits = limits
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="mockclaude-body")
        self._process: ProcessPoolExecutor | None = None  # started with the first very large body

    async def run(self, request: Request, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)``: here when ``request``'s body is small, else in a worker thread (after the
        worker process's check when it is very large)."""
        if len(request.body) < LARGE_BODY:
            return work(*args)
        loop = asyncio.get_running_loop()
        if len(request.body) >= PRECHECK_BODY and request.method == "POST":
            try:
                refusal = await loop.run_in_executor(self._checker(), precheck, request.body, self.limits)
            except BrokenProcessPool:  # the worker died (killed, out of memory): a new one next time
                self._process, refusal = None, None
            if refusal is not None:
                raise refusal
        return await loop.run_in_executor(self._threads, work, *args)

    def _checker(self) -> ProcessPoolExecutor:
        if self._process is None:
            self._process = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._process


class Limits(Protocol):
    """What :func:`precheck` checks a parsed body against (``mockclaude.protocol.contract.BodyLimits``)."""

    def check(self, body: Any) -> int: ...


def precheck(body: bytes, limits: Limits) -> ApiError | None:
    """In the worker process: the 400 of a body that is not JSON or breaks ``limits``, or None (then the
    request is parsed and answered as usual, so its other errors keep their order)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:  # the pipeline's own text for it (Pipeline.parse)
        return ApiError(400, f"The request body is not valid JSON: {exc}")
    try:
        limits.check(parsed)
    except ApiError as refusal:
        return refusal
    return None
