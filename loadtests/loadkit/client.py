"""The one place requests are sent: HTTP/1.1 keep-alive over gevent, timed on the monotonic clock.

``ApiClient.send`` makes one logical request (with ``--retries`` N, up to N+1 attempts) and hands every
attempt's :class:`~loadkit.records.Record` to ``emit`` (the sink). A stream is read line by line as it
arrives, so each SSE event is stamped when its bytes reach the client: headers, message_start, the first
content_block_delta (time to first token), the first text delta, the last delta, message_stop.

``timeout_s`` bounds the wait for an answer, not the answer: it is the socket's timeout for each read
(and each write), so a request times out when no byte arrives for that long, before the headers or
between two pieces of the body; a long generation that keeps streaming is not a timeout.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent
import orjson
from geventhttpclient import HTTPClient
from geventhttpclient.url import URL
from locust.exception import StopUser

from .records import RATE_LIMIT_FAMILIES, Record, Workflow, catalog, status_class

RETRYABLE = ("429", "529", "5xx", "timeout", "connection", "truncated")
API_VERSION = "2023-06-01"
VERTEX_MODELS = "/v1/projects/load-test/locations/us-east5/publishers/anthropic/models/"


def credentials(platform: str, api_key: str) -> dict[str, str]:
    """The headers a platform's client sends on every request (the key as its credential)."""
    if platform == "vertex":  # an OAuth token; the version goes in the body
        return {"authorization": f"Bearer {api_key}"}
    if platform == "foundry":
        return {"api-key": api_key, "x-api-key": api_key, "anthropic-version": API_VERSION}
    return {"x-api-key": api_key, "anthropic-version": API_VERSION}


