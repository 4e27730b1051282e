#!/usr/bin/env python3
"""How many concurrent streaming users can this machine's generator measure accurately?

Runs a step sweep of streaming users against the mock with the jitter-free ``steady`` profile (its TTFT
and speed read from the catalog), once in one Locust process and once with a master and 2 local workers,
and writes ``loadtests/results/capacity.md``: per step the measured TTFT error (median and p99), the
generator's health (event-loop lateness, CPU) and the machine's CPU, and the highest step up to which
every step passed (generator healthy, TTFT median error under 5 ms), with that step's p99 error next to
it. Not a test; bounded (about 3-4 minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import psutil
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from loadkit import health, summary  # noqa: E402
from loadkit.options import DEFAULT_DATA  # noqa: E402

from mockclaude.config import DEFAULT_CATALOG  # noqa: E402
from mockclaude.protocol.catalog import ModelCatalog  # noqa: E402

PROFILE = ModelCatalog.load(DEFAULT_CATALOG).profiles["steady"]
TTFT_MS, ITL_MS, ERROR_MS = float(PROFILE.ttft_ms), 1000 / PROFILE.tokens_per_s, 5.0


def machine_cpu(samples: list[tuple[float, float]], stop: threading.Event) -> None:
    psutil.cpu_percent(None)
    while not stop.wait(1.0):
        samples.append((time.time(), psutil.cpu_percent(None)))


def sweep(mode: str, out: Path, steps: str, step_s: float, data: Path) -> list[dict[str, Any]]:
    cpu: list[tuple[float, float]] = []
    stop = threading.Event()
    sampler = threading.Thread(target=machine_cpu, args=(cpu, stop), daemon=True)
    sampler.start()
    cmd = [
        sys.executable,
        str(HERE / "run.py"),
        "--latency",
        "steady",
        "--rate-limits",
        "none",
        "--out",
        str(out),
    ]
    cmd += ["--mode", "dist", "--workers", "2"] if mode == "dist" else []
    cmd += ["--", "--shape", "step", "--steps", steps, "--step-s", str(step_s), "--settle-s", "4"]
    cmd += [
        "--scenarios",
        str(data),
        "--expect-ttft-ms",
        str(TTFT_MS),
        "--progress-s",
        "0",
        "StreamingChatUser",
    ]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False, timeout=900)
    stop.set()
    lines = summary.read_lines(out / "requests.jsonl")
    _, _, samples = summary.split(lines)
    rows = []
    for w in orjson.loads((out / "summary.json").read_bytes())["by_window"]:
        inside = [s for s in samples if w["start"] <= s["t"] < w["end"]]
        verdict = health.verdict(inside, summary.pct)
        busy = [c for t, c in cpu if w["start"] <= t < w["end"]]
        ttft = w["ttft_ms"]
        rows.append(
            {
                "users": w["users"],
                "requests_per_s": w["requests_per_s"],
                "errors": w["errors"],
                "ttft_p50_error_ms": round(ttft["p50"] - TTFT_MS, 2) if ttft.get("n") else None,
                "ttft_p99_error_ms": round(ttft["p99"] - TTFT_MS, 2) if ttft.get("n") else None,
                "generator_cpu_p90": max((p["cpu_percent_p90"] or 0) for p in verdict["processes"].values()),
                "late_tick_share": max(p["late_tick_share"] for p in verdict["processes"].values()),
                "healthy": not verdict["generator_bound"],
                "machine_cpu_mean": round(sum(busy) / len(busy), 1) if busy else None,
            }
        )
    return rows


def passed(row: dict[str, Any]) -> bool:
    return bool(
        row["healthy"] and row["ttft_p50_error_ms"] is not None and abs(row["ttft_p50_error_ms"]) < ERROR_MS
    )


def best(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The highest step such that it and every lower step passed (a lucky step above a failed one does
    not count), or None."""
    last = None
    for row in sorted(rows, key=lambda r: r["users"]):
        if not passed(row):
            break
        last = row
    return last


def verdict(rows: list[dict[str, Any]]) -> str:
    b = best(rows)
    if b is None:
        return "none (the lowest step did not pass)"
    return (
        f"{b['users']} users (TTFT error p50 {b['ttft_p50_error_ms']} ms, p99 {b['ttft_p99_error_ms']} ms;"
        f" {b['requests_per_s']} streams/s)"
    )


def table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| users | req/s | errors | TTFT p50 error ms | TTFT p99 error ms | generator CPU p90 % | late ticks | healthy | machine CPU % |",
        "|---:|---:|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['users']} | {r['requests_per_s']} | {r['errors']} | {r['ttft_p50_error_ms']} | {r['ttft_p99_error_ms']}"
            f" | {r['generator_cpu_p90']} | {r['late_tick_share']:.1%} | {'yes' if r['healthy'] else 'no'} | {r['machine_cpu_mean']} |"
        )
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--steps", default="25,50,100,150,200,300,400")
    p.add_argument("--step-s", type=float, default=12.0)
    p.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "mockclaude-capacity"), help="raw runs")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(DEFAULT_DATA.read_text())
    data["wait_s"] = [0.0, 0.0]
    data["stream_chat"] = {
        "max_tokens": 200,
        "prompts": ["Write a short story about a lighthouse keeper, chapter {n}."],
    }
    (out / "scenarios.yaml").write_text(yaml.safe_dump(data))
    load_before = os.getloadavg()
    results = {
        mode: sweep(mode, out / mode, args.steps, args.step_s, out / "scenarios.yaml")
        for mode in ("single", "dist")
    }
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# Generator capacity: concurrent streaming users measured accurately",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, git {rev}, `python loadtests/capacity.py`"
        f" (steps {args.steps}, {args.step_s:g} s each, first 4 s of each left out). {os.cpu_count()} vCPUs shared"
        f" with other work: load average {load_before[0]:.2f} before the run. The mock (one process) runs on the"
        f" same machine with the `steady` profile ({TTFT_MS:g} ms to the first token, {ITL_MS:g} ms per token,"
        " no jitter);"
        " users stream back to back (`StreamingChatUser`, 200-token answers).",
        "",
        "Healthy = at most 2% of the generator's event-loop ticks more than 10 ms late and CPU p90 at most 85%"
        " of a core, in every generator process. TTFT error = measured TTFT percentile -"
        f" {TTFT_MS:g} ms (it includes the mock's own delay). A step passes when the generator was healthy"
        f" and |TTFT p50 error| < {ERROR_MS:g} ms; the verdict is the highest step with every step up to it"
        " passed.",
        "",
    ]
    for mode, title in (("single", "One Locust process"), ("dist", "Master + 2 local workers")):
        lines += [
            f"## {title}: highest step passed (with every lower one): {verdict(results[mode])}",
            "",
        ]
        lines += [*table(results[mode]), ""]
    (HERE / "results" / "capacity.md").write_text("\n".join(lines))
    (out / "capacity.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
