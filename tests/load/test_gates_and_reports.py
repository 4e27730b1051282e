"""Gates make a run exit non-zero, and a run without gates keeps Locust's exit code; the reports are
written (versioned JSON summary with run metadata, rate-limit headroom, PNG plots, Locust's HTML and
CSV); the dollar budget stops a run; a non-loopback target is refused, and against a real API the
default mix leaves batches out; open-loop arrivals record intended versus actual send time; the step
shape reports each step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from tests.load.loadrun import REPO, lines, run_locust, summary
from tests.support.server import Server, start_server, stop_server


@pytest.fixture(scope="module")
def fast_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("fast"), "--latency", "steady", "--speed", "10", "--rate-limits", "tier4"
    )
    yield server
    stop_server(server)


@contextmanager
def armed(server: Server, fault: str, probability: float) -> Iterator[None]:
    """A fault rule armed on the shared mock for the duration of the block."""
    httpx2.post(
        server.base_url + "/_mock/faults", json={"fault": fault, "probability": probability}
    ).raise_for_status()
    try:
        yield
    finally:
        httpx2.delete(server.base_url + "/_mock/faults").raise_for_status()


def test_a_failed_gate_exits_3_and_a_passed_one_0(fast_mock: Server, tmp_path: Path) -> None:
    base = ["-u", "2", "-r", "2", "-t", "2s", "StreamingChatUser"]
    with armed(fast_mock, "529", 0.5):
        failed = run_locust(
            tmp_path / "fail",
            fast_mock.base_url,
            *base,
            "--gate-p95-ttft-ms",
            "5",
            "--gate-error-rate",
            "0.05",
            "--gate-cost-usd",
            "0.0000001",
        )
    assert failed.returncode == 3, failed.stderr[-2000:]
    gates = {g["gate"]: g for g in summary(tmp_path / "fail")["gates"]}
    assert set(gates) == {"p95_ttft_ms", "error_rate", "cost_usd"}
    assert not gates["p95_ttft_ms"]["passed"] and gates["p95_ttft_ms"]["value"] > 5  # 30 ms at speed 10
    assert not gates["error_rate"]["passed"] and gates["error_rate"]["value"] > 0.05  # about 0.5
    assert not gates["cost_usd"]["passed"] and gates["cost_usd"]["value"] > 0.0000001
    assert "gate error_rate" in failed.stderr and "FAIL" in failed.stderr
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
    rows = lines(tmp_path / "pass" / "requests.jsonl")
    assert meta["model"] == "claude-haiku-4-5-20251001"  # what answered, not a placeholder
    assert meta["models"] == {"claude-haiku-4-5-20251001": len(rows)}
    assert s["cost"]["total_usd"] > 0 and s["cost"]["per_hour_usd"] > 0
    assert s["cost"]["model_calls"] == len(rows)
    assert s["cost"]["per_model_call_usd"] == pytest.approx(s["cost"]["total_usd"] / len(rows), rel=1e-3)
    # rate-limit headroom: per family the answer with the least headroom, its limit, remaining and reset
    # all from that one answer (the reset time recorded too)
    headroom = s["rate_limits"]["claude-haiku-4-5-20251001"]
    assert set(headroom) == {"requests", "tokens", "input-tokens", "output-tokens"}
    for family, h in headroom.items():
        least = h["least_headroom"]
        assert least["reset"].endswith("Z") and least["remaining"] < least["limit"]
        (row,) = [r for r in rows if r.get("request_id") == least["request_id"]]
        assert {k: row["ratelimit"][f"{family}-{k}"] for k in ("limit", "remaining", "reset")} == {
            k: least[k] for k in ("limit", "remaining", "reset")
        }
        assert least["headroom"] == round(
            min(r["ratelimit"][f"{family}-remaining"] / r["ratelimit"][f"{family}-limit"] for r in rows), 4
        )
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


def test_without_gates_failures_exit_1_and_a_real_api_mix_has_no_batches(
    fast_mock: Server, tmp_path: Path
) -> None:
    # --real-api with a loopback host: the real-API rules apply (the default mix leaves BatchUser out);
    # 11 users = the mix's weights, one user at least of each class
    with armed(fast_mock, "529", 1.0):
        done = run_locust(
            tmp_path,
            fast_mock.base_url,
            "-u",
            "11",
            "-r",
            "11",
            "-t",
            "1s",
            "--real-api",
            "--budget-usd",
            "1",
        )
    assert done.returncode == 1, done.stderr[-2000:]  # Locust's: requests failed, no gate said otherwise
    s = summary(tmp_path)
    assert s["requests"]["total"] > 0 and s["requests"]["ok"] == 0
    assert "BatchUser" not in s["meta"]["user_classes"] and "FanOutUser" in s["meta"]["user_classes"]
    assert not [r for r in lines(tmp_path / "requests.jsonl") if r["scenario"] == "batch"]
    fan_outs = lines(tmp_path / "requests.jsonl", "workflow")
    fan_outs = [w for w in fan_outs if w["scenario"] == "fan_out"]
    assert fan_outs and all(w["turns"] == 1 and w["requests"] == 1 for w in fan_outs)  # coordinator failed


def test_a_fan_out_counts_its_parallel_subtasks_once_in_model_time(fast_mock: Server, tmp_path: Path) -> None:
    done = run_locust(
        tmp_path, fast_mock.base_url, "-u", "1", "-r", "1", "-t", "1s", "--stop-timeout", "5", "FanOutUser"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    workflows = lines(tmp_path / "requests.jsonl", "workflow")
    rows = lines(tmp_path / "requests.jsonl")
    assert workflows
    for wf in workflows:
        recs = [r for r in rows if r["workflow_id"] == wf["workflow_id"]]
        children = [r["e2e_ms"] for r in recs if r["name"] == "fan_out subtask"]
        serial = sum(r["e2e_ms"] for r in recs if r["name"] != "fan_out subtask")
        assert wf["turns"] == 3 and wf["requests"] == len(recs) == 6  # coordinator, 4 subtasks, aggregator
        # the wall time of the three stages: the slowest subtask counts, not the sum of the four
        assert serial + max(children) <= wf["model_ms"] <= wf["makespan_ms"]
        assert wf["model_ms"] < serial + sum(children)
    cost = summary(tmp_path)["cost"]
    assert cost["model_calls"] == len(rows) == 6 * len(workflows)
    assert cost["per_workflow_usd"]["fan_out"] == pytest.approx(6 * cost["per_model_call_usd"])


def test_a_remote_target_is_refused_without_real_api(tmp_path: Path) -> None:
    done = run_locust(tmp_path, "http://192.0.2.1:4010", "-u", "1", "-t", "2s", timeout=60)
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr
    assert not (tmp_path / "requests.jsonl").exists()


def test_open_loop_records_intended_and_actual_send_times(fast_mock: Server, tmp_path: Path) -> None:
    locustfile = str(REPO / "loadtests" / "openloop.py")
    done = run_locust(
        tmp_path, fast_mock.base_url, "-f", locustfile, "-u", "1", "-t", "2s", "--arrival-rate", "40"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = lines(tmp_path / "requests.jsonl")
    assert 40 <= len(rows) <= 140  # Poisson, 40/s for ~2 s
    assert all(r["send_lag_ms"] == pytest.approx((r["t"] - r["intended_t"]) * 1000, abs=0.01) for r in rows)
    assert all(r["send_lag_ms"] > -1 for r in rows)  # not sent before it was due
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
        "2",
        "--settle-s",
        "0.5",
        "StreamingChatUser",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    windows = summary(tmp_path)["by_window"]
    assert [w["users"] for w in windows] == [1, 4]
    assert windows[1]["concurrency"] > 2 * windows[0]["concurrency"]
    # each request counts in the step in which it started, also when it ended after the step
    rows = [r for r in lines(tmp_path / "requests.jsonl") if not r.get("error_class")]
    for w in windows:
        started = [r for r in rows if w["start"] <= r["t"] < w["end"]]
        assert w["ttft_ms"]["n"] == len(started), (w, len(started))
        assert w["e2e_ms"]["max"] == max(r["e2e_ms"] for r in started)
    assert any(
        r["t"] + r["end_ms"] / 1000 > w["end"]
        for w in windows
        for r in rows
        if w["start"] <= r["t"] < w["end"]
    )
