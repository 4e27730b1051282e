"""Record mode's answer source: forward to an upstream, relay its answer as it arrives, write a recording.

Which modes ask it (VCR's names and meanings; the pipeline decides once, from the mode):
- ``none``: never; replay only, a request with no recording is an error (marked as the mock's);
- ``once``: after the recordings, if the set was empty at start; else never (like ``none``);
- ``new_episodes``: after the recordings: replay what is recorded, forward and record what is not;
- ``all``: always, and the recording is overwritten.
The upstream judges the request: the mock does not validate, rate-limit or memoize what it forwards.
A ``key_policy`` may refuse a request before anything is forwarded (the test kit refuses placeholder
keys, whose 401 would otherwise be recorded as the cassette). The client's credentials are passed to the upstream and never stored: a recording keeps only the
headers named in :mod:`mockclaude.store.recordings`. Nothing is written until the answer is complete (the
stream's ``message_stop`` or ``error`` event, or the whole JSON body); then the file appears at once
(temporary file + rename), so an interrupted recording leaves no file.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx2
import orjson

from mockclaude.protocol.sse import parse_sse
from mockclaude.sources.base import Answer
from mockclaude.store.recordings import (
    RecordedEvent,
    Recording,
    RecordingStore,
    parse_recording,
    recording_document,
    write_recording,
)
from mockclaude.wire.reply import Relay
from mockclaude.wire.request import Request, Send

log = logging.getLogger("mockclaude.recorder")

_HOP_BY_HOP = {
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "accept-encoding",
    "upgrade",
}
_NOT_RELAYED = {"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}


KeyPolicy = Callable[[Request], None]  # raises an ApiError to refuse forwarding a request
# What is about to be written (VCR's before_record hooks): returns it changed, or None to record nothing.
RecordHook = Callable[[dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True, kw_only=True)
class UpstreamAnswer(Answer):
    """The upstream's answer, relayed to the client as it arrives (never kept: it is not reusable)."""

    relay: Relay
    upstream: str


