"""Rate limits like the API's: token buckets per API key and model class, refilled continuously.

Three buckets per (key, model class): requests, input tokens (input plus cache creation; cache reads
are free) and output tokens. At admission a request takes one request, its estimated input tokens and
``max_tokens`` output tokens; when its answer is done the estimate is corrected to the real usage.
A bucket that cannot pay gets the API's 429 with ``retry-after`` (whole seconds until it can).
Every admitted answer carries the ``anthropic-ratelimit-*`` headers; ``*-reset`` is when the bucket is
full again (RFC 3339). The API rounds token ``remaining`` to thousands; the mock reports exact values.

The table of buckets is bounded: a key's buckets are forgotten once they are all full again (a fresh
set would be the same), and beyond :data:`MAX_KEYS` keys the least recently used go first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mockclaude.config import DEFAULT_RATE_LIMITS
from mockclaude.errors import ApiError, RateLimitSpecError
from mockclaude.files import load_yaml

DEFAULT_PRESETS = DEFAULT_RATE_LIMITS
CUSTOM_KEYS = ("rpm", "itpm", "otpm")
MAX_KEYS = 10_000  # (API key, model class) pairs with buckets at once


@dataclass(frozen=True)
class Limits:
    rpm: float
    itpm: float
    otpm: float


class LimitTable:
    """Limits per model class, from a preset tier or a custom ``rpm=..,itpm=..,otpm=..`` string."""

    def __init__(self, by_class: dict[str, Limits], name: str) -> None:
        self.by_class = by_class
        self.name = name

    def for_class(self, model_class: str) -> Limits:
        return self.by_class.get(model_class) or self.by_class["default"]

    @classmethod
    def parse(cls, value: str, presets: Path = DEFAULT_PRESETS) -> LimitTable:
        tiers = load_yaml(presets.read_text(encoding="utf-8"))["tiers"]
        if value in tiers:
            return cls({k: Limits(**v) for k, v in tiers[value].items()}, value)
        numbers: dict[str, float] = {}
        for item in value.split(","):
            key, _, raw = item.partition("=")
            key = key.strip()
            try:
                number = float(raw)
            except ValueError:
                number = -1.0
            if key not in CUSTOM_KEYS or not number > 0 or math.isinf(number):
                raise RateLimitSpecError(
                    f"rate_limits: {value!r} is not a tier ({', '.join(tiers)}) "
                    "nor 'rpm=N,itpm=N,otpm=N' with positive numbers"
                )
            numbers[key] = number
        missing = [k for k in CUSTOM_KEYS if k not in numbers]
        if missing:
            raise RateLimitSpecError(f"rate_limits: {value!r} lacks {', '.join(missing)}")
        return cls({"default": Limits(**numbers)}, "custom")


class Bucket:
    """A token bucket holding up to ``capacity``, refilled at ``capacity`` per minute."""

    def __init__(self, capacity: float, now: float) -> None:
        self.capacity = capacity
        self.level = capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.capacity / 60)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available (0 if it is); amounts above capacity wait for a full bucket."""
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing * 60 / self.capacity)

    def full_in(self) -> float:
        return (self.capacity - self.level) * 60 / self.capacity


FAMILIES = (("requests", "rpm"), ("input-tokens", "itpm"), ("output-tokens", "otpm"))


@dataclass
class Admission:
    """What a request took from its buckets, and the headers its answer carries."""

    key: tuple[str, str]
    input_estimate: int
    output_estimate: int
    headers: tuple[tuple[str, str], ...]


