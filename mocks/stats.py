"""Counters of what the mock answered: requests, tokens and dollars per model, errors by class,
injected faults by kind, prompt-cache hits; as JSON (``/_mock/stats``) and Prometheus text
(``/_mock/metrics``). Cost is usage × the dated list price of the answering model (``catalog.Price``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from typing import Any

from .journal import Outcome

TOKEN_KINDS = (
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_creation", "cache_creation_input_tokens"),
    ("cache_read", "cache_read_input_tokens"),
)


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.since = time.time()
            self.requests: Counter[str] = Counter()  # by model ("-" when none)
            self.statuses: Counter[int] = Counter()
            self.paths: Counter[str] = Counter()
            self.tokens: defaultdict[str, Counter[str]] = defaultdict(Counter)
            self.cost: defaultdict[str, float] = defaultdict(float)
            self.errors: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.inflight = 0

    def started(self) -> None:
        with self._lock:
            self.inflight += 1

    def observe(self, outcome: Outcome) -> None:
        """Count an answer when it starts (its status, usage and cost are known then)."""
        with self._lock:
            model = outcome.model or "-"
            self.requests[model] += 1
            self.statuses[outcome.status] += 1
            self.paths[outcome.path] += 1
            if outcome.usage:
                for kind, key in TOKEN_KINDS:
                    self.tokens[model][kind] += outcome.usage.get(key) or 0
            self.cost[model] += outcome.cost_usd
            if outcome.error_type:
                self.errors[outcome.error_type] += 1
            if outcome.fault:
                self.faults[outcome.fault] += 1

    def finished(self, outcome: Outcome) -> None:
        """The answer has been sent; a stream a fault cut counts as an error of that class."""
        with self._lock:
            self.inflight -= 1
            if outcome.cut:
                self.errors["stream_" + outcome.cut] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            read = sum(t["cache_read"] for t in self.tokens.values())
            written = sum(t["cache_creation"] for t in self.tokens.values())
            uncached = sum(t["input"] for t in self.tokens.values())
            prompt = read + written + uncached
            return {
                "since": self.since,
                "requests": {
                    "total": sum(self.requests.values()),
                    "by_model": dict(self.requests),
                    "by_status": {str(k): v for k, v in sorted(self.statuses.items())},
                    "by_path": dict(self.paths),
                    "inflight": self.inflight,
                },
                "tokens": {m: dict(c) for m, c in self.tokens.items()},
                "errors": dict(self.errors),
                "faults_injected": dict(self.faults),
                "cost_usd": {
                    "total": round(sum(self.cost.values()), 10),
                    "by_model": {m: round(c, 10) for m, c in self.cost.items()},
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
        lines: list[str] = []

        def family(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> None:
            lines.append(f"# HELP {name} {help_}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
                lines.append(f"{name}{{{rendered}}} {value}" if rendered else f"{name} {value}")

        with self._lock:
            family(
                "mockclaude_requests_total",
                "counter",
                "Requests answered, by model.",
                [({"model": m}, n) for m, n in self.requests.items()],
            )
            family(
                "mockclaude_responses_total",
                "counter",
                "Answers by HTTP status.",
                [({"status": str(s)}, n) for s, n in sorted(self.statuses.items())],
            )
            family(
                "mockclaude_tokens_total",
                "counter",
                "Tokens in answers' usage, by model and kind.",
                [({"model": m, "kind": k}, n) for m, c in self.tokens.items() for k, n in c.items()],
            )
            family(
                "mockclaude_cost_usd_total",
                "counter",
                "List-price cost of the answers, in US dollars.",
                [({"model": m}, round(c, 10)) for m, c in self.cost.items()],
            )
            family(
                "mockclaude_errors_total",
                "counter",
                "Errors by class (error.type, or stream_error_event / stream_drop).",
                [({"type": t}, n) for t, n in self.errors.items()],
            )
            family(
                "mockclaude_faults_injected_total",
                "counter",
                "Faults injected on purpose, by kind.",
                [({"kind": k}, n) for k, n in self.faults.items()],
            )
            family(
                "mockclaude_inflight_requests", "gauge", "Requests being answered now.", [({}, self.inflight)]
            )
        family(
            "mockclaude_cache_hit_ratio",
            "gauge",
            "Share of prompt tokens read from the prompt cache.",
            [({}, snap["cache"]["hit_rate"])],
        )
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