class UpstreamSource:
    """Answers by forwarding the request as sent; records the answer once it is complete."""

    def __init__(
        self,
        store: RecordingStore,
        directory: Path,
        upstream: str,
        spec_sha256: str,
        key_policy: KeyPolicy | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.upstream = upstream.rstrip("/")
        self.spec_sha256 = spec_sha256
        self.key_policy = key_policy
        # ``{"method", "path", "headers", "body"}`` and ``{"status", "headers", "body", "events"}`` before a
        # recording is written (after redaction); either may change them or return None to record nothing.
        self.before_record_request: RecordHook | None = None
        self.before_record_response: RecordHook | None = None
        self._client: httpx2.AsyncClient | None = None
        # Batches created through the upstream here, and when (monotonic): their polls, cancel, results and
        # delete are forwarded too, and recorded with their time since the creation (bounded, oldest first).
        self.batches: dict[str, float] = {}

    def answer(self, request: Request, body: Any) -> UpstreamAnswer:
        """The relay of ``request`` (``body`` is it parsed); the key policy may refuse it first."""
        if self.key_policy is not None:
            self.key_policy(request)
        relay = partial(self.forward, request, body)
        return UpstreamAnswer(relay=relay, upstream=self.upstream, origin="upstream", reusable=False)

    async def forward(self, request: Request, body: Any, send: Send) -> None:
        client = self._client or httpx2.AsyncClient(timeout=httpx2.Timeout(600, connect=10))
        self._client = client
        headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
        url = self.upstream + exchange_path(request)
        chunks: list[bytes] = []
        events: list[RecordedEvent] = []
        complete = False
        async with client.stream(request.method, url, content=request.body, headers=headers) as upstream:
            relayed = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in upstream.headers.multi_items()
                if k.lower() not in _NOT_RELAYED
            ]
            await send({"type": "http.response.start", "status": upstream.status_code, "headers": relayed})
            is_stream = upstream.headers.get("content-type", "").startswith("text/event-stream")
            # A batch names its results_url on the upstream: the client must fetch them here (recorded too).
            local = request.path.startswith(BATCHES) and not is_stream
            buffer = b""
            try:
                async for chunk in upstream.aiter_raw():
                    if not local:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    chunks.append(chunk)
                    if is_stream:
                        buffer += chunk
                        at_ms = (time.monotonic() - request.started) * 1000
                        buffer, done = _take_events(buffer, at_ms, events)
                        complete = complete or done
                complete = complete or not is_stream
            except httpx2.HTTPError as exc:
                log.warning(
                    "upstream broke off %s %s: %s; nothing recorded", request.method, request.path, exc
                )
                complete = False
            whole = local_results_url(b"".join(chunks), request.base_url) if local else b""
            await send({"type": "http.response.body", "body": whole})
            if complete:
                self._write(request, body, upstream, b"".join(chunks), events if is_stream else [])

    def _write(
        self, request: Request, body: Any, upstream: httpx2.Response, raw: bytes, events: list[RecordedEvent]
    ) -> None:
        response_body: Any = None
        if not events:
            try:
                response_body = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                if "jsonl" not in upstream.headers.get("content-type", ""):
                    log.warning("upstream answer to %s is not JSON; nothing recorded", request.path)
                    return
                response_body = raw.decode("utf-8")  # a batch's results (JSON Lines), kept as text
        after_ms = self._batch_time(request, response_body)
        redact = self.store.redactor.apply
        asked: dict[str, Any] | None = {
            "method": request.method,
            "path": exchange_path(request),
            "headers": {k: v for k, v in request.headers.items() if k not in ("x-api-key", "authorization")},
            "body": redact(body),
        }
        answered: dict[str, Any] | None = {
            "status": upstream.status_code,
            "headers": dict(upstream.headers),
            "body": redact(response_body),
            "events": [RecordedEvent(e.at_ms, e.event, redact(e.data)) for e in events],
        }
        if self.before_record_request is not None and asked is not None:
            asked = self.before_record_request(asked)
        if self.before_record_response is not None and asked is not None and answered is not None:
            answered = self.before_record_response(answered)
        if asked is None or answered is None:
            log.info("before_record hook dropped %s %s; nothing recorded", request.method, request.path)
            return
        document = recording_document(
            method=asked["method"],
            path=asked["path"],
            body=asked["body"],
            request_headers=asked["headers"],
            status=answered["status"],
            response_headers=answered["headers"],
            response_body=answered["body"],
            events=answered["events"],
            upstream=self.upstream,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            spec_sha256=self.spec_sha256,
            after_ms=after_ms,
        )
        key = document["request"]["match_key"]
        slug = _slug(document["request"]["body"]) if request.method == "POST" else _path_slug(request.path)
        when = f"-{round(after_ms):08d}ms" if after_ms is not None else ""
        path = write_recording(self.directory, f"{slug}-{key[:12]}{when}.yaml", document)
        recording: Recording = parse_recording(path, path.read_text(encoding="utf-8"))
        self.store.add(recording)
        log.info("recorded %s", path)

    def is_live_batch(self, path: str) -> bool:
        """Whether ``path`` names a batch created through the upstream here (its follow-ups are forwarded)."""
        batch_id = batch_of(path)
        return batch_id is not None and batch_id in self.batches

    def _batch_time(self, request: Request, response_body: Any) -> float | None:
        """A batch follow-up's milliseconds since its creation; a creation starts the batch's clock."""
        if request.method == "POST" and request.path == BATCHES and isinstance(response_body, dict):
            batch_id = response_body.get("id")
            if isinstance(batch_id, str):
                self.batches[batch_id] = request.started
                while len(self.batches) > MAX_LIVE_BATCHES:
                    self.batches.pop(next(iter(self.batches)))
            return None
        batch_id = batch_of(request.path)
        if batch_id is None or batch_id not in self.batches:
            return None
        return (request.started - self.batches[batch_id]) * 1000

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def _take_events(buffer: bytes, at_ms: float, events: list[RecordedEvent]) -> tuple[bytes, bool]:
    """Move every complete SSE event out of ``buffer`` into ``events``; True once the stream has ended."""
    complete, separator, rest = buffer.replace(b"\r\n", b"\n").rpartition(b"\n\n")
    if not separator:
        return buffer, False
    done = False
    for name, data in parse_sse(complete):
        events.append(RecordedEvent(at_ms, name or str(data.get("type")), data))
        done = done or name in ("message_stop", "error")
    return rest, done


BATCHES = "/v1/messages/batches"
MAX_LIVE_BATCHES = 10_000
_BATCH_PATH = re.compile(r"^/v1/messages/batches/([^/?]+)")


def exchange_path(request: Request) -> str:
    """The path a request is forwarded to and recorded under: a GET's query is part of it (a list's page)."""
    if request.method != "GET" or not request.query:
        return request.path
    return f"{request.path}?{urlencode(sorted(request.query.items()), doseq=True)}"


def local_results_url(body: bytes, base_url: str) -> bytes:
    """A batch's JSON with its ``results_url`` on ``base_url`` instead of the upstream it was recorded from."""
    return (
        re.sub(
            rb'("results_url"\s*:\s*")[^"]*?(/v1/messages/batches/)',
            lambda m: m.group(1) + base_url.encode() + m.group(2),
            body,
        )
        if b"results_url" in body
        else body
    )


def batch_of(path: str) -> str | None:
    """The batch id a path names (``/v1/messages/batches/{id}[/...]``), or None."""
    match = _BATCH_PATH.match(path)
    return match.group(1) if match else None


def _path_slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower().removeprefix("/v1/")).strip("-")[:60] or "request"


def _slug(body: Any) -> str:
    text = ""
    if isinstance(body, dict):
        for message in reversed(body.get("messages") or []):
            content = message.get("content") if isinstance(message, dict) else None
            text = (
                content
                if isinstance(content, str)
                else next(
                    (
                        b.get("text", "")
                        for b in content or []
                        if isinstance(b, dict) and b.get("type") == "text"
                    ),
                    "",
                )
            )
            if text:
                break
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "request"


def spec_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