class RateLimiter:
    def __init__(self, table: LimitTable, organization_id: str, clock: Any = time.monotonic) -> None:
        self.table = table
        self.organization_id = organization_id
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, str], dict[str, Bucket]] = OrderedDict()  # least recent first
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def _buckets_for(self, key: tuple[str, str], now: float) -> dict[str, Bucket]:
        buckets = self._buckets.get(key)
        if buckets is None:
            self._forget_full(now)
            limits = self.table.for_class(key[1])
            buckets = {name: Bucket(getattr(limits, attr), now) for name, attr in FAMILIES}
            self._buckets[key] = buckets
            while len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        for bucket in buckets.values():
            bucket.refill(now)
        return buckets

    def _forget_full(self, now: float) -> None:
        """Drop the least recently used keys whose buckets are all full again (stops at the first that is not)."""
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            for bucket in oldest.values():
                bucket.refill(now)
            if any(bucket.level < bucket.capacity for bucket in oldest.values()):
                return
            self._buckets.popitem(last=False)

    def admit(
        self, api_key: str, model_class: str, model: str, input_tokens: int, max_tokens: int
    ) -> Admission:
        """Take one request, the input estimate and ``max_tokens``; or raise the API's 429."""
        key = (api_key, model_class)
        with self._lock:
            now = self.clock()
            buckets = self._buckets_for(key, now)
            wants = {"requests": 1, "input-tokens": input_tokens, "output-tokens": max_tokens}
            waits = {name: buckets[name].wait_for(amount) for name, amount in wants.items()}
            blocked = max(waits, key=lambda n: waits[n])
            if waits[blocked] > 0:
                raise self._limited(blocked, buckets, model, waits[blocked])
            for name, amount in wants.items():
                buckets[name].level -= amount
            return Admission(key, input_tokens, max_tokens, self._headers(buckets))

    def peek(self, api_key: str, model_class: str) -> tuple[tuple[str, str], ...]:
        """The headers of a key's buckets as they stand, taking nothing."""
        with self._lock:
            return self._headers(self._buckets_for((api_key, model_class), self.clock()))

    def settle(self, admission: Admission, counted_input: int, output_tokens: int) -> None:
        """The answer is done: give back (or take) the difference between estimate and real usage."""
        with self._lock:
            buckets = self._buckets_for(admission.key, self.clock())
            for name, estimate, real in (
                ("input-tokens", admission.input_estimate, counted_input),
                ("output-tokens", admission.output_estimate, output_tokens),
            ):
                bucket = buckets[name]
                bucket.level = min(bucket.capacity, bucket.level + estimate - real)

    def _limited(self, family: str, buckets: dict[str, Bucket], model: str, wait: float) -> ApiError:
        limit = int(buckets[family].capacity)
        unit = {"requests": "requests", "input-tokens": "input tokens", "output-tokens": "output tokens"}[
            family
        ]
        message = (
            f"This request would exceed your organization's rate limit of {limit:,} {unit} per minute "
            f"(org: {self.organization_id}, model: {model}). For details, refer to: "
            "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
            "Please reduce the prompt length or the maximum tokens requested, or try again later. You may also "
            "contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
        )
        headers = (("retry-after", str(max(1, math.ceil(wait)))), *self._headers(buckets))
        return ApiError(429, message, headers=headers)

    def _headers(self, buckets: dict[str, Bucket]) -> tuple[tuple[str, str], ...]:
        now_wall = time.time()
        out: list[tuple[str, str]] = []
        for family, _ in FAMILIES:
            bucket = buckets[family]
            out += _family(family, bucket, now_wall)
        # The combined tokens-* family reports the most restrictive of input and output.
        tightest = min(
            ("input-tokens", "output-tokens"), key=lambda f: buckets[f].level / buckets[f].capacity
        )
        out += _family("tokens", buckets[tightest], now_wall)
        return tuple(out)

    def snapshot(self) -> list[dict[str, Any]]:
        """Current levels, for the admin API (API keys shown by their last 4 characters only)."""
        with self._lock:
            now = self.clock()
            rows = []
            for (api_key, model_class), buckets in self._buckets.items():
                levels = {}
                for name, bucket in buckets.items():
                    bucket.refill(now)
                    levels[name] = {
                        "limit": int(bucket.capacity),
                        "remaining": max(0, math.floor(bucket.level)),
                    }
                rows.append({"api_key": mask(api_key), "model_class": model_class, **levels})
            return rows


def _family(family: str, bucket: Bucket, now_wall: float) -> list[tuple[str, str]]:
    prefix = f"anthropic-ratelimit-{family}"
    reset = datetime.fromtimestamp(math.ceil(now_wall + bucket.full_in()), UTC)
    return [
        (f"{prefix}-limit", str(int(bucket.capacity))),
        (f"{prefix}-remaining", str(max(0, math.floor(bucket.level)))),
        (f"{prefix}-reset", reset.isoformat().replace("+00:00", "Z")),
    ]


def mask(api_key: str) -> str:
    """An API key as logs and the admin API may show it: never the key itself."""
    if not api_key:
        return "(none)"
    return "…" + api_key[-4:] if len(api_key) >= 12 else "(short key)"
