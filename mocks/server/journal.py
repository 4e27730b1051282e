"""The journal: the most recent requests and their answers, bounded, with credentials redacted.

An entry is stored when the answer starts (so a client that has its answer finds it) and completed
when the answer has been sent (duration, a fault that cut the stream). Storing keeps references
only; times, bodies and costs are turned into JSON when the journal is read, so the hot path pays
almost nothing. Headers that carry credentials (by name or by the shape of their value, see
:func:`mockclaude.store.redaction.looks_secret`) are replaced by ``<redacted>`` before storing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from mockclaude.protocol.sse import accumulate, parse_sse
from mockclaude.store.redaction import REDACTED, looks_secret

MAX_KEPT_BODY = 64 * 1024


@dataclass(slots=True)
class Outcome:
    """What happened to one request: the facts stats count and the journal keeps."""

    request_id: str
    method: str
    path: str
    status: int
    started: float  # wall clock (epoch seconds)
    headers: dict[str, str]  # credentials already redacted
    body: bytes | str  # as kept (see ``kept``)
    answer: Any  # a JSON payload, raw JSON/SSE bytes, or a function giving the JSON
    model: str | None = None
    usage: dict[str, Any] | None = None
    origin: str | None = None
    error_type: str | None = None
    fault: str | None = None
    stream: bool = False
    cut: str | None = None  # "error_event" or "drop" when a fault cut the stream
    duration_ms: float | None = None
    rules: Callable[[], list[dict[str, object]]] | None = None  # the rules tried, worked out when read
    platform: str | None = None  # the cloud platform it came through (vertex, foundry, ...), if any
    # A beta request's fields accepted but not emulated ("accepted, not emulated"), worked out when read.
    not_emulated: Callable[[], list[str]] | None = None


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` itself when it holds no credential, else a copy with each one ``<redacted>``."""
    secret = [name for name, value in headers.items() if looks_secret(name, value)]
    if not secret:
        return headers
    return {**headers, **dict.fromkeys(secret, REDACTED)}


def kept(raw: bytes) -> bytes | str:
    """A body as the journal keeps it: itself up to 64 KiB, else a note of its size (bounded memory)."""
    if len(raw) > MAX_KEPT_BODY:
        return f"body of {len(raw)} bytes not kept (over {MAX_KEPT_BODY})"
    return raw


def _body(raw: bytes | str, stream: bool = False) -> Any:
    """A kept body as JSON: parsed JSON, an accumulated stream, or a note saying what it was."""
    if isinstance(raw, str):
        return {"mockclaude_note": raw}
    if not raw:
        return None
    try:
        if stream:
            return {"stream": True, "message": accumulate([data for _, data in parse_sse(raw)])}
        return orjson.loads(raw)
    except (ValueError, KeyError, TypeError, IndexError):  # not JSON, or not a well-formed stream
        return {"mockclaude_note": "body is not JSON", "text": raw[:2048].decode("utf-8", "replace")}


class Journal:
    def __init__(self, size: int, cost: Callable[[str | None, dict[str, Any] | None], float]) -> None:
        self._entries: deque[Outcome] = deque(maxlen=max(0, size))
        self._cost = cost

    def add(self, outcome: Outcome) -> None:
        self._entries.append(outcome)

    def entries(self, limit: int | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """Oldest first, like a log; ``limit`` keeps the newest ``limit``; ``path`` filters."""
        rows = [o for o in list(self._entries) if path is None or o.path == path]
        return [self._readable(o) for o in (rows[-limit:] if limit else rows)]

    def _readable(self, o: Outcome) -> dict[str, Any]:
        answer = o.answer
        if isinstance(answer, bytes | str):
            answer = _body(answer, stream=isinstance(answer, bytes) and answer.startswith(b"event:"))
        elif callable(answer):
            answer = answer()
        return {
            "id": o.request_id,
            "time": datetime.fromtimestamp(o.started, UTC).isoformat().replace("+00:00", "Z"),
            "method": o.method,
            "path": o.path,
            "platform": o.platform,
            "status": o.status,
            "model": o.model,
            "origin": o.origin,
            "rules": o.rules() if o.rules is not None else None,
            "not_emulated": o.not_emulated() if o.not_emulated is not None else None,
            "fault": o.fault,
            "stream": o.stream,
            "request": {"headers": o.headers, "body": _body(o.body)},
            "response": answer,
            "usage": o.usage,
            "cost_usd": self._cost(o.model, o.usage),
            "cut": o.cut,
            "duration_ms": o.duration_ms,
        }

    def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        return count
