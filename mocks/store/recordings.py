"""The recording store: one set (a directory) of recordings, indexed by match key.

Finding a recording is one dict lookup by the set's matcher key (:mod:`mockclaude.store.matchers`);
the parsed documents (:mod:`mockclaude.store.format`) are cached across starts. Why a request matched
nothing is worked out only when asked: :meth:`RecordingStore.explain` and :meth:`RecordingStore.closest`.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

import orjson

from mockclaude.errors import RecordingError
from mockclaude.files import write_atomically
from mockclaude.store.format import (
    RecordedEvent,
    Recording,
    load_document,
    parse_recording,
    recording_document,
    recording_from_document,
    write_recording,
)
from mockclaude.store.matchers import EXACT, MATCHERS, Matcher, MatchResult
from mockclaude.store.redaction import Redactor

# Importers of the names the flat module held (sources/, pipeline/) keep importing them from here.
__all__ = [
    "SET_FILE",
    "RecordedEvent",
    "Recording",
    "RecordingError",
    "RecordingStore",
    "load_matcher",
    "parse_recording",
    "recording_document",
    "write_recording",
]

SET_FILE = "recording-set.yaml"


def load_matcher(directory: Path) -> Matcher:
    """The matcher a set's ``recording-set.yaml`` chooses (``exact`` without one)."""
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
        self._timelines: dict[str, list[Recording]] = {}  # a batch's polls: one request, several answers
        self.matcher = EXACT
        self._chosen: Matcher | None = None  # a matcher set by the user (use_matcher), kept on reloads
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

    def find_at(self, method: str, path: str, body: Any, elapsed_ms: float) -> Recording | None:
        """The recording of this request for ``elapsed_ms`` after its batch was created: of a timeline (the
        polls of one batch), the last one recorded at or before then (the first one before it starts)."""
        recording = self.find(method, path, body)
        timeline = self._timelines.get(self._key_of(recording)) if recording is not None else None
        if not timeline:
            return recording
        due = [r for r in timeline if (r.after_ms or 0.0) <= elapsed_ms]
        return due[-1] if due else timeline[0]

    def explain(self, method: str, path: str, body: Any) -> list[tuple[Recording, MatchResult]]:
        """Every recording with whether it answers this request and why not, nearest first: matches, then
        the same method and path by fewest differing fields, then the rest; ties by file path.
        Costs a comparison per recording: for a miss to explain, never on the lookup path."""
        wanted = self.matcher.view(self.redactor.apply(body))
        results = [
            (recording, self.matcher.match_view(method, path, wanted, recording))
            for recording in self._by_key.values()
        ]

        def nearness(item: tuple[Recording, MatchResult]) -> tuple[int, int, str]:
            recording, result = item
            same_route = recording.method == method.upper() and recording.request_path == path
            rank = 0 if result.matched else 1 if same_route else 2
            return rank, len(result.fields), str(recording.path)

        return sorted(results, key=nearness)

    def closest(self, method: str, path: str, body: Any, count: int = 3) -> list[tuple[Recording, list[str]]]:
        """The recordings nearest to a request that matched none, with the fields that differ (for the miss error)."""
        same_route = [
            (recording, list(result.fields))
            for recording, result in self.explain(method, path, body)
            if recording.method == method.upper() and recording.request_path == path
        ]
        return same_route[:count]

    def _key_of(self, recording: Recording) -> str:
        if self.matcher is EXACT:
            return recording.key
        return self.matcher.key(recording.method, recording.request_path, recording.request_body)

    def add(self, recording: Recording) -> None:
        key = self._key_of(recording)
        if recording.after_ms is not None:
            timeline = [r for r in self._timelines.get(key, ()) if r.path != recording.path]
            timeline.append(recording)
            timeline.sort(key=lambda r: r.after_ms or 0.0)
            self._timelines[key] = timeline
            recording = timeline[-1]
        self._by_key[key] = recording

    def replace_with(self, other: RecordingStore) -> None:
        """Take over another store's recordings (a reload), keeping this object in place (and the matcher
        given to :meth:`use_matcher`, if any)."""
        self._by_key = other._by_key
        self._timelines = other._timelines
        self.skipped = other.skipped
        self.matcher = other.matcher
        if self._chosen is not None:
            self.use_matcher(self._chosen)

    def use_matcher(self, matcher: Matcher) -> None:
        """Match with ``matcher`` from now on, instead of the set's ``recording-set.yaml`` choice."""
        recordings = list(self._by_key.values())
        recordings += [r for timeline in self._timelines.values() for r in timeline]
        self._chosen = self.matcher = matcher
        self._by_key, self._timelines = {}, {}
        for recording in recordings:
            self.add(recording)

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
