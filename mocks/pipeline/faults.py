"""Faults on purpose: errors, delays, mid-stream errors, dropped connections and dribbled bodies.

A fault is written as ``key=value`` items separated by ``;`` (a bare leading status or error type is
shorthand for ``status=``/``type=``), the same way in the ``x-mockclaude-fault`` request header, in
``--fault`` flags, in a faults YAML file and through ``POST /_mock/faults``::

    529; times=2; retry_after=0.2        the first 2 attempts of each call get 529, the next succeeds
    error_after=5                        a stream sends 5 events, then ``event: error`` (overloaded)
    drop_after=5                         a stream sends 5 events, then the connection drops
    delay_ms=300; slow_ms=20; chunk=16   headers after 300 ms, then the body in 16-byte pieces every 20 ms
    429; probability=0.1; model=claude-haiku-4-5      (rules only) 10% of Haiku requests
    529; every_s=60; for_s=10                         (rules only) 10 s of 529s every minute

The attempt number of ``times`` is the SDK's ``x-stainless-retry-count`` when the request has one,
otherwise a counter per fault: each call sees ``times`` failures, then a success, then it starts over.
Injected errors imitate the API exactly (envelope, status, message, ``retry-after``,
``x-should-retry``); only the ``x-mockclaude-fault`` response header says they were injected.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mockclaude.errors import ERROR_TYPES, ApiError, FaultSyntaxError
from mockclaude.files import YAMLError, load_yaml
from mockclaude.protocol.sse import Event, encode_event
from mockclaude.wire.reply import Shaping

HEADER = "x-mockclaude-fault"
MAX_COUNTERS = 10_000  # attempt counters of `times` kept at once

# The API's message per injected status (facts §5.4); the rate-limit text is the request-count form.
MESSAGES: dict[int, str] = {
    400: "Invalid request",
    401: "invalid x-api-key",
    402: "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits.",
    403: "Your API key does not have permission to use the specified resource.",
    404: "The requested resource could not be found.",
    409: "Conflict",
    413: "Request exceeds the maximum size",
    429: "This request would exceed your organization's rate limit. For details, refer to: "
    "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
    "Please reduce the prompt length or the maximum tokens requested, or try again later. You may also "
    "contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.",
    500: "Internal server error",
    504: "Request timed out",
    529: "Overloaded",
}
STATUS_OF_TYPE = {kind: status for status, kind in ERROR_TYPES.items() if status != 405}
OVERLOADED_EVENT = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
_OVERLOADED_BYTES = encode_event(Event("error", OVERLOADED_EVENT))

_INTS = ("status", "times", "error_after", "drop_after", "chunk")
_FLOATS = ("retry_after", "delay_ms", "slow_ms", "probability", "every_s", "for_s")
_RULE_ONLY = ("probability", "path", "model", "every_s", "for_s", "seed")


# Accepted ranges: large enough for any test, small enough that nothing waits for ever.
RANGES: dict[str, tuple[float, float]] = {
    "status": (400, 599),
    "times": (0, 1_000_000),
    "error_after": (0, 1_000_000),
    "drop_after": (0, 1_000_000),
    "chunk": (1, 1_048_576),
    "retry_after": (0, 86_400),
    "delay_ms": (0, 600_000),
    "slow_ms": (0, 60_000),
    "probability": (0, 1),
    "every_s": (0.001, 86_400),
    "for_s": (0.001, 86_400),
}
# The shortest interval between two dribbled pieces: each piece is one write, so this bounds the writes of
# a dribbled answer to 1,000 a second (about 1% of a core) however small the chunk.
MIN_SLOW_MS = 1.0
HEADER_CONTEXT = HEADER
RULE_CONTEXT = "fault rule"


def _bad(context: str, text: str, message: str) -> FaultSyntaxError:
    return FaultSyntaxError(f"{context}: {text!r}: {message}")


@dataclass(frozen=True)
class Fault:
    """One parsed fault. ``status`` set = an error answer; the rest shape a successful answer."""

    text: str
    status: int | None = None
    type: str | None = None
    times: int | None = None
    retry_after: float | None = None
    should_retry: bool | None = None
    delay_ms: float = 0.0
    error_after: int | None = None
    drop_after: int | None = None
    slow_ms: float = 0.0
    chunk: int = 16
    # rules only
    probability: float = 1.0
    path: str | None = None
    model: str | None = None
    every_s: float | None = None
    for_s: float | None = None
    seed: str | None = None

    @property
    def kind(self) -> str:
        """What stats count it as: the status, or the stream fault's name."""
        if self.status is not None:
            return str(self.status)
        for name in ("error_after", "drop_after"):
            if getattr(self, name) is not None:
                return "error_event" if name == "error_after" else "drop"
        return "slow" if self.slow_ms else "delay"

    def shaping(self) -> Shaping:
        """What this fault does to a successful answer, as the wire layer applies it."""
        return Shaping(
            header=(HEADER, "injected"),
            delay_s=self.delay_ms / 1000,
            dribble=(self.slow_ms / 1000, self.chunk) if self.slow_ms else None,
            error_after=self.error_after,
            drop_after=self.drop_after,
            error_event=_OVERLOADED_BYTES,
        )

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        kind = (
            self.type
            or ERROR_TYPES.get(self.status)
            or ("invalid_request_error" if self.status < 500 else "api_error")
        )
        retry_after = self.retry_after
        if retry_after is None and self.status == 429:
            retry_after = 1.0
        headers: list[tuple[str, str]] = [(HEADER, "injected")]
        if retry_after is not None:
            headers.append(("retry-after", _seconds(retry_after)))
        if self.should_retry is not None:
            headers.append(("x-should-retry", "true" if self.should_retry else "false"))
        message = MESSAGES.get(self.status) or (
            "Invalid request" if self.status < 500 else "Internal server error"
        )
        return ApiError(self.status, message, type=kind, headers=tuple(headers))


