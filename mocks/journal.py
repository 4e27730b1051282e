"""The journal: the most recent requests and their answers, bounded, with credentials redacted.

Each entry is written when the answer starts (so a client that has its answer finds the entry) and
completed when the answer has been sent (duration, a fault that cut the stream). Headers that carry
credentials are replaced by ``<redacted>``; bodies above 64 KiB are kept as a size note.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from .sse import accumulate, parse_sse

SECRET_HEADERS = frozenset(
    {"x-api-key", "authorization", "cookie", "proxy-authorization", "x-mockclaude-admin-token"}
)
MAX_KEPT_BODY = 64 * 1024


@dataclass
class Outcome:
    """What happened to one request: the facts stats count and the journal keeps."""

    request_id: str
    method: str
    path: str
    status: int
    started: float  # wall clock (epoch seconds)
    model: str | None = None
    usage: dict[str, Any] | None = None
    cost_usd: float = 0.0
    origin: str | None = None
    error_type: str | None = None
    fault: str | None = None
    stream: bool = False
    cut: str | None = None  # "error_event" or "drop" when a fault cut the stream
    duration_ms: float | None = None


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k in SECRET_HEADERS else v) for k, v in headers.items()}


def _body(raw: bytes) -> Any:
    if not raw:
        return None
    if raw.startswith(b"event:"):
        return {"stream": True, "message": accumulate([data for _, data in parse_sse(raw)])}
    if len(raw) > MAX_KEPT_BODY:
        return {"mockclaude_note": f"body of {len(raw)} bytes not kept (over {MAX_KEPT_BODY})"}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"mockclaude_note": "body is not JSON", "text": raw[:2048].decode("utf-8", "replace")}


def _readable(entry: dict[str, Any]) -> dict[str, Any]:
    request = entry["request"]
    response = entry["response"]
    if isinstance(response, bytes | bytearray):
        response = _body(bytes(response))
    elif callable(response):
        response = response()
    return {**entry, "request": {**request, "body": _body(request["body"])}, "response": response}


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=max(0, size))
        self._lock = threading.Lock()

    def add(self, outcome: Outcome, headers: dict[str, str], body: bytes, answer: Any) -> dict[str, Any]:
        entry = {
            "id": outcome.request_id,
            "time": datetime.fromtimestamp(outcome.started, UTC).isoformat().replace("+00:00", "Z"),
            "method": outcome.method,
            "path": outcome.path,
            "status": outcome.status,
            "model": outcome.model,
            "origin": outcome.origin,
            "fault": outcome.fault,
            "stream": outcome.stream,
            "request": {"headers": redact_headers(headers), "body": body},
            "response": answer,
            "usage": outcome.usage,
            "cost_usd": outcome.cost_usd,
            "cut": None,
            "duration_ms": None,
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self, limit: int | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """Newest last, like a log; ``limit`` keeps the newest ``limit``. Bodies are decoded here, on
        reading, so answering a request only stores references."""
        with self._lock:
            rows = [e for e in self._entries if path is None or e["path"] == path]
        rows = rows[-limit:] if limit else rows
        return [_readable(e) for e in rows]

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count
