"""Every table the mock keeps per key, path, model or batch is bounded, whatever clients send:
rate-limit buckets, stats labels, batches. The clocks are passed in, so nothing here waits."""

from __future__ import annotations

from typing import Any

from mockclaude.api.batch_store import RETENTION_S, BatchStore
from mockclaude.pipeline.ratelimits import MAX_KEYS, LimitTable, RateLimiter
from mockclaude.server.journal import Outcome
from mockclaude.server.stats import MAX_LABELS, NOT_FOUND, OTHER, Stats


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_buckets_are_forgotten_when_full_again_and_capped() -> None:
    clock = Clock()
    limiter = RateLimiter(LimitTable.parse("rpm=60,itpm=1000,otpm=1000"), "org", clock=clock)
    for n in range(MAX_KEYS + 500):
        limiter.admit(f"sk-ant-key-{n:08d}", "default", "m", 10, 10)
    assert len(limiter.snapshot()) == MAX_KEYS  # the least recently used went first
    clock.now += 61  # every bucket is full again: a fresh set would be the same
    limiter.admit("sk-ant-key-new-one", "default", "m", 10, 10)
    assert len(limiter.snapshot()) == 1


def test_a_key_in_use_keeps_its_level_while_others_come_and_go() -> None:
    clock = Clock()
    limiter = RateLimiter(LimitTable.parse("rpm=2,itpm=1000,otpm=1000"), "org", clock=clock)
    limiter.admit("sk-ant-busy-key-zzzz", "default", "m", 10, 10)
    limiter.admit("sk-ant-busy-key-zzzz", "default", "m", 10, 10)
    for n in range(100):
        limiter.admit(f"sk-ant-key-{n:08d}", "default", "m", 10, 10)
    (busy,) = [row for row in limiter.snapshot() if row["api_key"] == "…zzzz"]
    assert busy["requests"]["remaining"] == 0  # not forgotten: its buckets are not full


def outcome(path: str, status: int = 200, model: str | None = None) -> Outcome:
    usage = {"input_tokens": 3, "output_tokens": 5} if model else None
    return Outcome("req_1", "POST", path, status, 0.0, {}, b"", None, model=model, usage=usage)


def test_stats_count_unknown_paths_under_one_label_and_cap_models() -> None:
    stats = Stats(lambda model, usage, batch: 0.0)
    for n in range(5_000):
        stats.observe(outcome(f"/nowhere/{n}", status=404))
        stats.observe(outcome("/v1/messages", model=f"model-{n}"))
    snap = stats.snapshot()
    assert snap["requests"]["by_path"] == {NOT_FOUND: 5_000, "/v1/messages": 5_000}
    by_model = snap["requests"]["by_model"]
    # "-" (the 404s, no model) takes one of the labels
    assert len(by_model) == MAX_LABELS + 1 and by_model[OTHER] == 5_000 - (MAX_LABELS - 1)
    assert by_model["-"] == 5_000 and sum(by_model.values()) == 10_000
    assert len(snap["tokens"]) == MAX_LABELS + 1 and snap["tokens"][OTHER]["output"] == 5 * (
        5_000 - MAX_LABELS
    )
    assert len(stats.prometheus()) < 200_000


def test_stats_labels_are_cut_short() -> None:
    stats = Stats(lambda model, usage, batch: 0.0)
    stats.observe(outcome("/v1/" + "x" * 60_000))
    (path,) = stats.snapshot()["requests"]["by_path"]
    assert len(path) <= 200


def answer(params: dict[str, Any]) -> dict[str, Any]:
    return {"type": "succeeded", "message": {}}


def test_batches_are_capped_least_recently_used_ended_first() -> None:
    clock = Clock()
    store = BatchStore(answer, processing_s=10, clock=clock, kept=3)
    for n in range(3):
        store.create(f"msgbatch_{n}", [("a", {})], {})
    clock.now += 11  # all three ended
    assert store.get("msgbatch_0") is not None  # used: now the most recent
    store.create("msgbatch_3", [("a", {})], {})  # in progress
    assert [b.id for b in store.newest_first()] == ["msgbatch_3", "msgbatch_2", "msgbatch_0"]
    store.create("msgbatch_4", [("a", {})], {})
    assert store.get("msgbatch_2") is None and store.get("msgbatch_3") is not None


def test_batches_expire_29_days_after_creation() -> None:
    clock = Clock()
    store = BatchStore(answer, processing_s=10, clock=clock)
    store.create("msgbatch_old", [("a", {})], {})
    clock.now += RETENTION_S - 1
    assert store.get("msgbatch_old") is not None
    clock.now += 1
    assert store.get("msgbatch_old") is None and store.newest_first() == []
