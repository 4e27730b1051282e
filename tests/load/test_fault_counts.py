"""With about 10% of requests hit by injected faults, the load test's error counts by class equal what
the mock says it injected (``GET /_mock/stats``): 400, 401, 429, 529, other 5xx, mid-stream error
events, dropped (truncated) answers, and headers late or a body stalled for longer than the client's
timeout, each counted on its own. A run without gates keeps Locust's exit code: 1, as requests failed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx2

from tests.load.loadrun import lines, locust_rows, run_locust, scenarios, summary
from tests.support.server import start_server, stop_server

FAULTS = (
    "529; probability=0.02",
    "429; probability=0.02",
    "500; probability=0.01",
    "503; probability=0.005",
    "400; probability=0.01",
    "401; probability=0.005",
    "error_after=4; probability=0.02",  # (streams only: half the requests)
    "drop_after=4; probability=0.01",
    "delay_ms=4000; probability=0.004",  # headers past the client's 2 s timeout: a timeout
    "slow_ms=3000; chunk=64; probability=0.006",  # 3 s between two pieces of the body: a timeout too
)
ONLY_MESSAGES = "; path=/v1/messages"  # not the start-up probe (GET /v1/models), which the stats would count
# Seeded: which requests a rule hits depends only on their order, not on how busy the machine is.
# the mock's name for what it injected -> the load test's error class
CLASS_OF = {
    "400": "400",
    "401": "401",
    "429": "429",
    "529": "529",
    "500": "5xx",
    "503": "5xx",
    "error_event": "error_event",
    "drop": "truncated",
    "delay": "timeout",
    "slow": "timeout",
}


def test_error_counts_by_class_equal_the_injected_faults(tmp_path: Path) -> None:
    args = [a for n, f in enumerate(FAULTS) for a in ("--fault", f"{f}{ONLY_MESSAGES}; seed={n}")]
    server = start_server(tmp_path, "--latency", "instant", *args)
    try:
        data = scenarios(tmp_path, wait_s=[0.005, 0.015])
        done = run_locust(
            tmp_path / "out",
            server.base_url,
            "-u",
            "8",
            "-r",
            "8",
            "-t",
            "6s",
            "--scenarios",
            str(data),
            "--timeout-s",
            "2",
            "--stop-timeout",
            "5",
            "ChatUser",
            "StreamingChatUser",
        )
        stats = httpx2.get(server.base_url + "/_mock/stats").json()
    finally:
        stop_server(server)
    assert done.returncode == 1, done.stderr[-3000:]  # no gate: Locust's exit code for failed requests
    out = tmp_path / "out"
    rows = lines(out / "requests.jsonl")
    measured = Counter(r["error_class"] for r in rows if r.get("error_class"))
    expected: Counter[str] = Counter()
    for kind, n in stats["faults_injected"].items():
        expected[CLASS_OF[kind]] += n
    assert stats["requests"]["by_path"]["/v1/messages"] == len(
        rows
    )  # (the start-up probe is a GET /v1/models)
    assert 0.05 < sum(expected.values()) / len(rows) < 0.16, (expected, len(rows))
    assert all(expected[c] > 0 for c in set(CLASS_OF.values())), expected  # every class was exercised
    assert stats["faults_injected"].get("slow"), stats["faults_injected"]  # the stall between reads too
    assert measured == expected, (measured, expected)
    s = summary(out)
    assert {c: n for c, n in s["requests"]["by_class"].items() if n} == dict(expected)
    assert (
        s["requests"]["by_class"]["429"] == expected["429"]
        and s["requests"]["by_class"]["529"] == expected["529"]
    )
    failures = int(locust_rows(out)[("", "Aggregated")]["Failure Count"])
    assert failures == sum(expected.values())


def test_retries_count_every_attempt_and_report_first_attempt_and_total_latency(tmp_path: Path) -> None:
    server = start_server(
        tmp_path,
        "--latency",
        "steady",
        "--speed",
        "10",
        "--fault",
        "529; probability=0.3; retry_after=0.2" + ONLY_MESSAGES,  # the client waits what retry-after says
    )
    # (the error-rate gate decides the exit code: retries make the first attempts' 529s acceptable)
    try:
        done = run_locust(
            tmp_path / "out",
            server.base_url,
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "3s",
            "--retries",
            "3",
            "--stop-timeout",
            "5",
            "--gate-error-rate",
            "0.25",
            "StreamingChatUser",
        )
        stats = httpx2.get(server.base_url + "/_mock/stats").json()
    finally:
        stop_server(server)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = lines(tmp_path / "out" / "requests.jsonl")
    assert stats["requests"]["by_path"]["/v1/messages"] == len(rows)  # every attempt is a request
    assert sum(1 for r in rows if r.get("error_class") == "529") == stats["faults_injected"]["529"]
    by_key: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        by_key.setdefault(str(r["request_key"]), []).append(r)
    finals = [r for r in rows if "attempts" in r]
    assert len(finals) == len(by_key)
    assert any(r["attempts"] > 1 for r in finals)
    for r in finals:
        attempts = sorted(int(str(a["attempt"])) for a in by_key[str(r["request_key"])])
        assert attempts == list(range(r["attempts"]))
        assert r["total_ms"] >= r["first_attempt_ms"]
    s = summary(tmp_path / "out")["retries"]
    assert sum(s["attempts"].values()) == len(finals)
    assert s["total_ms"]["max"] > s["first_attempt_ms"]["max"]  # a retried request waited for its backoff
