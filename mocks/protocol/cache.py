"""Prompt caching: breakpoints create cache entries for their prefix; later requests read them.

Follows facts §2.8: render order tools → system → messages; ``cache_control`` on a block is a
breakpoint (top-level ``cache_control`` marks the last block); a prefix shorter than the model's
minimum cacheable length is silently not cached; TTL 5m by default or 1h; a read refreshes the TTL.
The first request with a prefix reports ``cache_creation_input_tokens`` (split by TTL in
``cache_creation``), a later one within the TTL reports ``cache_read_input_tokens``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import orjson

from mockclaude.protocol.tokens import REQUEST_OVERHEAD, prompt_segments

TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}
MAX_ENTRIES = 200_000


def _canonical(block: dict[str, Any]) -> bytes:
    return orjson.dumps({k: v for k, v in block.items() if k != "cache_control"}, option=orjson.OPT_SORT_KEYS)


def asks_for_caching(raw_body: bytes) -> bool:
    """Whether a raw request body may use the prompt cache (a cheap test before parsing anything)."""
    return b'"cache_control"' in raw_body


class PromptCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, bytes], float] = {}

    def clear(self) -> None:
        self._entries.clear()

    def usage(
        self, body: dict[str, Any], model: str, min_tokens: int, *, commit: bool = True
    ) -> dict[str, Any]:
        """Input-side usage of a request; with ``commit`` the cache is updated (entries, TTL refresh)."""
        segments = prompt_segments(body)
        total = REQUEST_OVERHEAD + sum(n for _, n in segments)
        breakpoints = self._breakpoints(body, segments)
        now = self._clock()
        read = 0
        read_keys: list[tuple[tuple[str, bytes], float]] = []
        created: list[tuple[int, str, tuple[str, bytes]]] = []  # (cumulative tokens, ttl, key)
        for cumulative, ttl, digest in breakpoints:
            key = (model, digest)
            expiry = self._entries.get(key)
            if expiry is not None and expiry > now:
                read = cumulative
                read_keys.append((key, TTL_SECONDS[ttl]))
                created = [c for c in created if c[0] > cumulative]
            elif cumulative >= min_tokens:
                created.append((cumulative, ttl, key))
        created = [c for c in created if c[0] > read]
        split = {"5m": 0, "1h": 0}
        boundary = read
        for cumulative, ttl, _ in created:
            split[ttl] += cumulative - boundary
            boundary = cumulative
        creation = boundary - read
        if commit:
            for key, ttl_s in read_keys:
                self._entries[key] = now + ttl_s
            for _, ttl, key in created:
                self._entries[key] = now + TTL_SECONDS[ttl]
            if len(self._entries) > MAX_ENTRIES:
                self._evict(now)
        return {
            "input_tokens": total - read - creation,
            "cache_creation_input_tokens": creation,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": split["5m"],
                "ephemeral_1h_input_tokens": split["1h"],
            },
        }

    @staticmethod
    def _breakpoints(
        body: dict[str, Any], segments: list[tuple[dict[str, Any], int]]
    ) -> list[tuple[int, str, bytes]]:
        """(cumulative tokens up to and including the block, ttl, prefix digest) per breakpoint."""
        auto = body.get("cache_control")
        out: list[tuple[int, str, bytes]] = []
        digest = hashlib.blake2b(digest_size=16)
        cumulative = REQUEST_OVERHEAD
        last = len(segments) - 1
        for i, (block, tokens) in enumerate(segments):
            digest.update(_canonical(block))
            cumulative += tokens
            control = block.get("cache_control") if isinstance(block, dict) else None
            if control is None and i == last and auto:
                control = auto
            if isinstance(control, dict):
                out.append((cumulative, control.get("ttl") or "5m", digest.copy().digest()))
        return out

    def _evict(self, now: float) -> None:
        # list(): one step, so a large body's worker thread and the event loop may both evict
        for key in [k for k, expiry in list(self._entries.items()) if expiry <= now]:
            self._entries.pop(key, None)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.pop(next(iter(self._entries)), None)
