"""The recording document: versioned YAML files, one interaction each.

Format ``mockclaude-recording/1`` (JSON Schema in ``mocks/store/recording.schema.json``)::

    format: mockclaude-recording/1
    recorded_at: 2026-11-24T20:00:00Z     # when
    upstream: https://api.anthropic.com   # from where
    spec_sha256: …                        # the contract in force
    request:  {method, path, match_key, headers: {anthropic-version, anthropic-beta}, body, after_ms?}
    response: {status, headers: {content-type, request-id}, body | events: [{at_ms, event, data}]}

The match key is the SHA-256 of the canonical request body (sorted keys, null-valued keys and ``stream``
removed; see :mod:`mockclaude.store.matchers`), so one recording answers both the streaming and the
non-streaming form of a request. A batch's polls, cancel, results and delete carry ``after_ms``, their
time since the batch was created: several recordings of one request (the polls) are its timeline, replayed on
that schedule (see :meth:`mockclaude.store.recordings.RecordingStore.find_at`). Credentials never reach a file: only the headers named in
``KEPT_REQUEST_HEADERS``/``KEPT_RESPONSE_HEADERS`` are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockclaude.errors import RecordingError
from mockclaude.files import YAMLError, dumps_yaml, load_yaml, write_atomically
from mockclaude.store.matchers import match_key

FORMAT = "mockclaude-recording/1"
KEPT_REQUEST_HEADERS = ("anthropic-version", "anthropic-beta")
KEPT_RESPONSE_HEADERS = ("content-type", "request-id", "retry-after", "x-should-retry")


@dataclass(frozen=True)
class RecordedEvent:
    at_ms: float
    event: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Recording:
    path: Path
    method: str
    request_path: str
    key: str
    request_body: Any
    status: int
    body: Any = None
    events: tuple[RecordedEvent, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    after_ms: float | None = None  # a batch's follow-up: its time since the batch was created

    @property
    def is_stream(self) -> bool:
        return bool(self.events)


def _require(data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise RecordingError(f"{where}: missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise RecordingError(f"{where}: field {key!r} must be {getattr(kind, '__name__', kind)}")
    return value


def load_document(path: Path, text: str) -> Any:
    try:
        return load_yaml(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise RecordingError(
            f"{path}:{line.strip()}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None


def parse_recording(path: Path, text: str) -> Recording:
    return recording_from_document(path, load_document(path, text))


def recording_from_document(path: Path, data: Any) -> Recording:
    where = str(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordingError(f"{where}: not a recording (format must be {FORMAT!r})")
    request = _require(data, "request", dict, where)
    response = _require(data, "response", dict, where)
    method = str(_require(request, "method", str, f"{where}: request")).upper()
    request_path = _require(request, "path", str, f"{where}: request")
    body = request.get("body")
    key = match_key(method, request_path, body)
    stored_key = request.get("match_key")
    if stored_key is not None and stored_key != key:
        raise RecordingError(f"{where}: request.match_key does not match the request body (edited by hand?)")
    status = _require(response, "status", int, f"{where}: response")
    events = tuple(
        RecordedEvent(float(e["at_ms"]), str(e["event"]), e["data"])
        for e in response.get("events") or []
        if isinstance(e, dict)
    )
    if "body" not in response and not events:
        raise RecordingError(f"{where}: response needs a body or events")
    return Recording(
        path=path,
        method=method,
        request_path=request_path,
        key=key,
        request_body=body,
        status=status,
        body=response.get("body"),
        events=events,
        headers={str(k).lower(): str(v) for k, v in (response.get("headers") or {}).items()},
        after_ms=float(request["after_ms"]) if isinstance(request.get("after_ms"), int | float) else None,
    )


def recording_document(
    *,
    method: str,
    path: str,
    body: Any,
    request_headers: dict[str, str],
    status: int,
    response_headers: dict[str, str],
    response_body: Any = None,
    events: Iterable[RecordedEvent] = (),
    upstream: str,
    recorded_at: str,
    spec_sha256: str,
    after_ms: float | None = None,
) -> dict[str, Any]:
    """The YAML document of one interaction, credentials and volatile headers left out."""
    response: dict[str, Any] = {
        "status": status,
        "headers": {k: v for k, v in response_headers.items() if k.lower() in KEPT_RESPONSE_HEADERS},
    }
    event_list = [{"at_ms": round(e.at_ms, 3), "event": e.event, "data": e.data} for e in events]
    if event_list:
        response["events"] = event_list
    else:
        response["body"] = response_body
    return {
        "format": FORMAT,
        "recorded_at": recorded_at,
        "upstream": upstream,
        "spec_sha256": spec_sha256,
        "request": {
            "method": method.upper(),
            "path": path,
            "match_key": match_key(method, path, body),
            "headers": {k: v for k, v in request_headers.items() if k.lower() in KEPT_REQUEST_HEADERS},
            "body": body,
            **({"after_ms": round(after_ms, 1)} if after_ms is not None else {}),
        },
        "response": response,
    }


def write_recording(directory: Path, name: str, document: dict[str, Any]) -> Path:
    """Write a recording document as ``directory/name``, atomically and durably: never a partial file."""
    return write_atomically(directory / name, dumps_yaml(document).encode("utf-8"), durable=True)
