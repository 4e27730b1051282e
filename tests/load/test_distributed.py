"""Locust's distributed mode on this machine, as ``make load-dist`` runs it (``loadtests/run.py --mode
dist``: a mock, one master and 2 worker processes). The counts the master aggregates (its summary, its
merged JSONL and Locust's own statistics) equal the sum of what the workers wrote to their own JSONL
files, request for request and error class for error class, even when the workers are still finishing
requests after the run time is over (``--stop-timeout``); a worker that dies makes the run exit 2."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

from tests.load.loadrun import REPO, lines, locust_rows, summary

RUN = [sys.executable, str(REPO / "loadtests" / "run.py"), "--mode", "dist", "--workers", "2"]


def run_dist(out: Path, *args: str) -> list[str]:
    return [*RUN, "--latency", "steady", "--rate-limits", "none", "--out", str(out), *args]


def test_master_aggregates_equal_the_sum_of_the_workers_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # --mock-args is split as a shell would: the fault's value keeps its space
    mock = ["--speed", "2", "--mock-args", "--fault '529; probability=0.2'"]
    args = ["-u", "8", "-r", "8", "-t", "4s", "--stop-timeout", "5", "--progress-s", "0"]
    # with ~1 s answers the workers are still finishing requests well after Locust's 0.5 s wait at quit
    done = subprocess.run(
        [*run_dist(out, *mock), "--", *args, "--gate-error-rate", "0.5", "ChatUser", "StreamingChatUser"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    worker_files = sorted(out.glob("requests.*.jsonl"))
    assert len(worker_files) == 2
    per_worker = [lines(f) for f in worker_files]
    assert all(len(rows) > 5 for rows in per_worker), [len(r) for r in per_worker]  # both did work
    from_workers = [r for rows in per_worker for r in rows]
    merged = lines(out / "requests.jsonl")
    s = summary(out)
    assert s["requests"]["total"] == len(merged) == len(from_workers)
    assert sorted(r["request_key"] for r in merged) == sorted(r["request_key"] for r in from_workers)
    ended_late = [r for r in from_workers if r["t"] + r["end_ms"] / 1000 > s["window"]["start"] + 4]
    assert ended_late, "no request was still running at the stop: the test would not see records lost"
    classes = Counter(r.get("error_class") for r in from_workers if r.get("error_class"))
    assert classes["529"] > 0  # the quoted --fault reached the mock whole
    assert {c: n for c, n in s["requests"]["by_class"].items() if n} == dict(classes)
    locust = locust_rows(out)
    assert int(locust[("", "Aggregated")]["Request Count"]) == len(from_workers)
    assert int(locust[("", "Aggregated")]["Failure Count"]) == sum(classes.values())
    streamed_ok = sum(1 for r in from_workers if r["stream"] and not r.get("error_class"))
    assert int(locust[("METRIC", "TTFT ms")]["Request Count"]) == streamed_ok  # custom metrics merged too
    workers = s["meta"]["workers"]
    assert len(workers) == 2, workers
    for f in worker_files:  # every line of a worker's file (records and health samples) reached the master
        name = f.name.removeprefix("requests.").removesuffix(".jsonl")
        n = sum(1 for line in f.read_bytes().splitlines() if line.strip())
        assert workers[name] == {"written": n, "received": n}, (name, workers)
    assert len(s["generator"]["processes"]) == 3  # the master and both workers report their health
    assert s["meta"]["models"] == {
        "claude-haiku-4-5-20251001": streamed_ok
        + sum(1 for r in from_workers if not r["stream"] and not r.get("error_class"))
    }


def test_a_worker_that_dies_makes_the_run_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "-u",
        "4",
        "-r",
        "4",
        "-t",
        "8s",  # long enough that the kill falls inside the run however slow the machine is
        "--stop-timeout",
        "2",
        "--progress-s",
        "0",
        "StreamingChatUser",
    ]
    with (tmp_path / "run.log").open("w") as run_log:
        run = subprocess.Popen(
            [*run_dist(out, "--speed", "4"), "--", *args], stdout=subprocess.DEVNULL, stderr=run_log
        )
    try:
        deadline = time.monotonic() + 30
        victim = None
        while victim is None and time.monotonic() < deadline:  # once a worker has written records
            if any(f.stat().st_size for f in out.glob("requests.*.jsonl")):
                children = psutil.Process(run.pid).children()
                victim = next(c for c in children if "--worker" in c.cmdline())
            else:
                time.sleep(0.1)
        assert victim is not None, "no worker wrote a record"
        victim.kill()
        code = run.wait(60)
    finally:
        if run.poll() is None:
            run.kill()
    log = (tmp_path / "run.log").read_text()
    assert code == 2, log[-3000:]
    workers = summary(out)["meta"]["workers"]
    assert len(workers) == 2, workers
    assert sorted(w["written"] is None for w in workers.values()) == [False, True], workers
    assert "records lost between workers and master" in log
