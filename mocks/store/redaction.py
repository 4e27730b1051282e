"""Redaction of personal data in recordings, with stable placeholders.

A value is replaced by ``<redacted:KIND:HASH>`` where HASH is the first 10 hex digits of its SHA-256,
so the same value always gets the same placeholder. The same redaction is applied to incoming requests
before they are matched, so a redacted recording still matches the request it came from.
Built-in kinds: ``email``, ``phone``; any other pattern is a regular expression (kind ``custom``).
Strings shaped like credentials (API keys, tokens; kind ``secret``) are always redacted, asked or not.

:func:`looks_secret` and :func:`redact_target` say the same for headers and query strings (the journal,
the access log): a value is a credential when its name says so (``...token``, ``...key``, ``auth...``)
or when it is shaped like one, whatever its name.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import orjson

BUILT_IN = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "phone": r"\+?\d[\d\s().-]{7,}\d",
}
# Credential shapes: Anthropic and OpenAI-style keys, AWS access keys, GitHub, Slack and Google tokens,
# JWTs, private-key blocks. A string without one of KEY_MARKERS is not searched (bodies can be large).
KEY_SHAPE = re.compile(
    r"sk-[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{30,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
KEY_MARKERS = (
    "sk-",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "xox",
    "AIza",
    "eyJ",
    "-----BEGIN",
)
_BYTE_MARKERS = tuple(m.encode() for m in KEY_MARKERS)
# In a header or query value, any long run of upper, lower case letters and digits mixed is a token too.
_RUN = re.compile(r"[A-Za-z0-9+/_=.-]{32,}")
SECRET_NAME = re.compile(
    r"auth|token|secret|passw|pwd|cookie|session|signature|credential|api[-_]?key|key$", re.I
)
REDACTED = "<redacted>"


def has_key(text: str) -> bool:
    """Whether ``text`` holds something shaped like an API key or token (see KEY_SHAPE)."""
    return any(m in text for m in KEY_MARKERS) and KEY_SHAPE.search(text) is not None


def looks_secret(name: str, value: str) -> bool:
    """Whether a header or query value is a credential, by its name or by its shape."""
    if not value:
        return False
    if SECRET_NAME.search(name) or has_key(value):
        return True
    return any(_random(run) for run in _RUN.findall(value))


def _random(run: str) -> bool:
    return not run.isalpha() and not run.isdigit() and run != run.lower() and run != run.upper()


def redact_target(target: str) -> str:
    """A request target (path and query) with each credential-looking query value ``<redacted>``."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    pairs = [(k, REDACTED if looks_secret(k, v) else v) for k, v in parse_qsl(query, keep_blank_values=True)]
    if not pairs and looks_secret("", query):
        return f"{path}?{REDACTED}"
    return f"{path}?{urlencode(pairs, safe='<>', quote_via=quote)}"


class Redactor:
    def __init__(self, patterns: tuple[str, ...] = ()) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = [("secret", KEY_SHAPE)]
        self._asked = bool(patterns)
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
            if kind == "secret" and not any(m in value for m in KEY_MARKERS):
                continue
            value = pattern.sub(lambda m, k=kind: _placeholder(k, m.group(0)), value)  # type: ignore[misc]
        return value

    def apply(self, value: Any) -> Any:
        """``value`` with every string redacted (dict keys are left alone); ``value`` itself when only
        credentials are redacted and it holds no marker of one (one pass in C, no copy)."""
        if not self._asked and not _mentions_key(value):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        return value


def _mentions_key(value: Any) -> bool:
    try:
        blob = value.encode() if isinstance(value, str) else orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return True  # too deep or not JSON: look string by string
    return any(marker in blob for marker in _BYTE_MARKERS)


def _placeholder(kind: str, value: str) -> str:
    if value.startswith("<redacted:"):
        return value
    return f"<redacted:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:10]}>"
