"""Redaction of personal data in recordings, with stable placeholders.

A value is replaced by ``<redacted:KIND:HASH>`` where HASH is the first 10 hex digits of its SHA-256,
so the same value always gets the same placeholder. The same redaction is applied to incoming requests
before they are matched, so a redacted recording still matches the request it came from.
Built-in kinds: ``email``, ``phone``; any other pattern is a regular expression (kind ``custom``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

BUILT_IN = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "phone": r"\+?\d[\d\s().-]{7,}\d",
}


class Redactor:
    def __init__(self, patterns: tuple[str, ...] = ()) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for pattern in patterns:
            kind = pattern if pattern in BUILT_IN else "custom"
            try:
                self._patterns.append((kind, re.compile(BUILT_IN.get(pattern, pattern))))
            except re.error as exc:
                raise ValueError(f"redact: {pattern!r} is not a valid regular expression ({exc})") from None

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def text(self, value: str) -> str:
        for kind, pattern in self._patterns:
            value = pattern.sub(lambda m, k=kind: _placeholder(k, m.group(0)), value)  # type: ignore[misc]
        return value

    def apply(self, value: Any) -> Any:
        """``value`` with every string redacted (dict keys are left alone)."""
        if not self._patterns:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        return value


def _placeholder(kind: str, value: str) -> str:
    if value.startswith("<redacted:"):
        return value
    return f"<redacted:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:10]}>"
