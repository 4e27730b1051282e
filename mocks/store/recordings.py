"""Recordings: versioned YAML files, one interaction each, replayed by exact request match.

Format ``mockclaude-recording/1`` (JSON Schema in ``mocks/recording.schema.json``)::

    format: mockclaude-recording/1
    recorded_at: 2026-11-24T20:00:00Z     # when
    upstream: https://api.anthropic.com   # from where
    spec_sha256: …                        # the contract in force
    request:  {method, path, match_key, headers: {anthropic-version, anthropic-beta}, body}
    response: {status, headers: {content-type, request-id}, body | events: [{at_ms, event, data}]}

The match key is the SHA-256 of the canonical request body (sorted keys, null-valued keys and ``stream``
removed), so one
recording answers both the streaming and the non-streaming form of a request. Credentials never reach
a file: only the headers named in ``KEPT_REQUEST_HEADERS``/``KEPT_RESPONSE_HEADERS`` are written.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from mockclaude.errors import RecordingError
from mockclaude.files import YAMLError, dumps_yaml, load_yaml, write_atomically
from mockclaude.store.redaction import Redactor

FORMAT = "mockclaude-recording/1"
KEPT_REQUEST_HEADERS = ("anthropic-version", "anthropic-beta")
KEPT_RESPONSE_HEADERS = ("content-type", "request-id", "retry-after", "x-should-retry")


NOISE_FIELDS = ("stream", "metadata", "service_tier", "inference_geo", "diagnostics")
MATCHERS = ("exact", "ignore_fields", "last_user_message", "model_only")
SET_FILE = "recording-set.yaml"
_ID_KEYS = {"tool_use": "id", "server_tool_use": "id"}


def _canonical(value: Any) -> Any:
    """Keys with a null value are dropped (for the API, null and absent mean the same)."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _normalise_tool_ids(messages: Any) -> Any:
    """Tool-use ids the client echoes back (from an earlier answer) become ``toolu_#1``, ``toolu_#2``… in order
    of appearance, in the tool_use blocks and in every ``tool_use_id`` that refers to them."""
    if not isinstance(messages, list):
        return messages
    names: dict[str, str] = {}

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: rename(v) for k, v in value.items()}
            if out.get("type") in _ID_KEYS and isinstance(out.get("id"), str):
                out["id"] = names.setdefault(out["id"], f"toolu_#{len(names) + 1}")
            if isinstance(out.get("tool_use_id"), str):
                out["tool_use_id"] = names.setdefault(out["tool_use_id"], f"toolu_#{len(names) + 1}")
            return out
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value

    return rename(messages)


@dataclass(frozen=True)
class Matcher:
    """Which parts of a request decide the recording that answers it.

    - ``exact`` (default): everything but header noise, key order, null values and the fields in
      ``NOISE_FIELDS`` (``stream``, ``metadata``…), with echoed tool-use ids normalised;
    - ``ignore_fields``: the same, less the top-level fields listed in ``ignore``;
    - ``last_user_message``: the model and the last user message only;
    - ``model_only``: the model only.
    Chosen per recording set with a ``recording-set.yaml`` (``matcher:``, ``ignore:``) in its directory.
    """

    kind: str = "exact"
    ignore: tuple[str, ...] = ()

    def view(self, body: Any) -> Any:
        canonical = _canonical(body)
        if not isinstance(canonical, dict):
            return canonical
        if self.kind == "model_only":
            return {"model": canonical.get("model")}
        messages = _normalise_tool_ids(canonical.get("messages"))
        if self.kind == "last_user_message":
            users = [m for m in messages or [] if isinstance(m, dict) and m.get("role") == "user"]
            return {"model": canonical.get("model"), "last_user": users[-1] if users else None}
        dropped = set(NOISE_FIELDS) | (set(self.ignore) if self.kind == "ignore_fields" else set())
        view = {k: v for k, v in canonical.items() if k not in dropped}
        if "messages" in view:
            view["messages"] = messages
        return view

    def key(self, method: str, path: str, body: Any) -> str:
        data = orjson.dumps([method.upper(), path, self.view(body)], option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(data).hexdigest()


EXACT = Matcher()


def match_key(method: str, path: str, body: Any) -> str:
    """The exact matcher's key: what a recording file stores as ``request.match_key``."""
    return EXACT.key(method, path, body)


def load_matcher(directory: Path) -> Matcher:
    path = directory / SET_FILE
    if not path.exists():
        return EXACT
    data = load_document(path, path.read_text(encoding="utf-8")) or {}
    kind = data.get("matcher", "exact") if isinstance(data, dict) else None
    if kind not in MATCHERS:
        raise RecordingError(f"{path}: matcher: {kind!r} is not one of {', '.join(MATCHERS)}")
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(f, str) for f in ignore):
        raise RecordingError(f"{path}: ignore: expected a list of top-level field names")
    return Matcher(kind, tuple(ignore))


