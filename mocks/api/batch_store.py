"""Message batches with a real lifecycle: in_progress → ended (or canceling → ended), then results.

Time drives the state: a batch ends ``processing_s`` after creation; each request is "done" at an
even share of that time. Cancelling marks the batch ``canceling``; it ends shortly after, requests not
yet done come out ``canceled``. Results are answered by the same pipeline as ``/v1/messages``
(errored entries for params the API would reject), computed once when first needed.

Bounded like the API's: a batch is kept for :data:`RETENTION_S` (29 days) after its creation, then it is
gone (404); beyond ``kept`` batches (``--batches-kept``) the least recently used ended batch is forgotten
first (an in-progress one only when none has ended).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

CANCEL_DELAY_S = 0.5
RETENTION_S = 29 * 86400  # the API keeps a batch and its results for 29 days after creation
MAX_BATCHES = 10_000  # batches kept at once (the default of --batches-kept)

BatchAnswer = Callable[[dict[str, Any]], dict[str, Any]]  # params -> result object (succeeded / errored)


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Batch:
    id: str
    created: float  # wall clock (epoch seconds)
    requests: list[tuple[str, dict[str, Any]]]
    pre_errors: dict[int, dict[str, Any]]  # index -> errored result decided at creation
    processing_s: float
    cancel_at: float | None = None
    results: list[dict[str, Any]] | None = field(default=None, repr=False)

    def done_at(self, index: int) -> float:
        return self.created + self.processing_s * (index + 1) / max(1, len(self.requests))

    def ended_at(self) -> float:
        end = self.created + self.processing_s
        if self.cancel_at is not None:
            end = min(end, self.cancel_at + CANCEL_DELAY_S)
        return end

    def status(self, now: float) -> str:
        if now >= self.ended_at():
            return "ended"
        return "canceling" if self.cancel_at is not None else "in_progress"

    def outcome(self, index: int) -> str:
        if index in self.pre_errors:
            return "errored"
        if self.cancel_at is not None and self.done_at(index) > self.cancel_at:
            return "canceled"
        return "done"


MAX_DELETED = 100_000  # deleted ids remembered at once


class BatchStore:
    def __init__(
        self,
        answer: BatchAnswer,
        processing_s: float,
        clock: Callable[[], float] = time.time,
        kept: int = MAX_BATCHES,
    ) -> None:
        self._answer = answer
        self._processing_s = processing_s
        self._clock = clock
        self.kept = kept
        self._batches: OrderedDict[str, Batch] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()  # a large batch is created in a worker thread
        # Ids deleted here (placeholders too): 404 afterwards even in permissive mode. Bounded: the oldest
        # are forgotten first.
        self._deleted: OrderedDict[str, None] = OrderedDict()

    def create(
        self, batch_id: str, requests: list[tuple[str, dict[str, Any]]], pre_errors: dict[int, dict[str, Any]]
    ) -> Batch:
        batch = Batch(batch_id, self._clock(), requests, pre_errors, self._processing_s)
        with self._lock:
            self._batches[batch_id] = batch
            self._evict()
        return batch

    def _evict(self) -> None:
        """Down to ``kept`` batches: the least recently used ended one first, else the least recently used."""
        now = self._clock()
        while len(self._batches) > max(0, self.kept):
            victim = next((b for b in self._batches.values() if b.status(now) == "ended"), None)
            self._batches.pop(victim.id if victim is not None else next(iter(self._batches)))

    def _expired(self, batch: Batch) -> bool:
        return self._clock() - batch.created >= RETENTION_S

    def get(self, batch_id: str) -> Batch | None:
        with self._lock:
            batch = self._batches.get(batch_id)
            if batch is None:
                return None
            if self._expired(batch):
                del self._batches[batch_id]
                return None
            self._batches.move_to_end(batch_id)
            return batch

    def newest_first(self) -> list[Batch]:
        with self._lock:
            for batch in [b for b in self._batches.values() if self._expired(b)]:
                del self._batches[batch.id]
            return sorted(self._batches.values(), key=lambda b: b.created, reverse=True)

    def cancel(self, batch: Batch) -> None:
        if batch.status(self._clock()) == "in_progress":
            batch.cancel_at = self._clock()

    def delete(self, batch: Batch) -> None:
        """Forget ``batch``; its id answers 404 from now on (a deleted placeholder too, as the API would)."""
        with self._lock:
            self._batches.pop(batch.id, None)
        self._deleted[batch.id] = None
        while len(self._deleted) > MAX_DELETED:
            self._deleted.popitem(last=False)

    def was_deleted(self, batch_id: str) -> bool:
        return batch_id in self._deleted

    def placeholder(self, batch_id: str, params: dict[str, Any]) -> Batch:
        """A batch for an id never seen here (permissive mode): ended, one request (``params``) that
        succeeds; not kept, so every call answers the same shape."""
        now = self._clock()
        return Batch(
            batch_id, now - self._processing_s, [("placeholder-request", params)], {}, self._processing_s
        )

    def clear(self) -> None:
        with self._lock:
            self._batches.clear()
        self._deleted.clear()

    def is_ended(self, batch: Batch) -> bool:
        return batch.status(self._clock()) == "ended"

    def render(self, batch: Batch, base_url: str) -> dict[str, Any]:
        now = self._clock()
        status = batch.status(now)
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if status == "ended":
            for result in self.results(batch):
                counts[result["result"]["type"]] += 1
        else:
            counts["processing"] = len(batch.requests)
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": rfc3339(batch.created),
            "expires_at": rfc3339(batch.created + 86400),
            "ended_at": rfc3339(batch.ended_at()) if status == "ended" else None,
            "cancel_initiated_at": rfc3339(batch.cancel_at) if batch.cancel_at is not None else None,
            "archived_at": None,
            "results_url": f"{base_url}/v1/messages/batches/{batch.id}/results"
            if status == "ended"
            else None,
        }

    def results(self, batch: Batch) -> list[dict[str, Any]]:
        if batch.results is None:
            out = []
            for index, (custom_id, params) in enumerate(batch.requests):
                outcome = batch.outcome(index)
                if outcome == "errored":
                    result = batch.pre_errors[index]
                elif outcome == "canceled":
                    result = {"type": "canceled"}
                else:
                    result = self._answer(params)
                out.append({"custom_id": custom_id, "result": result})
            batch.results = out
        return batch.results

    def results_jsonl(self, batch: Batch) -> bytes:
        return b"".join(orjson.dumps(line) + b"\n" for line in self.results(batch))
