"""Counters of what the mock answered: requests, tokens and dollars per model, errors by class,
injected faults by kind, prompt-cache hits; as JSON (``/_mock/stats``) and Prometheus text
(``/_mock/metrics``).

Counting is a few dictionary increments per request (everything runs on the server's one event
loop). Dollars are worked out when read: cost is linear in tokens, so usage summed per model ×
that model's dated list price (``catalog.Price.cost``) equals the sum of the requests' costs.

Every table is bounded: answers with a 404 count under one path label, ``(not found)``, whatever path
was asked; each table keeps at most :data:`MAX_LABELS` labels (paths, models, error types), later ones
count under ``(other)``; a label is cut to :data:`LABEL_CHARS` characters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mockclaude.server.journal import Outcome

# usage field -> the name stats show; the two cache-write durations are kept apart (different prices)
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
TOKEN_NAMES = {
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_creation_input_tokens": "cache_creation",
    "cache_read_input_tokens": "cache_read",
}
CostOf = Callable[[str | None, dict[str, Any] | None, bool], float]  # (model, usage, batch) -> dollars
MAX_LABELS = 200  # distinct labels (paths, models, error types) per table
LABEL_CHARS = 200
OTHER = "(other)"
NOT_FOUND = "(not found)"


def _label(table: dict[Any, Any], key: Any) -> Any:
    """``key`` as ``table`` counts it: itself (cut to LABEL_CHARS) while the table has room, else OTHER."""
    if isinstance(key, str):
        key = key[:LABEL_CHARS]
    return key if key in table or len(table) < MAX_LABELS else OTHER


def _add(counts: dict[Any, int], key: Any) -> None:
    key = _label(counts, key)
    counts[key] = counts.get(key, 0) + 1


class Stats:
    def __init__(self, cost: CostOf) -> None:
        self._cost = cost
        self.inflight = 0
        self.reset()

    def reset(self) -> None:
        """Counters back to zero; answers in flight stay counted as in flight."""
        self.since = time.time()
        self.requests: dict[str, int] = {}  # by model ("-" when none)
        self.statuses: dict[int, int] = {}
        self.paths: dict[str, int] = {}
        self.usage: dict[str, dict[str, int]] = {}  # per model, summed usage fields
        self.batch_usage: dict[str, dict[str, int]] = {}  # the same for message batch results (half price)
        self.batch_results = 0
        self.errors: dict[str, int] = {}
        self.faults: dict[str, int] = {}

    def observe(self, outcome: Outcome) -> None:
        """Count an answer when it starts (its status and usage are known then)."""
        model = outcome.model or "-"
        _add(self.requests, model)
        _add(self.statuses, outcome.status)
        _add(self.paths, NOT_FOUND if outcome.status == 404 else outcome.path)
        self.inflight += 1
        if outcome.usage:
            _sum_usage(self.usage.setdefault(_label(self.usage, model), {}), outcome.usage)
        if outcome.error_type:
            _add(self.errors, outcome.error_type)
        if outcome.fault:
            _add(self.faults, outcome.fault)

    def finished(self, outcome: Outcome) -> None:
        """The answer has been sent; a stream a fault cut counts as an error of that class."""
        self.inflight -= 1
        if outcome.cut:
            _add(self.errors, "stream_" + outcome.cut)

    def observe_batch_result(self, model: str, usage: dict[str, Any]) -> None:
        """A message batch produced a succeeded result (counted once, when its results are made)."""
        self.batch_results += 1
        _sum_usage(self.batch_usage.setdefault(_label(self.batch_usage, model), {}), usage)

    def _costs(self, usage: dict[str, dict[str, int]], batch: bool = False) -> dict[str, float]:
        costs = {}
        for model, summed in usage.items():
            creation = {k: summed[k] for k in ("ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens")}
            costs[model] = round(self._cost(model, {**summed, "cache_creation": creation}, batch), 10)
        return costs

    def snapshot(self) -> dict[str, Any]:
        tokens = {m: {TOKEN_NAMES[k]: s[k] for k in TOKEN_FIELDS} for m, s in self.usage.items()}
        read = sum(t["cache_read"] for t in tokens.values())
        written = sum(t["cache_creation"] for t in tokens.values())
        prompt = read + written + sum(t["input"] for t in tokens.values())
        costs = self._costs(self.usage)
        batch_costs = self._costs(self.batch_usage, batch=True)
        for model, dollars in batch_costs.items():
            costs[model] = round(costs.get(model, 0.0) + dollars, 10)
        return {
            "since": self.since,
            "requests": {
                "total": sum(self.requests.values()),
                "by_model": dict(self.requests),
                "by_status": {str(k): v for k, v in sorted(self.statuses.items())},
                "by_path": dict(self.paths),
                "inflight": self.inflight,
            },
            "tokens": tokens,
            "errors": dict(self.errors),
            "faults_injected": dict(self.faults),
            "cost_usd": {
                "total": round(sum(costs.values()), 10),
                "by_model": costs,
                "batch": round(sum(batch_costs.values()), 10),
            },
            "batch": {
                "results": self.batch_results,
                "tokens": {
                    m: {TOKEN_NAMES[k]: s[k] for k in TOKEN_FIELDS} for m, s in self.batch_usage.items()
                },
            },
            "cache": {
                "read_tokens": read,
                "write_tokens": written,
                "hit_rate": round(read / prompt, 6) if prompt else 0.0,
            },
        }

    def prometheus(self) -> str:
        """The same counters in Prometheus' text exposition format (version 0.0.4)."""
        snap = self.snapshot()
        families: list[tuple[str, str, str, list[tuple[dict[str, str], float]]]] = [
            ("mockclaude_requests_total", "counter", "Requests answered, by model.",
             [({"model": m}, n) for m, n in self.requests.items()]),
            ("mockclaude_responses_total", "counter", "Answers by HTTP status.",
             [({"status": str(s)}, n) for s, n in sorted(self.statuses.items())]),
            ("mockclaude_tokens_total", "counter", "Tokens in answers' usage, by model and kind.",
             [({"model": m, "kind": k}, n) for m, t in snap["tokens"].items() for k, n in t.items()]),
            ("mockclaude_cost_usd_total", "counter", "List-price cost of the answers, in US dollars.",
             [({"model": m}, c) for m, c in snap["cost_usd"]["by_model"].items()]),
            ("mockclaude_errors_total", "counter",
             "Errors by class (error.type, or stream_error_event / stream_drop).",
             [({"type": t}, n) for t, n in self.errors.items()]),
            ("mockclaude_faults_injected_total", "counter", "Faults injected on purpose, by kind.",
             [({"kind": k}, n) for k, n in self.faults.items()]),
            ("mockclaude_inflight_requests", "gauge", "Requests being answered now.", [({}, self.inflight)]),
            ("mockclaude_cache_hit_ratio", "gauge", "Share of prompt tokens read from the prompt cache.",
             [({}, snap["cache"]["hit_rate"])]),
        ]  # fmt: skip
        lines: list[str] = []
        for name, kind, help_, samples in families:
            lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
            for labels, value in samples:
                rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
                lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")
        return "\n".join(lines) + "\n"


def _sum_usage(summed: dict[str, int], usage: dict[str, Any]) -> None:
    for key in TOKEN_FIELDS:
        summed[key] = summed.get(key, 0) + (usage.get(key) or 0)
    creation = usage.get("cache_creation") or {}
    for key in ("ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"):
        summed[key] = summed.get(key, 0) + (creation.get(key) or 0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
