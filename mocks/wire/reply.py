"""The answer side of ASGI: replies that render themselves, starlette-style.

A route hands back one of :class:`JsonReply` (a payload, rendered as JSON), :class:`BytesReply`
(bytes already encoded: JSON, SSE or JSONL), :class:`StreamReply` (SSE events paced on deadlines) or
:class:`RelayReply` (an upstream's answer relayed as it arrives, in record mode). Every reply the mock
writes itself carries ``request-id`` and ``anthropic-organization-id``; a :class:`Shaping` (what a
fault does to a successful answer) delays, dribbles or cuts it. When the server stops (:class:`Drain`),
a stream in flight ends at once with the API's overloaded error event, and an answer still waiting for
its time is a 529 ``overloaded_error``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from mockclaude.errors import ApiError
from mockclaude.protocol.sse import Event, accumulate, encode_event
from mockclaude.wire.request import Request, Send

JSON_TYPE = "application/json"
STREAM_TYPE = "text/event-stream; charset=utf-8"
STREAM_TYPE_PREFIX = "text/event-stream"

Headers = tuple[tuple[str, str], ...]
Relay = Callable[[Send], Awaitable[None]]  # sends a whole answer that comes from elsewhere
OVERLOADED = ApiError(529, "Overloaded")
SHUTDOWN_EVENT = encode_event(
    Event("error", {"type": "error", "error": {"type": OVERLOADED.type, "message": "Overloaded"}})
)


class Drain:
    """Set when the server stops: every wait of an answer in flight (pacing, a delay, a dribble) ends
    early, so streams can close with the overloaded error event within the shutdown grace."""

    def __init__(self) -> None:
        self.started = False
        self._waiters: set[asyncio.Future[bool]] = set()

    def start(self) -> None:
        self.started = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(True)

    async def sleep_until(self, deadline: float) -> bool:
        """Sleep until the monotonic ``deadline``; True at once if the drain has started (or starts)."""
        if self.started:
            return True
        delay = deadline - time.monotonic()
        if delay <= 0:
            return False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        timer = loop.call_later(delay, _resolve, waiter)
        self._waiters.add(waiter)
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)


def _resolve(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


@dataclass(frozen=True)
class Shaping:
    """What a fault does to a successful answer: headers after ``delay_s``; every write cut into pieces
    (``dribble`` = seconds, bytes); a stream cut after ``error_after`` events by ``error_event``, or
    dropped after ``drop_after`` events (a whole body: dropped before it is sent)."""

    header: tuple[str, str]  # marks the answer as shaped on purpose
    delay_s: float = 0.0
    dribble: tuple[float, int] | None = None
    error_after: int | None = None
    drop_after: int | None = None
    error_event: bytes = b""  # the encoded event sent in place of the rest of a stream

    def applies_to(self, reply: Reply) -> bool:
        """Whether it applies to ``reply``: successful answers only; ``error_after`` needs a stream."""
        return reply.status < 400 and (self.error_after is None or reply.is_stream)


@dataclass(kw_only=True, eq=False)
class Reply:
    """The common part: status, extra headers, the delay of a whole body, and what stats, the journal
    and rate limits need to know about a Messages answer."""

    status: int = 200
    headers: Headers = ()  # extra response headers (rate limits, retry-after)
    delay: float = 0.0  # a whole body is sent this long after the request started
    model: str | None = None
    usage: dict[str, Any] | None = None
    origin: str | None = None
    admission: object | None = None  # the rate limiter's hold on its buckets (settled when done)
    # Which rules were tried and why each did or did not fire, worked out only when the journal is read.
    rules: Callable[[], list[dict[str, object]]] | None = None
    # The beta fields of the request that are accepted but not emulated (beta requests only), when read.
    not_emulated: Callable[[], list[str]] | None = None

    @property
    def is_stream(self) -> bool:
        return False

    @property
    def error_type(self) -> str | None:
        return None

    def summary(self) -> object:
        """What the journal keeps of the answer (bytes are decoded only when the journal is read)."""
        raise NotImplementedError

    async def render(
        self, send: Send, request: Request, org_id: str, shaping: Shaping | None, drain: Drain | None = None
    ) -> str | None:
        """Send the answer; returns how a shaping cut it ("error_event", "drop"), "shutdown" when the
        server's ``drain`` ended it, or None."""
        raise NotImplementedError

    def wire_headers(self, shaping: Shaping | None) -> Headers:
        """The reply's own headers, plus ``x-should-retry`` on errors as the API sends it (unless set)
        and the shaping's mark."""
        headers = self.headers
        if self.status >= 400 and not any(name == "x-should-retry" for name, _ in headers):
            retry = self.status in (408, 409, 429) or self.status >= 500
            headers = (*headers, ("x-should-retry", "true" if retry else "false"))
        return headers if shaping is None else (*headers, shaping.header)


