"""Locust's distributed mode on this machine: one master and 2 worker processes. The counts the master
aggregates (its summary, its merged JSONL and Locust's own statistics) equal the sum of what the workers
wrote to their own JSONL files, request for request and error class for error class."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from conftest import free_port, start_server, stop_server
from load.loadrun import lines, locust_cmd, locust_rows, run_locust, summary


def test_master_aggregates_equal_the_sum_of_the_workers_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    server = start_server(tmp_path, "--latency", "steady", "--speed", "4", "--fault", "529; probability=0.05")
    port = free_port()
    workers = [
        subprocess.Popen(
            locust_cmd(out, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)),
            cwd=out,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"worker{i}.log").open("w"),
        )
        for i in range(2)
    ]
    try:
        done = run_locust(
            out,
            server.base_url,
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--expect-workers",
            "2",
            "-u",
            "6",
            "-r",
            "6",
            "-t",
            "6s",
            "ChatUser",
            "StreamingChatUser",
        )
        for w in workers:
            w.wait(30)
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
        stop_server(server)
    assert done.returncode == 0, done.stderr[-3000:]
    worker_files = sorted(out.glob("requests.*.jsonl"))
    assert len(worker_files) == 2
    per_worker = [lines(f) for f in worker_files]
    assert all(len(rows) > 10 for rows in per_worker), [len(r) for r in per_worker]  # both did work
    from_workers = [r for rows in per_worker for r in rows]
    merged = lines(out / "requests.jsonl")
    s = summary(out)
    assert s["requests"]["total"] == len(merged) == len(from_workers)
    assert sorted(r["request_key"] for r in merged) == sorted(r["request_key"] for r in from_workers)
    classes = Counter(r.get("error_class") for r in from_workers if r.get("error_class"))
    assert classes["529"] > 0
    assert {c: n for c, n in s["requests"]["by_class"].items() if n} == dict(classes)
    locust = locust_rows(out)
    assert int(locust[("", "Aggregated")]["Request Count"]) == len(from_workers)
    assert int(locust[("", "Aggregated")]["Failure Count"]) == sum(classes.values())
    streamed_ok = sum(1 for r in from_workers if r["stream"] and not r.get("error_class"))
    assert int(locust[("METRIC", "TTFT ms")]["Request Count"]) == streamed_ok  # custom metrics merged too
    assert all(w["written"] == w["received"] for w in s["meta"]["workers"].values()), s["meta"]["workers"]
    assert len(s["generator"]["processes"]) == 3  # the master and both workers report their health