def differing_fields(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two canonical request views differ (first difference inside lists)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out += (
                    differing_fields(a.get(key), b.get(key), f"{prefix}{key}.")
                    if key in a and key in b
                    else [prefix + key]
                )
        return out
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return differing_fields(x, y, f"{prefix}{i}.")
        return [prefix.rstrip(".") + f" (length {len(a)} vs {len(b)})"] if len(a) != len(b) else []
    return [prefix.rstrip(".")] if a != b else []


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
    )


class RecordingStore:
    """The recordings of one set (a directory), indexed by match key: lookup cost is one dict access."""

    def __init__(
        self,
        directory: Path | None,
        *,
        skip_bad: bool = False,
        redactor: Redactor | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.directory = directory
        self.redactor = redactor or Redactor()
        self.skipped: list[str] = []
        self._by_key: dict[str, Recording] = {}
        self.matcher = EXACT
        if directory is not None and directory.exists():
            self.matcher = load_matcher(directory)
            self._load(directory, skip_bad, cache_dir)

    def _load(self, directory: Path, skip_bad: bool, cache_dir: Path | None) -> None:
        """Parse every recording, reusing the parse of files unchanged since the last start.

        Parsing YAML costs ~0.2 ms a file even with libyaml; the parsed documents are kept in
        ``cache_dir`` (JSON, keyed by the directory) with each file's size and mtime, so a later
        start only parses what changed. Every document is checked again either way.
        """
        index_path = _index_path(directory, cache_dir)
        old_index = _read_index(index_path)
        new_index: dict[str, Any] = {}
        for path in sorted(directory.rglob("*.yaml")):
            if path.name == SET_FILE:
                continue
            try:
                stat = path.stat()
                stamp = [stat.st_mtime_ns, stat.st_size]
                entry = old_index.get(str(path))
                if entry is not None and entry[0] == stamp:
                    document = entry[1]
                else:
                    document = load_document(path, path.read_text(encoding="utf-8"))
                recording = recording_from_document(path, document)
                new_index[str(path)] = [stamp, document]
            except (RecordingError, OSError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
                message = (
                    str(exc) if isinstance(exc, RecordingError) else f"{path}: unreadable recording ({exc})"
                )
                if not skip_bad:
                    raise RecordingError(message) from None
                self.skipped.append(message)
                continue
            self.add(recording)
        changed = new_index.keys() != old_index.keys() or any(
            old_index[k][0] != v[0] for k, v in new_index.items()
        )
        if changed:
            _write_index(index_path, new_index)

    def __len__(self) -> int:
        return len(self._by_key)

    def find(self, method: str, path: str, body: Any) -> Recording | None:
        if not self._by_key:
            return None
        return self._by_key.get(self.matcher.key(method, path, self.redactor.apply(body)))

    def closest(self, method: str, path: str, body: Any, count: int = 3) -> list[tuple[Recording, list[str]]]:
        """The recordings nearest to a request that matched none, with the fields that differ (for the miss error)."""
        wanted = self.matcher.view(self.redactor.apply(body))
        scored = []
        for recording in self._by_key.values():
            if recording.method == method.upper() and recording.request_path == path:
                fields = differing_fields(wanted, self.matcher.view(recording.request_body))
                scored.append((len(fields), str(recording.path), recording, fields))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [(recording, fields) for _, _, recording, fields in scored[:count]]

    def add(self, recording: Recording) -> None:
        key = (
            recording.key
            if self.matcher is EXACT
            else self.matcher.key(recording.method, recording.request_path, recording.request_body)
        )
        self._by_key[key] = recording

    def replace_with(self, other: RecordingStore) -> None:
        """Take over another store's recordings (a reload), keeping this object in place."""
        self._by_key = other._by_key
        self.skipped = other.skipped
        self.matcher = other.matcher

    def all(self) -> list[Recording]:
        return list(self._by_key.values())


def _index_path(directory: Path, cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:24]
    return cache_dir / f"recordings-{digest}.json"


def _read_index(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        index = orjson.loads(path.read_bytes())
        return index if isinstance(index, dict) else {}
    except (OSError, orjson.JSONDecodeError):
        return {}


def _write_index(path: Path | None, index: dict[str, Any]) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError, TypeError):  # not cacheable (or no room): the next start parses again
        write_atomically(path, orjson.dumps(index))


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
        },
        "response": response,
    }


def write_recording(directory: Path, name: str, document: dict[str, Any]) -> Path:
    """Write a recording document as ``directory/name``, atomically and durably: never a partial file."""
    return write_atomically(directory / name, dumps_yaml(document).encode("utf-8"), durable=True)
