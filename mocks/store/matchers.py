"""Which recorded request answers a request: match keys, the named matchers, and why a match fails.

A matcher reduces a request body to its *view* (what decides the match) and hashes it into a key, so
finding a recording is one dict lookup. Only when asked (a miss to explain) does it compare a request
with one recording and say why they differ, as a :class:`MatchResult` (after getsentry/responses'
matchers, which return ``(matched, reason)``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

NOISE_FIELDS = ("stream", "metadata", "service_tier", "inference_geo", "diagnostics")
MATCHERS = ("exact", "ignore_fields", "last_user_message", "model_only")
_ID_KEYS = {"tool_use": "id", "server_tool_use": "id"}
_SHOWN_FIELDS = 6  # a reason names at most this many differing fields


@dataclass(frozen=True)
class MatchResult:
    """Whether something matched, and why not (or what held). Falsy when it did not match.

    ``fields`` are the dotted body paths that differ, when the body decided a recording's miss."""

    matched: bool
    reason: str
    fields: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.matched


class Recorded(Protocol):
    """What a matcher compares a request with (a :class:`~mockclaude.store.format.Recording`)."""

    @property
    def method(self) -> str: ...
    @property
    def request_path(self) -> str: ...
    @property
    def request_body(self) -> Any: ...


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


def _dumps(view: Any) -> bytes:
    return orjson.dumps(view, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True)
class Matcher:
    """Which parts of a request decide the recording that answers it.

    - ``exact`` (default): everything but header noise, key order, null values and the fields in
      ``NOISE_FIELDS`` (``stream``, ``metadata``…), with echoed tool-use ids normalised;
    - ``ignore_fields``: the same, less the top-level fields listed in ``ignore``;
    - ``last_user_message``: the model and the last user message only;
    - ``model_only``: the model only.
    - ``custom``: what ``function`` returns for the body (null values dropped), e.g.
      ``lambda body: body["messages"][-1]``; a test's own (the pytest plugin's ``matcher=``).

    Chosen per recording set with a ``recording-set.yaml`` (``matcher:``, ``ignore:``) in its directory.
    """

    kind: str = "exact"
    ignore: tuple[str, ...] = ()
    function: Callable[[Any], Any] | None = None

    def view(self, body: Any) -> Any:
        canonical = _canonical(body)
        if self.function is not None:
            return self.function(canonical)
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

    def match(self, method: str, path: str, body: Any, recorded: Recorded) -> MatchResult:
        """Whether ``recorded`` answers this request, and if not why: the method, the path, or the body
        fields that differ. Agrees with :meth:`key` (equal keys exactly when this matches)."""
        return self.match_view(method, path, self.view(body), recorded)

    def match_view(self, method: str, path: str, view: Any, recorded: Recorded) -> MatchResult:
        """:meth:`match` for a request already reduced by :meth:`view` (to compare it with many recordings)."""
        if method.upper() != recorded.method.upper():
            return MatchResult(False, f"method {method.upper()} != recorded {recorded.method.upper()}")
        if path != recorded.request_path:
            return MatchResult(False, f"path {path} != recorded {recorded.request_path}")
        theirs = self.view(recorded.request_body)
        if _dumps(view) == _dumps(theirs):
            return MatchResult(True, f"{self.kind}: request matches")
        fields = tuple(differing_fields(view, theirs))
        if not fields:  # equal values of different JSON types (1 and 1.0, true and 1)
            return MatchResult(False, "body differs in the JSON type of a value")
        shown = ", ".join(fields[:_SHOWN_FIELDS])
        more = f" (+{len(fields) - _SHOWN_FIELDS} more)" if len(fields) > _SHOWN_FIELDS else ""
        return MatchResult(False, f"body differs in: {shown}{more}", fields)


EXACT = Matcher()


def match_key(method: str, path: str, body: Any) -> str:
    """The exact matcher's key: what a recording file stores as ``request.match_key``."""
    return EXACT.key(method, path, body)


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
