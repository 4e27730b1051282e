"""Gates make a run exit non-zero; the reports are written (versioned JSON summary with run metadata,
PNG plots, Locust's HTML and CSV); the dollar budget stops a run; a non-loopback target is refused;
open-loop arrivals record intended versus actual send time; the step shape reports each step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Server, start_server, stop_server
from load.loadrun import REPO, lines, run_locust, summary


@pytest.fixture(scope="module")
def fast_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("fast"), "--latency", "steady", "--speed", "10")
    yield server
    stop_server(server)


def test_a_failed_gate_exits_3_and_a_passed_one_0(fast_mock: Server, tmp_path: Path) -> None:
    base = ["-u", "2", "-r", "2", "-t", "3s", "StreamingChatUser"]
    failed = run_locust(
        tmp_path / "fail", fast_mock.base_url, *base, "--gate-p95-ttft-ms", "5", "--gate-error-rate", "0"
    )
    assert failed.returncode == 3, failed.stderr[-2000:]
    gates = {g["gate"]: g for g in summary(tmp_path / "fail")["gates"]}
    assert not gates["p95_ttft_ms"]["passed"] and gates["p95_ttft_ms"]["value"] > 5  # 30 ms at speed 10
    assert gates["error_rate"]["passed"]
    passed = run_locust(
        tmp_path / "pass",
        fast_mock.base_url,
        *base,
        "--gate-p95-ttft-ms",
        "1000",
        "--gate-cost-usd",
        "5",
        "--html",
        str(tmp_path / "pass" / "report.html"),
    )
    assert passed.returncode == 0, passed.stderr[-2000:]
    s = summary(tmp_path / "pass")
    assert s["schema"] == "mockclaude-load-summary/1" and s["passed"]
    meta = s["meta"]
    assert meta["target"] == fast_mock.base_url and meta["locust_version"] and meta["git_revision"]
    assert meta["shape"]["name"] == "constant" and meta["user_classes"] == {"StreamingChatUser": 5}
    assert s["cost"]["total_usd"] > 0 and s["cost"]["per_hour_usd"] > 0
    for png in s["files"]["plots"]:
        assert (tmp_path / "pass" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "pass" / "report.html").stat().st_size > 10_000
    assert (tmp_path / "pass" / "locust_stats.csv").exists()


def test_the_budget_stops_the_run(fast_mock: Server, tmp_path: Path) -> None:
    done = run_locust(
        tmp_path,
        fast_mock.base_url,
        "-u",
        "4",
        "-r",
        "4",
        "-t",
        "30s",
        "--budget-usd",
        "0.002",
        "StreamingChatUser",
        timeout=60,
    )
    s = summary(tmp_path)
    assert s["meta"]["budget_stopped"], done.stderr[-2000:]
    assert s["window"]["duration_s"] < 20
    assert s["cost"]["total_usd"] >= 0.002
    # after the request that spent the budget, only those already in flight (at most 3 of 4 users) finish
    rows = sorted(lines(tmp_path / "requests.jsonl"), key=lambda r: r["t"] + r["end_ms"] / 1000)
    spent, crossing = 0.0, len(rows)
    for i, r in enumerate(rows):
        spent += r["cost_usd"]
        if spent >= 0.002:
            crossing = i
            break
    assert len(rows) - 1 - crossing <= 3, (crossing, len(rows))


def test_a_remote_target_is_refused_without_real_api(tmp_path: Path) -> None:
    done = run_locust(tmp_path, "http://192.0.2.1:4010", "-u", "1", "-t", "2s", timeout=60)
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr
    assert not (tmp_path / "requests.jsonl").exists()


def test_open_loop_records_intended_and_actual_send_times(fast_mock: Server, tmp_path: Path) -> None:
    locustfile = str(REPO / "loadtests" / "openloop.py")
    done = run_locust(
        tmp_path, fast_mock.base_url, "-f", locustfile, "-u", "1", "-t", "4s", "--arrival-rate", "25"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = lines(tmp_path / "requests.jsonl")
    assert 40 <= len(rows) <= 170  # Poisson, 25/s for ~4 s
    assert all(r["send_lag_ms"] == pytest.approx((r["t"] - r["intended_t"]) * 1000, abs=0.01) for r in rows)
    assert summary(tmp_path)["open_loop"]["send_lag_ms"]["n"] == len(rows)


def test_step_shape_reports_each_step(fast_mock: Server, tmp_path: Path) -> None:
    done = run_locust(
        tmp_path,
        fast_mock.base_url,
        "--shape",
        "step",
        "--steps",
        "1,4",
        "--step-s",
        "3",
        "--settle-s",
        "1",
        "StreamingChatUser",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    windows = summary(tmp_path)["by_window"]
    assert [w["users"] for w in windows] == [1, 4]
    assert windows[1]["concurrency"] > 2 * windows[0]["concurrency"]