def on_platform(platform: str, path: str, body: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """A Messages request (``/v1/messages``, ``/v1/messages/count_tokens``) in a platform's wire format, as its
    SDK client sends it; other requests (batches: no platform has them) go to the API's own routes."""
    if path not in ("/v1/messages", "/v1/messages/count_tokens") or body is None or platform == "anthropic":
        return path, body
    if platform == "foundry":
        return "/anthropic" + path, body
    if path.endswith("count_tokens"):
        return VERTEX_MODELS + "count-tokens:rawPredict", {**body, "anthropic_version": "vertex-2023-10-16"}
    model = catalog().get(str(body.get("model")))
    name = model.vertex if model is not None and model.vertex else str(body.get("model"))
    rest = {k: v for k, v in body.items() if k != "model"}
    specifier = "streamRawPredict" if body.get("stream") else "rawPredict"
    return f"{VERTEX_MODELS}{name}:{specifier}", {**rest, "anthropic_version": "vertex-2023-10-16"}


class BudgetSpent(StopUser):
    """The dollar budget of the run is spent: no further request is sent (the user stops)."""


@dataclass
class Exchange:
    """A finished request: its record and what came back (a Message, a batch, or raw bytes)."""

    record: Record
    body: Any = None
    raw: bytes = b""
    sent_at: float = 0.0  # time.perf_counter() when the request was handed to the client


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class ApiClient:
    """One per Locust user; ``concurrency`` connections for the user's parallel requests (fan-out)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        emit: Callable[[Record], None],
        timeout_s: float = 60.0,
        concurrency: int = 1,
        retries: int = 0,
        worker: str | None = None,
        budget_spent: Callable[[], bool] = lambda: False,
        platform: str = "anthropic",
    ) -> None:
        url = URL(base_url)
        self.http = HTTPClient.from_url(
            url,
            concurrency=concurrency,
            network_timeout=timeout_s,
            connection_timeout=min(timeout_s, 10.0),
            headers=credentials(platform, api_key),
        )
        self.platform = platform
        self.prefix = url.path.rstrip("/")
        self.emit = emit
        self.timeout_s = timeout_s
        self.retries = retries
        self.worker = worker
        self.budget_spent = budget_spent

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        scenario: str,
        name: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        workflow: Workflow | None = None,
        intended_at: float | None = None,
        headers: dict[str, str] | None = None,
        batch_price: bool = False,
    ) -> Exchange:
        """One logical request, retried on 429/529/5xx/timeouts when ``retries`` > 0 (as the SDK does)."""
        key = uuid.uuid4().hex[:16]
        start = time.perf_counter()
        first_ms: float | None = None
        for attempt in range(self.retries + 1):
            if self.budget_spent():
                raise BudgetSpent
            # the attempt number as the SDK sends it (the mock's `times=N` faults count attempts by it)
            attempt_headers = {**(headers or {}), "x-stainless-retry-count": str(attempt)}
            exchange = self._attempt(scenario, name, method, path, body, attempt_headers, batch_price)
            rec = exchange.record
            rec.attempt, rec.request_key = attempt, key
            rec.workflow_id = workflow.workflow_id if workflow else None
            if attempt == 0 and intended_at is not None:
                # the lag on the monotonic clock; the wall-clock intended time only places it on a time line
                rec.send_lag_ms = round((exchange.sent_at - intended_at) * 1000, 3)
                rec.intended_t = rec.t - rec.send_lag_ms / 1000
            if first_ms is None:
                first_ms = rec.e2e_ms
            last = attempt == self.retries or not self._retryable(rec)
            if last:
                rec.attempts, rec.first_attempt_ms = attempt + 1, first_ms
                rec.total_ms = round((time.perf_counter() - start) * 1000, 3)
            if workflow is not None:
                workflow.add(rec)
            self.emit(rec)
            if last:
                return exchange
            gevent.sleep(self._wait_s(rec, attempt))
        raise AssertionError("unreachable")

    @staticmethod
    def _retryable(rec: Record) -> bool:
        if rec.should_retry in ("true", "false"):
            return rec.should_retry == "true" and rec.error_class is not None
        return rec.error_class in RETRYABLE or rec.status in (408, 409)

    @staticmethod
    def _wait_s(rec: Record, attempt: int) -> float:
        if rec.retry_after_s is not None and rec.retry_after_s > 0:
            return rec.retry_after_s
        return min(0.5 * 2**attempt, 8.0) * random.uniform(0.75, 1.0)

    def _attempt(
        self,
        scenario: str,
        name: str,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None,
        batch_price: bool,
    ) -> Exchange:
        stream = bool(body and body.get("stream"))
        wire_path, wire_body = on_platform(self.platform, path, body)
        payload = orjson.dumps(wire_body) if wire_body is not None else b""
        hdrs = (
            {"content-type": "application/json", **(headers or {})}
            if body is not None
            else dict(headers or {})
        )
        rec = Record(
            scenario=scenario,
            name=name,
            method=method,
            path=path,
            stream=stream,
            t=time.time(),
            model=body.get("model") if body else None,
            worker=self.worker,
        )
        response = None
        t0 = time.perf_counter()
        exchange = Exchange(rec, sent_at=t0)
        try:
            # the client's network_timeout is each socket read's: no byte for timeout_s is a timeout
            response = self.http.request(method, self.prefix + wire_path, body=payload, headers=hdrs)
            rec.headers_ms = _ms(t0)
            self._read_headers(rec, response)
            if rec.status >= 400:
                self._read_error(rec, response.read())
            elif stream:
                exchange.body = self._read_stream(rec, response, t0)
            else:
                exchange.raw = response.read()
                rec.bytes = len(exchange.raw)
                if path.endswith("/results"):
                    exchange.body = self._read_results(rec, exchange.raw)
                else:
                    exchange.body = self._read_json(rec, exchange.raw)
        except TimeoutError:  # a socket read (or the connect) waited timeout_s for nothing
            rec.error_class = "timeout"
        except ConnectionRefusedError:
            rec.error_class = "connection"
        except Exception as exc:  # closed, reset, unparsable: the answer was cut short
            rec.error_class = "truncated"
            rec.error_message = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            rec.end_ms = _ms(t0)
            if response is not None and not response.message_complete:
                self._discard(response)
        rec.finish(batch=batch_price)
        return exchange

    @staticmethod
    def _discard(response: Any) -> None:
        """Close a connection whose answer was not read to the end (it must not go back to the pool)."""
        pool, sock = getattr(response, "_pool", None), getattr(response, "_sock", None)
        response._pool = response._sock = None
        if pool is not None and sock is not None:
            pool.release_socket(sock)

    @staticmethod
    def _read_headers(rec: Record, response: Any) -> None:
        h = response  # geventhttpclient responses look headers up case-insensitively with get()
        rec.status = response.status_code
        rec.error_class = status_class(rec.status)
        rec.request_id = h.get("request-id")
        rec.should_retry = h.get("x-should-retry")
        rec.retry_after_s = _float(h.get("retry-after"))
        for family in RATE_LIMIT_FAMILIES:
            for part in ("limit", "remaining"):
                value = _float(h.get(f"anthropic-ratelimit-{family}-{part}"))
                if value is not None:
                    rec.ratelimit[f"{family}-{part}"] = value
            reset = h.get(f"anthropic-ratelimit-{family}-reset")
            if reset:
                rec.ratelimit[f"{family}-reset"] = reset

    @staticmethod
    def _read_error(rec: Record, raw: bytes) -> None:
        rec.bytes = len(raw)
        with contextlib.suppress(ValueError):
            error = orjson.loads(raw).get("error") or {}
            rec.error_type, rec.error_message = error.get("type"), str(error.get("message"))[:200]

    @staticmethod
    def _usage(rec: Record, usage: dict[str, Any] | None) -> None:
        for key in (
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        ):
            if usage and usage.get(key) is not None:
                setattr(rec, key, usage[key])

    def _read_json(self, rec: Record, raw: bytes) -> Any:
        try:
            body = orjson.loads(raw)
        except ValueError:
            rec.error_class, rec.error_message = "truncated", "unparsable JSON body"
            return None
        if isinstance(body, dict) and body.get("type") == "message":
            rec.model_calls = 1
            rec.model = body.get("model") or rec.model
            rec.stop_reason = body.get("stop_reason")
            self._usage(rec, body.get("usage"))
        return body

    def _read_results(self, rec: Record, raw: bytes) -> list[dict[str, Any]]:
        """Batch results (JSONL): their summed usage is this request's, priced at batch rates."""
        results = [orjson.loads(line) for line in raw.splitlines() if line.strip()]
        totals: dict[str, int] = {}
        for item in results:
            message = (item.get("result") or {}).get("message") or {}
            rec.model_calls += 1 if message else 0
            rec.model = message.get("model") or rec.model
            for key, value in (message.get("usage") or {}).items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        self._usage(rec, totals)
        return results

    def _read_stream(self, rec: Record, response: Any, t0: float) -> dict[str, Any] | None:
        """Read the SSE stream event by event; returns the accumulated Message (as the SDK builds it)."""
        message: dict[str, Any] | None = None
        partial: dict[int, str] = {}
        while True:
            line = response.readline(b"\n")
            if not line:
                break
            rec.bytes += len(line)
            if not line.startswith(b"data:"):
                continue
            now = _ms(t0)
            data = orjson.loads(line[5:])
            kind = data.get("type")
            if kind == "content_block_delta":
                if rec.first_delta_ms is None:
                    rec.first_delta_ms = now
                rec.last_delta_ms, rec.deltas = now, rec.deltas + 1
                delta, block = data["delta"], message["content"][data["index"]] if message else {}
                dtype = delta.get("type")
                if dtype == "text_delta":
                    if rec.first_text_ms is None:
                        rec.first_text_ms = now
                    block["text"] = block.get("text", "") + delta["text"]
                elif dtype == "input_json_delta":
                    partial[data["index"]] = partial.get(data["index"], "") + delta["partial_json"]
                elif dtype == "thinking_delta":
                    block["thinking"] = block.get("thinking", "") + delta["thinking"]
                elif dtype == "signature_delta":
                    block["signature"] = delta["signature"]
            elif kind == "message_start":
                rec.message_start_ms = now
                rec.model_calls = 1
                message = data["message"]
                rec.model = message.get("model") or rec.model
                self._usage(rec, message.get("usage"))
            elif kind == "content_block_start" and message is not None:
                message["content"].append(dict(data["content_block"]))
            elif kind == "content_block_stop" and message is not None and data["index"] in partial:
                message["content"][data["index"]]["input"] = orjson.loads(partial.pop(data["index"]) or "{}")
            elif kind == "message_delta" and message is not None:
                message.update(data.get("delta") or {})
                rec.stop_reason = message.get("stop_reason")
                self._usage(rec, data.get("usage"))
                message["usage"] = {**message.get("usage", {}), **(data.get("usage") or {})}
            elif kind == "message_stop":
                rec.message_stop_ms = now
            elif kind == "error":
                rec.error_class = "error_event"
                error = data.get("error") or {}
                rec.error_type, rec.error_message = error.get("type"), str(error.get("message"))[:200]
                return message
        if rec.message_stop_ms is None:
            rec.error_class, rec.error_message = "truncated", "stream ended before message_stop"
        return message
