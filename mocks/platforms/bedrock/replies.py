"""Answers in Bedrock's framing: a stream of event-stream frames (:class:`EventStreamReply`), and the
Messages answer the pipeline made, read back as a Message or as its stream events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import orjson

from mockclaude.platforms.bedrock import eventstream
from mockclaude.protocol.sse import Event, accumulate, parse_sse
from mockclaude.wire.reply import BytesReply, Drain, JsonReply, Reply, Shaping, StreamReply
from mockclaude.wire.request import Request, Send


@dataclass(kw_only=True, eq=False)
class EventStreamReply(StreamReply):
    """Frames, each sent at its offset; ``events`` are the Messages events they came from (the journal's
    summary); a fault's ``error_after`` cuts the stream with ``error_frame``."""

    frames: list[bytes]
    error_frame: bytes = b""
    stream_type = eventstream.CONTENT_TYPE

    def parts(self) -> list[bytes]:
        return self.frames

    async def render(
        self, send: Send, request: Request, org_id: str, shaping: Shaping | None, drain: Drain | None = None
    ) -> str | None:
        if shaping is not None:
            shaping = replace(shaping, error_event=self.error_frame)
        return await super().render(send, request, org_id, shaping, drain)


@dataclass
class Answer:
    """What the pipeline answered, read back: the Message (a JSON answer) or its events with their offsets."""

    message: dict[str, object] | None = None
    events: list[Event] = field(default_factory=list)
    offsets: list[float] = field(default_factory=list)
    delay: float = 0.0

    def whole(self) -> dict[str, object]:
        return self.message if self.message is not None else accumulate(self.events)


def read(reply: Reply) -> Answer | None:
    """The answer inside a successful reply of the Messages route, or None (not one of its shapes)."""
    if isinstance(reply, StreamReply):
        return Answer(events=reply.events, offsets=reply.offsets)
    if isinstance(reply, BytesReply):
        if reply.is_stream:
            events = [Event(name, data) for name, data in parse_sse(reply.body)]
            return Answer(events=events, offsets=[reply.delay] * len(events))
        return Answer(message=orjson.loads(reply.body), delay=reply.delay)
    if isinstance(reply, JsonReply) and isinstance(reply.payload, dict):
        return Answer(message=reply.payload, delay=reply.delay)
    return None


def carried(source: Reply, target: Reply, headers: tuple[tuple[str, str], ...]) -> Reply:
    """``target`` with what stats, the journal and rate limits know of ``source``."""
    target.model, target.usage, target.origin = source.model, source.usage, source.origin
    target.rules, target.admission = source.rules, source.admission
    kept = tuple((k, v) for k, v in source.headers if not k.startswith("anthropic-"))
    target.headers = (*kept, *headers)
    return target