class _Whole(Reply):
    """A reply sent as one body (after ``delay``)."""

    content_type: str = JSON_TYPE

    def encoded(self) -> bytes:
        raise NotImplementedError

    async def render(
        self, send: Send, request: Request, org_id: str, shaping: Shaping | None, drain: Drain | None = None
    ) -> str | None:
        drain = drain or Drain()
        extra = self.wire_headers(shaping)
        if shaping is not None and self.is_stream:
            parts = [p + b"\n\n" for p in self.encoded().split(b"\n\n") if p]
            return await _send_shaped_stream(
                send, request, org_id, extra, parts, [0.0] * len(parts), shaping, drain
            )
        delay = self.delay + (shaping.delay_s if shaping is not None else 0.0)
        if await drain.sleep_until(request.started + delay):
            overloaded = JsonReply(status=529, payload=OVERLOADED.envelope(request.request_id))
            await overloaded.render(send, request, org_id, None)
            return "shutdown"
        body = self.encoded()
        headers = _raw_headers(self.content_type, request.request_id, org_id, extra)
        headers.append((b"content-length", str(len(body)).encode()))
        if shaping is None:
            await send({"type": "http.response.start", "status": self.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return None
        dropped = shaping.drop_after is not None
        await _send_parts(
            send,
            self.status,
            headers,
            [] if dropped else [body],
            [delay],
            request.started,
            drain,
            complete=not dropped,
            dribble=shaping.dribble,
        )
        return "drop" if dropped else None


@dataclass(kw_only=True, eq=False)
class JsonReply(_Whole):
    """A JSON payload: an API object, or an error envelope with an error status."""

    payload: object

    def encoded(self) -> bytes:
        return orjson.dumps(self.payload)

    @property
    def error_type(self) -> str | None:
        if self.status < 400 or not isinstance(self.payload, dict):
            return None
        error = self.payload.get("error")
        kind = error.get("type") if isinstance(error, dict) else None
        return kind if isinstance(kind, str) else None

    def summary(self) -> object:
        return self.payload


@dataclass(kw_only=True, eq=False)
class BytesReply(_Whole):
    """Bytes encoded already: a memoized JSON or SSE answer, JSONL results, metrics text."""

    body: bytes
    content_type: str = JSON_TYPE

    def encoded(self) -> bytes:
        return self.body

    @property
    def is_stream(self) -> bool:
        return self.content_type.startswith(STREAM_TYPE_PREFIX)

    def summary(self) -> object:
        if self.content_type.startswith((JSON_TYPE, STREAM_TYPE_PREFIX)):
            return self.body  # decoded when the journal is read
        return {"content_type": self.content_type, "bytes": len(self.body)}


@dataclass(kw_only=True, eq=False)
class StreamReply(Reply):
    """SSE events, each flushed at its offset (seconds from the request's start)."""

    events: list[Event]
    offsets: list[float]
    stream_type = STREAM_TYPE  # a subclass may frame the events otherwise (Bedrock's event stream)

    @property
    def is_stream(self) -> bool:
        return True

    def summary(self) -> object:
        events = self.events
        return lambda: {"stream": True, "message": accumulate([e.data for e in events])}

    def parts(self) -> list[bytes]:
        """The stream's writes, one per offset."""
        return [encode_event(e) for e in self.events]

    async def render(
        self, send: Send, request: Request, org_id: str, shaping: Shaping | None, drain: Drain | None = None
    ) -> str | None:
        drain = drain or Drain()
        parts = self.parts()
        extra = self.wire_headers(shaping)
        if shaping is not None:
            offsets = list(self.offsets or [0.0] * len(parts))
            return await _send_shaped_stream(
                send, request, org_id, extra, parts, offsets, shaping, drain, self.stream_type
            )
        headers = _raw_headers(self.stream_type, request.request_id, org_id, extra)
        headers.append((b"cache-control", b"no-cache"))
        stopped = await _send_parts(
            send, 200, headers, parts, self.offsets, request.started, drain, stream=True
        )
        return "shutdown" if stopped else None


@dataclass(kw_only=True, eq=False)
class RelayReply(Reply):
    """An upstream's answer (record mode): its status, headers and chunks, relayed as they arrive.
    Faults do not shape it; the upstream answers for itself."""

    relay: Relay
    upstream: str

    def summary(self) -> object:
        return {"relayed_from": self.upstream}

    async def render(
        self, send: Send, request: Request, org_id: str, shaping: Shaping | None, drain: Drain | None = None
    ) -> str | None:
        await self.relay(send)
        return None


def _raw_headers(
    content_type: str, request_id: str, org_id: str, extra: Headers
) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", content_type.encode()),
        (b"request-id", request_id.encode()),
        (b"anthropic-organization-id", org_id.encode()),
    ]
    headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in extra)
    return headers


