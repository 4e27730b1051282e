#!/usr/bin/env python3
"""Run a Locust load test against a mock it starts and stops (what ``make load``, ``load-ui``, ``load-dist``
and ``load-real`` call).

    python loadtests/run.py                                  # headless, the weighted mix, 20 users, 60 s
    python loadtests/run.py --mode ui                        # Locust's web UI on http://127.0.0.1:8089
    python loadtests/run.py --mode dist --workers 2          # one master, 2 worker processes
    python loadtests/run.py -- -u 50 -t 2m StreamingChatUser # anything after -- goes to Locust
    python loadtests/run.py --target https://api.anthropic.com --budget-usd 2   # opt-in real API, no mock

The mock gets a realistic latency profile (``--latency model``: each model's published TTFT and speed),
tier-3 rate limits (answers carry ``anthropic-ratelimit-*`` headers), the load-test rules (a 4-turn agent
loop) and 3 s batches. Reports go to ``--out`` (Locust HTML + CSV,
requests.jsonl, summary.json, PNG plots). ``--mock-args`` is split as a shell would split it.

The exit code is Locust's (1 when a request failed), except: 3 when a gate failed, 2 when records were
lost between workers and master, 0 when an error-rate gate was set and passed (it decides how many
failures are acceptable).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bench"))
from mockproc import launch_mock  # noqa: E402

LOCUST = [sys.executable, "-m", "locust"]
HEADLESS_DEFAULTS = ((("-u", "--users"), "20"), (("-r", "--spawn-rate"), "20"), (("-t", "--run-time"), "60s"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-load"}
    request = urllib.request.Request(base_url + "/v1/models", headers=headers)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the mock exited early (code {proc.returncode})")
        try:
            with urllib.request.urlopen(request, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers (a 401 if --mock-args narrowed the keys): ready
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the mock did not answer within {timeout_s:.0f} s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def clean(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for pattern in ("requests*.jsonl", "*.png", "summary.json", "locust*.csv", "report.html"):
        for f in out.glob(pattern):
            f.unlink()


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("headless", "ui", "dist"), default="headless")
    p.add_argument("--workers", type=int, default=2, help="dist mode: worker processes on this machine")
    p.add_argument(
        "--latency", default="model", help="mock latency profile (model, haiku, steady, instant...)"
    )
    p.add_argument("--speed", default="1", help="mock speed factor")
    p.add_argument(
        "--mock-args", default="", help="more options for the mock (e.g. \"--fault '529; probability=0.05'\")"
    )
    p.add_argument(
        "--rate-limits", default="tier3", help="mock rate-limit tier (headers, 429s): tier1-4 or none"
    )
    p.add_argument("--port", type=int, default=0, help="mock port (default: a free one)")
    p.add_argument("--out", default=str(HERE / "results" / "latest"), help="report directory")
    p.add_argument("--locustfile", default=str(HERE / "locustfile.py"))
    p.add_argument(
        "--target", default="", help="a real API base URL instead of the mock (needs --budget-usd)"
    )
    p.add_argument("--budget-usd", default="", help="real API: stop the run once this many dollars are spent")
    args = p.parse_args(argv[: argv.index("--")] if "--" in argv else argv)

    out = Path(args.out)
    clean(out)
    mock = None
    if args.target:
        if not args.budget_usd:
            raise SystemExit("--target needs --budget-usd: a real API costs money")
        host, extra = args.target, ["--real-api", "--budget-usd", args.budget_usd, *extra]
    else:
        port = args.port or free_port()
        host = f"http://127.0.0.1:{port}"
        rules = HERE / "data" / "rules"
        limits = ["--rate-limits", args.rate_limits] if args.rate_limits != "none" else []
        ours = ["--speed", args.speed, "--rules", str(rules), "--batch-processing-s", "3", *limits]
        mock_args = f"{shlex.join(ours)} {args.mock_args}"
        log = (out / "mock.log").open("wb")
        mock = launch_mock(port, args.latency, mock_args, log)
        wait_ready(host, mock)
        print(
            f"mock: {host} (latency {args.latency}, speed {args.speed}), log {out / 'mock.log'}",
            file=sys.stderr,
        )
    common = ["-f", args.locustfile, "--host", host, "--out-dir", str(out)]
    reports = ["--html", str(out / "report.html"), "--csv", str(out / "locust")]
    headless = ["--headless", "--only-summary", *defaults(extra)]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        if args.mode == "ui":
            print("Locust web UI: http://127.0.0.1:8089 (Ctrl-C stops it and the mock)", file=sys.stderr)
            cmd = [*LOCUST, *common, "--web-host", "127.0.0.1", *reports, *extra]
        elif args.mode == "dist":
            mport = free_port()
            for _ in range(args.workers):
                workers.append(
                    subprocess.Popen(
                        [
                            *LOCUST,
                            "-f",
                            args.locustfile,
                            "--worker",
                            "--master-host",
                            "127.0.0.1",
                            "--master-port",
                            str(mport),
                        ]
                    )
                )
            cmd = [
                *LOCUST,
                *common,
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(mport),
                "--expect-workers",
                str(args.workers),
                *headless,
                *reports,
                *extra,
            ]
        else:
            cmd = [*LOCUST, *common, *headless, *reports, *extra]
        locust = subprocess.Popen(cmd)
        try:
            code = locust.wait()
        except KeyboardInterrupt:  # Ctrl-C reached Locust too: it shuts down and writes its reports
            try:
                code = locust.wait(10)
            except subprocess.TimeoutExpired:  # the signal was ours alone: pass it on, once
                locust.send_signal(signal.SIGINT)
                code = locust.wait(60)
        for w in workers:
            try:
                w.wait(15)
            except subprocess.TimeoutExpired:
                w.terminate()
        return code
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
        stop(mock)


def defaults(extra: list[str]) -> list[str]:
    """-u 20 -r 20 -t 60s, each unless given (no -t for a step sweep, which ends after its steps)."""
    out = []
    for flags, value in HEADLESS_DEFAULTS:
        given = any(a in flags or a.split("=")[0] in flags for a in extra)
        if not given and not (flags[0] == "-t" and "step" in extra):
            out += [flags[0], value]
    return out


if __name__ == "__main__":
    sys.exit(main())
