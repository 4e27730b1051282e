"""What one HTTP request and one workflow measured: the fields of a JSONL line, derived metrics, cost.

Times are milliseconds on the monotonic clock (``time.perf_counter``) from the moment the request was
handed to the socket (``sent`` = 0); ``t`` is the wall-clock send time, only for placing the record on
a time line. Cost comes from usage x the dated price table the mock uses (``mockclaude.protocol.catalog``).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Any

from mockclaude.config import DEFAULT_CATALOG
from mockclaude.protocol.catalog import ModelCatalog

SCHEMA = "mockclaude-load-record/1"

# Error classes, counted separately (429 and 529 are never merged).
ERROR_CLASSES = (
    "400",  # invalid_request_error
    "401",  # authentication_error
    "429",  # rate_limit_error
    "529",  # overloaded_error
    "5xx",  # any other 5xx
    "other_4xx",  # 403, 404, 413 ...
    "error_event",  # 200, then an `event: error` inside the stream
    "truncated",  # the stream or body ended before it was complete (no message_stop)
    "timeout",  # no byte from the target for --timeout-s (before the headers or between reads)
    "connection",  # refused or reset before a status line
)
RATE_LIMIT_FAMILIES = ("requests", "tokens", "input-tokens", "output-tokens")


def status_class(status: int) -> str | None:
    """The error class of an HTTP status (None for success)."""
    if status < 400:
        return None
    if status in (400, 401, 429, 529):
        return str(status)
    return "5xx" if status >= 500 else "other_4xx"


@functools.cache
def catalog() -> ModelCatalog:
    return ModelCatalog.load(DEFAULT_CATALOG)


def cost_usd(model: str | None, usage: dict[str, Any] | None, batch: bool = False) -> float:
    """Dollars for one answer's usage at the catalog's list price (0 for an unknown model)."""
    spec = catalog().get(model or "") if model else None
    if spec is None or not usage:
        return 0.0
    return spec.price.cost(usage, batch=batch)


@dataclass
class Record:
    """One HTTP request (one attempt when retries are on); a JSONL line with ``kind: request``."""

    scenario: str
    name: str  # the Locust entry it is counted under
    method: str
    path: str
    stream: bool
    t: float  # wall-clock send time (unix s)
    kind: str = "request"
    model: str | None = None
    workflow_id: str | None = None
    worker: str | None = None
    intended_t: float | None = None  # open loop: when it was due (unix s, for display: t - send_lag_ms)
    send_lag_ms: float | None = None  # open loop: actual - intended send time (monotonic clock)
    attempt: int = 0
    request_key: str | None = None  # the logical request; attempts share it
    # monotonic offsets from sent, ms
    headers_ms: float | None = None
    message_start_ms: float | None = None
    first_delta_ms: float | None = None  # time to first token
    first_text_ms: float | None = None
    last_delta_ms: float | None = None
    message_stop_ms: float | None = None
    end_ms: float | None = None
    status: int = 0
    error_class: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    should_retry: str | None = None
    retry_after_s: float | None = None
    request_id: str | None = None
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    deltas: int = 0
    bytes: int = 0
    # anthropic-ratelimit-{family}-{limit,remaining} as numbers, -reset as the RFC 3339 text
    ratelimit: dict[str, float | str] = field(default_factory=dict)
    cost_usd: float = 0.0
    model_calls: int = 0  # answers generated: 1 for a create message, one per item of batch results
    # derived (filled by finish())
    ttft_ms: float | None = None
    first_text_ttft_ms: float | None = None
    itl_ms: float | None = None
    decode_tps: float | None = None
    e2e_ms: float | None = None
    e2e_tps: float | None = None
    # retries: on the last attempt of a logical request
    attempts: int | None = None
    first_attempt_ms: float | None = None
    total_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.error_class is None

    def usage(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens or 0,
            "output_tokens": self.output_tokens or 0,
            "cache_creation_input_tokens": self.cache_creation_input_tokens or 0,
            "cache_read_input_tokens": self.cache_read_input_tokens or 0,
        }

    def finish(self, batch: bool = False) -> Record:
        """Derive TTFT, ITL = (last - first delta) / (output_tokens - 1), tokens/s and cost."""
        self.e2e_ms = self.end_ms
        self.ttft_ms = self.first_delta_ms
        self.first_text_ttft_ms = self.first_text_ms
        out = self.output_tokens or 0
        if self.first_delta_ms is not None and self.last_delta_ms is not None and out > 1:
            span = self.last_delta_ms - self.first_delta_ms
            self.itl_ms = span / (out - 1)
            if span > 0:
                self.decode_tps = (out - 1) / span * 1000
        if self.end_ms and out:
            self.e2e_tps = out / self.end_ms * 1000
        if self.output_tokens is not None or self.input_tokens is not None:
            self.cost_usd = cost_usd(self.model, self.usage(), batch=batch)
        return self

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != {}}


@dataclass
class Workflow:
    """A multi-request workflow (tool loop, fan-out, cached conversation, batch); ``kind: workflow``."""

    scenario: str
    workflow_id: str
    t: float
    kind: str = "workflow"
    worker: str | None = None
    makespan_ms: float = 0.0
    turns: int = 0
    requests: int = 0
    model_ms: float = 0.0  # wall time spent waiting on the API (parallel calls counted once)
    tool_ms: float = 0.0  # time spent in (simulated) tools
    children_ms: list[float] = field(default_factory=list)  # fan-out: each subtask's latency
    straggler_ratio: float | None = None  # slowest / median child
    cost_usd: float = 0.0
    error_class: str | None = None
    stop_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_class is None

    def add(self, record: Record) -> Record:
        """Account one request of the workflow (its cost, its failure; its time in the model when the
        workflow's requests run one after another: a workflow with parallel ones sets ``model_ms`` itself)."""
        self.requests += 1
        self.model_ms += record.e2e_ms or 0.0
        self.cost_usd += record.cost_usd
        if record.error_class and self.error_class is None:
            self.error_class = record.error_class
        return record

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != []}