def _seconds(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def parse_fault(text: str, *, rule: bool = False) -> Fault:
    """Parse a fault (``rule``: with the rule-only keys); a wrong item is a :class:`FaultSyntaxError` naming it.

    Where the text came with an HTTP request, the caller answers the error as the mock's own 400
    (:meth:`ApiError.from_domain`); a ``--fault`` flag or a faults file makes it a configuration error.
    """
    context = RULE_CONTEXT if rule else HEADER_CONTEXT
    values: dict[str, Any] = {}
    items = [item.strip() for item in text.split(";") if item.strip()]
    if not items:
        raise _bad(context, text, "empty fault; expected e.g. '529; times=2' (see the README, 'Faults')")
    for position, item in enumerate(items):
        key, sep, raw = item.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if not sep:
            if position != 0:
                raise _bad(context, text, f"{item!r} is not key=value")
            key, raw = ("status", item) if item.isascii() and item.isdigit() else ("type", item)
        if key in values:
            raise _bad(context, text, f"{key!r} is given twice")
        values[key] = _value(context, text, key, raw, rule)
    fault = Fault(text=text, **values)
    if fault.type is not None:
        status = STATUS_OF_TYPE[fault.type]
        if fault.status is not None and fault.status != status:
            raise _bad(context, text, f"type {fault.type} goes with status {status}, not {fault.status}")
        fault = Fault(**{**asdict(fault), "status": status})
    if fault.status is not None and (fault.error_after is not None or fault.drop_after is not None):
        raise _bad(context, text, "an error status cannot be combined with error_after or drop_after")
    if fault.status is None:
        if fault.retry_after is not None or fault.should_retry is not None:
            raise _bad(context, text, "retry_after and should_retry go with an error status")
        shaping = (fault.error_after, fault.drop_after) != (None, None) or fault.delay_ms or fault.slow_ms
        if not shaping:
            raise _bad(
                context,
                text,
                "nothing to inject: give a status, error_after, drop_after, delay_ms or slow_ms",
            )
    if 0 < fault.slow_ms < MIN_SLOW_MS:
        raise _bad(
            context,
            text,
            f"slow_ms={fault.slow_ms:g} is below {MIN_SLOW_MS:g} ms, the shortest interval between two pieces "
            "(a larger chunk sends the body faster)",
        )
    if (fault.every_s is None) != (fault.for_s is None):
        raise _bad(context, text, "every_s and for_s go together (for_s seconds of faults in every every_s)")
    return fault


def _value(context: str, text: str, key: str, raw: str, rule: bool) -> Any:
    known = (*_INTS, *_FLOATS, "type", "should_retry", *_RULE_ONLY)
    if key not in known:
        raise _bad(context, text, f"unknown key {key!r}; known: {', '.join(sorted(set(known)))}")
    if key in _RULE_ONLY and not rule:
        raise _bad(
            context, text, f"{key!r} belongs to fault rules (--fault, POST /_mock/faults), not to the header"
        )
    if key == "type":
        if raw not in STATUS_OF_TYPE:
            raise _bad(
                context, text, f"unknown error type {raw!r}; known: {', '.join(sorted(STATUS_OF_TYPE))}"
            )
        return raw
    if key == "should_retry":
        if raw.lower() not in ("true", "false"):
            raise _bad(context, text, f"should_retry={raw!r} must be true or false")
        return raw.lower() == "true"
    if key in ("path", "model", "seed"):
        if not raw:
            raise _bad(context, text, f"{key}= is empty")
        return raw
    try:
        if len(raw) > 32 or not raw.isascii():
            raise ValueError
        number: float = int(raw) if key in _INTS else float(raw)
    except ValueError:
        kind = "an integer" if key in _INTS else "a number"
        raise _bad(context, text, f"{key}={raw!r} is not {kind}") from None
    low, high = RANGES[key]
    if not low <= number <= high:  # also refuses nan
        raise _bad(context, text, f"{key}={raw!r} is out of range ({low:g} to {high:g})")
    return number


@dataclass
class Armed:
    """A fault rule in force: from the configuration or armed through the admin API."""

    id: str
    fault: Fault
    source: str  # "config" or "admin"
    created: float = field(default_factory=time.monotonic)
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def active(self, now: float) -> bool:
        f = self.fault
        if f.every_s is None or f.for_s is None:
            return True
        return (now - self.created) % f.every_s < f.for_s

    def describe(self) -> dict[str, Any]:
        f = self.fault
        fields_ = {k: v for k, v in asdict(f).items() if v is not None and k != "text"}
        return {"id": self.id, "fault": f.text, "source": self.source, "fired": self.fired, **fields_}


class FaultBook:
    """The faults in force and the attempt counters of ``times``; thread-safe enough for one event loop."""

    def __init__(self, rules: list[Fault]) -> None:
        self._config = rules
        self._lock = threading.Lock()
        self._next = 0
        self.armed: list[Armed] = []
        self._attempts: dict[tuple[str, str], int] = {}
        self.reset()

    def configure(self, rules: list[Fault]) -> None:
        """New configured rules (a reload); admin-armed faults stay."""
        with self._lock:
            admin = [a for a in self.armed if a.source == "admin"]
            self._config = rules
            self.armed = [self._make(f, "config") for f in rules] + admin

    def reset(self) -> None:
        """Back to the configured rules: admin-armed faults and attempt counters are cleared."""
        with self._lock:
            self.armed = [self._make(f, "config") for f in self._config]
            self._attempts.clear()

    def _make(self, fault: Fault, source: str) -> Armed:
        self._next += 1
        armed = Armed(f"fault_{self._next:04d}", fault, source)
        if fault.seed is not None:
            armed.rng.seed(fault.seed)
        return armed

    def arm(self, fault: Fault) -> Armed:
        with self._lock:
            armed = self._make(fault, "admin")
            self.armed.append(armed)
        return armed

    def disarm(self, fault_id: str | None = None) -> int:
        with self._lock:
            before = len(self.armed)
            self.armed = [a for a in self.armed if fault_id is not None and a.id != fault_id]
            return before - len(self.armed)

    def select(self, path: str, models: frozenset[str], headers: dict[str, str]) -> Fault | None:
        """The fault this request meets, if any: its own header first, then the rules in order.

        ``models`` holds the names the request's model goes by (as sent, its id, its aliases).
        """
        text = headers.get(HEADER)
        if text:
            try:
                fault = parse_fault(text)
            except FaultSyntaxError as exc:  # the request brought it: the mock's own 400
                raise ApiError.from_domain(exc) from None
            return fault if self._fails(("header", text + "\0" + path), fault, headers) else None
        now = time.monotonic()
        for armed in list(self.armed):
            f = armed.fault
            if f.path is not None and f.path != path:
                continue
            if f.model is not None and f.model not in models:
                continue
            if not armed.active(now) or (f.probability < 1 and armed.rng.random() >= f.probability):
                continue
            if self._fails(("rule", armed.id), f, headers):
                armed.fired += 1
                return f
        return None

    def _fails(self, key: tuple[str, str], fault: Fault, headers: dict[str, str]) -> bool:
        if fault.times is None:
            return True
        retry = headers.get("x-stainless-retry-count", "")
        if retry.isascii() and retry.isdigit() and len(retry) < 10:
            return int(retry) < fault.times
        with self._lock:
            if len(self._attempts) >= MAX_COUNTERS and key not in self._attempts:
                self._attempts.clear()  # distinct fault texts without end: start the counts over
            attempt = self._attempts.get(key, 0)
            self._attempts[key] = (attempt + 1) % (fault.times + 1)
        return attempt < fault.times

    @property
    def needs_model(self) -> bool:
        return any(a.fault.model is not None for a in self.armed)


def load_rules(texts: tuple[str, ...], path: Path | None) -> list[Fault]:
    """Fault rules from ``--fault`` flags and a faults YAML file (a list of mappings or strings)."""
    rules = [parse_fault(t, rule=True) for t in texts]
    if path is None:
        return rules
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise FaultSyntaxError(f"{path}: not valid YAML ({exc})") from None
    entries = document.get("faults", document) if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise FaultSyntaxError(f"{path}: expected a list of faults (or a mapping with a 'faults' list)")
    for i, entry in enumerate(entries):
        try:
            rules.append(parse_fault(rule_text(entry), rule=True))
        except FaultSyntaxError as exc:
            raise FaultSyntaxError(f"{path}: faults[{i}]: {exc}") from None
    return rules


def rule_text(entry: Any) -> str:
    """A rule given as a mapping ({fault: "529", probability: 0.1, ...}) or a string, as one fault text."""
    if isinstance(entry, str):
        return entry
    if not isinstance(entry, dict) or not isinstance(entry.get("fault"), str | int):
        raise FaultSyntaxError(
            "expected a string or a mapping with a 'fault' key, e.g. {fault: '529', probability: 0.1}"
        )
    for key, value in entry.items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise FaultSyntaxError(f"{key}: {value!r} must be a string, a number or a boolean")
        if isinstance(value, str) and ";" in value and key != "fault":
            raise FaultSyntaxError(f"{key}: {value!r} must not contain ';'")
    extra = "".join(
        f"; {k}={str(v).lower() if isinstance(v, bool) else v}"
        for k, v in entry.items()
        if k != "fault" and v is not None
    )
    return f"{entry['fault']}{extra}"