async def _send_shaped_stream(
    send: Send,
    request: Request,
    org_id: str,
    extra: Headers,
    parts: list[bytes],
    offsets: list[float],
    shaping: Shaping,
    drain: Drain,
    content_type: str = STREAM_TYPE,
) -> str | None:
    """A stream delayed, dribbled, cut by an error event or dropped; returns the cut or None."""
    headers = _raw_headers(content_type, request.request_id, org_id, extra)
    headers.append((b"cache-control", b"no-cache"))
    cut = None
    keep = len(parts) - 1  # a cut always falls before message_stop
    if shaping.error_after is not None:
        keep, cut = min(shaping.error_after, keep), "error_event"
        parts = [*parts[:keep], shaping.error_event]
        offsets = [*offsets[:keep], offsets[max(0, keep - 1)]]
    elif shaping.drop_after is not None:
        keep, cut = min(shaping.drop_after, keep), "drop"
        parts, offsets = parts[:keep], offsets[:keep] or [0.0]
    offsets = [o + shaping.delay_s for o in offsets]
    stopped = await _send_parts(
        send,
        200,
        headers,
        parts,
        offsets,
        request.started,
        drain,
        complete=cut != "drop",
        dribble=shaping.dribble,
        stream=True,
    )
    return "shutdown" if stopped else cut


async def _send_parts(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    parts: list[bytes],
    offsets: list[float],
    started: float,
    drain: Drain,
    *,
    complete: bool = True,
    dribble: tuple[float, int] | None = None,
    stream: bool = False,
) -> bool:
    """Headers when the first part is due, then each part at its offset from ``started``.

    Parts due together go out in one write. ``dribble`` = (seconds, bytes): every write is cut into
    pieces of that many bytes, one per interval. ``complete=False`` ends without closing the body,
    which the server turns into a dropped connection. When ``drain`` starts, a ``stream`` ends at once
    with the overloaded error event (other bodies: the rest at once); returns True then.
    """
    stopped = await drain.sleep_until(started + (offsets[0] if offsets else 0.0))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    i = 0
    while i < len(parts) and not stopped:
        due = offsets[i]
        batch = [parts[i]]
        i += 1
        while i < len(parts) and offsets[i] <= due:
            batch.append(parts[i])
            i += 1
        if await drain.sleep_until(started + due):
            stopped, i = True, i - len(batch)
            break
        data = b"".join(batch)
        if dribble is None:
            await send({"type": "http.response.body", "body": data, "more_body": True})
            continue
        interval, size = dribble
        for at in range(0, len(data), size):
            if at and await drain.sleep_until(time.monotonic() + interval):
                stopped = True  # the rest of this write at once, so a stream's event is whole
                await send({"type": "http.response.body", "body": data[at:], "more_body": True})
                break
            await send({"type": "http.response.body", "body": data[at : at + size], "more_body": True})
    if stopped:
        rest = SHUTDOWN_EVENT if stream else b"".join(parts[i:])
        await send({"type": "http.response.body", "body": rest})
        return True
    if complete:
        await send({"type": "http.response.body", "body": b""})
    return False
