"""The one measurement pipeline: every record goes through :meth:`Sink.emit`.

emit writes the record to this process's JSONL file, counts an HTTP request in Locust's statistics
(one request event per HTTP request), adds the custom metrics (TTFT, ITL, tokens/s, cost, workflow
figures) as their own Locust entries *outside* the aggregated total, so request counts are not inflated,
and feeds the live figures of the progress line and the dollar budget.

Distributed: a worker also queues each record and ships the queue with Locust's periodic worker report
(``events.report_to_master``); the master writes what it receives into the merged ``requests.jsonl``
(``events.worker_report``), so its summary and exact percentiles cover every worker. When its test stops
(after its users finished, up to ``--stop-timeout``) each worker sends a ``loadkit_done`` custom message
with its last records and the count it wrote. Locust's master gives its workers only 0.5 s after ``quit``
for their last reports, too little for a worker still finishing its users, so the master's quit is
wrapped: it sends the workers ``quit``, waits (up to ``--stop-timeout`` + ``QUIT_GRACE_S``) for every
worker's ``loadkit_done``, then lets Locust's quit run. A worker that never sends it, or whose count
differs from what the master received, makes the run exit 2. The master (or the single process)
writes the reports when Locust quits.

The exit code: 2 when records were lost between workers and master; else 3 when a gate failed; else 2
when the locustfile raised; else, with an error-rate gate, 0 (the gate decided that the failures are
acceptable); else Locust's own (1 when any request failed).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from collections import Counter, deque
from pathlib import Path
from typing import Any

import gevent
import locust
import orjson
from locust.rpc import Message
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner
from locust.stats import StatsCSVFileWriter

from . import health, plots, shapes, summary
from .records import Record, Workflow, catalog

log = logging.getLogger("loadkit")
REPO = Path(__file__).resolve().parents[2]
METRICS = (
    ("ttft_ms", "TTFT ms"),
    ("first_text_ttft_ms", "time to first text ms"),
    ("itl_ms", "ITL ms"),
    ("decode_tps", "decode tokens/s"),
    ("output_tokens", "output tokens"),
    ("send_lag_ms", "open-loop send lag ms"),
)
QUIT_GRACE_S = 10.0  # how long, beyond --stop-timeout, the master waits for each worker's final count


def worker_key(client_id: str) -> str:
    """A worker's name in file names and in the summary (its Locust client id, made file-safe)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", client_id)


class LoadError(Exception):
    """How a failed request shows in Locust's failures table: its error class, then the API's error type."""


class Live:
    """Running totals and a recent window, for the progress line and the budget."""

    def __init__(self) -> None:
        self.requests = 0
        self.errors: Counter[str] = Counter()
        self.cost = 0.0
        self.recent: deque[tuple[float, float | None, int]] = deque(maxlen=20000)
        self.health: dict[str, dict[str, Any]] = {}
        self.received: Counter[str] = Counter()

    def add(self, line: dict[str, Any]) -> None:
        kind = line.get("kind")
        if kind == "health":
            self.health[line.get("worker") or "local"] = line
        elif kind == "request":
            self.requests += 1
            self.cost += line.get("cost_usd", 0.0)
            if line.get("error_class"):
                self.errors[line["error_class"]] += 1
            end = line["t"] + (line.get("end_ms") or 0) / 1000
            self.recent.append((end, line.get("ttft_ms"), line.get("output_tokens") or 0))


class Sink:
    def __init__(self) -> None:
        self.env: Any = None
        self.role = "local"
        self.worker_id: str | None = None
        self.file: Any = None
        self.path: Path | None = None
        self.written = 0
        self.outbox: list[dict[str, Any]] = []
        self.live = Live()
        self.monitor: health.Monitor | None = None
        self.progress: gevent.Greenlet | None = None
        self.workers_done: dict[str, int] = {}
        self.workers_seen: set[str] = set()
        self.quit_sent = False
        self.awaiting_workers = False
        self.started = time.time()
        self.budget_stopped = False
        self.run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]

    # ---- wiring -------------------------------------------------------------------------------
    def install(self, env: Any) -> None:
        self.env = env
        runner = env.runner
        if isinstance(runner, MasterRunner):
            self.role = "master"
            env.events.worker_report.add_listener(self.on_worker_report)
            # every worker that ever connected is expected to send its final count: one killed before its
            # first report, then dropped from Locust's list, still counts as lost
            env.events.worker_connect.add_listener(
                lambda client_id, **_: self.workers_seen.add(worker_key(client_id))
            )
            runner.register_message("loadkit_done", self.on_worker_done)
            self._wrap_master_quit(runner)
        elif isinstance(runner, WorkerRunner):
            self.role = "worker"
            self.worker_id = worker_key(runner.client_id)
            env.events.report_to_master.add_listener(self.on_report_to_master)
        env.events.test_start.add_listener(self.on_test_start)
        env.events.test_stop.add_listener(self.on_test_stop)
        env.events.quitting.add_listener(self.on_quitting)

    @property
    def options(self) -> Any:
        return self.env.parsed_options

    def budget_share(self) -> float:
        """The dollars this process may spend: the budget, split across the expected workers."""
        budget = self.options.budget_usd
        if budget <= 0:
            return 0.0
        return budget / max(1, int(self.options.expect_workers or 1)) if self.role == "worker" else budget

    def budget_spent(self) -> bool:
        share = self.budget_share()
        return bool(share) and self.live.cost >= share

    # ---- lifecycle ------------------------------------------------------------------------------
    def on_test_start(self, environment: Any, **_: Any) -> None:
        out = Path(self.options.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        name = f"requests.{self.worker_id}.jsonl" if self.worker_id else "requests.jsonl"
        if self.file is None:
            self.path = out / name
            self.file = self.path.open("ab" if self.written else "wb")
        if self.monitor is None:
            self.monitor = health.Monitor(self.emit_health, self.worker_id or self.role)
            self.monitor.start()
        if self.role == "master":  # a new test in the web UI: each worker sends a new final count
            self.workers_done.clear()
        if self.role != "worker" and self.options.progress_s > 0 and self.progress is None:
            self.progress = gevent.spawn(self._progress_loop)
        self.started = time.time()

    def on_test_stop(self, environment: Any, **_: Any) -> None:
        if self.role == "worker":  # its users have finished: nothing more is written here
            self._close()
            lines, self.outbox = self.outbox, []
            self.env.runner.send_message(
                "loadkit_done", {"worker": self.worker_id, "written": self.written, "lines": lines}
            )

    def on_quitting(self, environment: Any, **_: Any) -> None:
        if self.role == "master":  # Ctrl-C or SIGTERM: Locust quits the workers only after this event
            self.quit_workers_and_wait()
        for g in (self.progress, self.monitor):
            if g is not None:
                g.kill(block=False) if isinstance(g, gevent.Greenlet) else g.stop()
        self._close()
        if self.role != "worker" and self.path is not None:
            self.finalize()

    def _close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    # ---- the pipeline -----------------------------------------------------------------------------
    def emit(self, item: Record | Workflow) -> None:
        if self.file is None:
            return  # the test is over: a straggling child request is not counted anywhere
        line = item.to_json()
        self._take(line)
        stats = self.env.stats
        if isinstance(item, Record):
            error = None
            if item.error_class:
                error = LoadError(
                    f"{item.error_class}: {item.error_type or item.error_message or item.status}"
                )
            self.env.events.request.fire(
                request_type="SSE" if item.stream else item.method,
                name=item.name,
                response_time=item.e2e_ms,
                response_length=item.bytes,
                exception=error,
                context={"scenario": item.scenario},
            )
            if item.ok:
                for key, label in METRICS:
                    if line.get(key) is not None:
                        stats.get(label, "METRIC").log(line[key], 0)
                for _ in range(item.model_calls):  # batch results: one sample per answer in them
                    stats.get("cost per model call µ$", "METRIC").log(
                        item.cost_usd / item.model_calls * 1e6, 0
                    )
        else:
            stats.get(f"{item.scenario} makespan ms", "WORKFLOW").log(item.makespan_ms, 0)
            stats.get(f"{item.scenario} turns", "WORKFLOW").log(item.turns, 0)
            if item.straggler_ratio is not None:
                stats.get(f"{item.scenario} straggler ratio x100", "WORKFLOW").log(
                    item.straggler_ratio * 100, 0
                )
        self._check_budget()

    def emit_health(self, line: dict[str, Any]) -> None:
        if self.file is not None:
            self._take(line)

    def _take(self, line: dict[str, Any]) -> None:
        self.file.write(orjson.dumps(line) + b"\n")
        self.written += 1
        self.live.add(line)
        if self.role == "worker":
            self.outbox.append(line)

    def _check_budget(self) -> None:
        if self.budget_stopped or not self.budget_spent():
            return
        self.budget_stopped = True
        log.warning("budget of $%.4f spent ($%.4f): stopping the run", self.budget_share(), self.live.cost)
        if self.role != "worker":
            gevent.spawn(self.env.runner.quit)

    # ---- distributed --------------------------------------------------------------------------------
    def on_report_to_master(self, client_id: str, data: dict[str, Any]) -> None:
        data["loadkit"] = {"worker": self.worker_id, "lines": self.outbox}
        self.outbox = []

    def on_worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        payload = data.get("loadkit") or {}
        self._receive(payload.get("worker") or worker_key(client_id), payload.get("lines") or [])

    def on_worker_done(self, environment: Any, msg: Any, **_: Any) -> None:
        worker = msg.data.get("worker") or worker_key(msg.node_id)
        self._receive(worker, msg.data.get("lines") or [])
        self.workers_done[worker] = msg.data["written"]

    def _receive(self, worker: str, lines: list[dict[str, Any]]) -> None:
        self.workers_seen.add(worker)
        self.live.received[worker] += len(lines)
        if lines and self.file is None:
            log.error("%d records from %s arrived after the merged file was closed", len(lines), worker)
        for line in lines:
            if self.file is not None:
                self.file.write(orjson.dumps(line) + b"\n")
            self.live.add(line)
        self._check_budget()

    def _wrap_master_quit(self, runner: MasterRunner) -> None:
        """Make the master's quit wait for every worker's final records (see the module's docstring)."""
        locust_quit = runner.quit

        def quit() -> None:
            if self.awaiting_workers:  # a worker's own quit message while we wait for the others
                return
            if not self.quit_sent:
                runner.stop(send_stop_to_client=False)  # as Locust's quit does first
                self.quit_workers_and_wait()
            locust_quit()

        runner.quit = quit  # type: ignore[method-assign]

    def quit_workers_and_wait(self) -> None:
        """Send every worker ``quit``, then wait for each one's ``loadkit_done`` (bounded)."""
        if self.quit_sent:
            return
        self.quit_sent = True
        runner = self.env.runner
        for client in list(runner.clients.all):
            self.workers_seen.add(worker_key(client.id))
            runner.server.send_to_client(Message("quit", None, client.id))
        deadline = time.monotonic() + float(self.env.stop_timeout or 0) + QUIT_GRACE_S
        self.awaiting_workers = True
        try:
            while True:
                # a worker gone from the list quit without its count; a missing one stopped answering
                pending = [
                    worker_key(c.id)
                    for c in list(runner.clients.all)
                    if c.state != STATE_MISSING and worker_key(c.id) not in self.workers_done
                ]
                if not pending:
                    break
                if time.monotonic() >= deadline:
                    log.error(
                        "no final count from %s within the stop timeout + %.0f s", pending, QUIT_GRACE_S
                    )
                    break
                gevent.sleep(0.05)
        finally:
            self.awaiting_workers = False

    # ---- progress and the end -------------------------------------------------------------------------
    def _progress_loop(self) -> None:
        every = self.options.progress_s
        while True:
            gevent.sleep(every)
            print(self.progress_line(every), file=sys.stderr, flush=True)

    def progress_line(self, window_s: float) -> str:
        now = time.time()
        recent = [x for x in self.live.recent if x[0] >= now - window_s]
        ttfts = [x[1] for x in recent if x[1] is not None]
        p50, p95 = summary.pct(ttfts, 50), summary.pct(ttfts, 95)
        tokens = sum(x[2] for x in recent) / window_s
        errors = " ".join(f"{c}:{n}" for c, n in sorted(self.live.errors.items())) or "0"
        elapsed = max(now - self.started, 1e-9)
        lag = max((h["lag_ms_max"] for h in self.live.health.values()), default=0.0)
        cpu = max((h["cpu_percent"] for h in self.live.health.values()), default=0.0)
        ttft = f"TTFT p50 {p50:.0f} p95 {p95:.0f} ms" if ttfts else "TTFT -"
        return (
            f"[{elapsed:5.0f}s] users {self.env.runner.user_count} | {len(recent) / window_s:.1f} req/s | {ttft}"
            f" | {tokens:,.0f} out tok/s | errors {errors} | ${self.live.cost:.4f}"
            f" (${self.live.cost / elapsed * 3600:.2f}/h) | generator lag {lag:.1f} ms cpu {cpu:.0f}%"
        )

    def meta(self) -> dict[str, Any]:
        o = self.options
        return {
            "run_id": self.run_id,
            "started": dt.datetime.fromtimestamp(self.started, dt.UTC).isoformat(),
            "ended": dt.datetime.now(dt.UTC).isoformat(),
            "target": self.env.host,
            "model": o.model or None,  # when None, the summary names the models that answered
            "scenarios_file": o.scenarios,
            "user_classes": {u.__name__: u.weight for u in self.env.user_classes},
            "shape": {
                "name": o.shape,
                "users": o.num_users,
                "spawn_rate": o.spawn_rate,
                "run_time_s": o.run_time,
                **(
                    {"steps": o.steps, "step_s": o.step_s, "settle_s": o.settle_s}
                    if o.shape == "step"
                    else {}
                ),
                **(
                    {"arrival_rate_per_user": o.arrival_rate}
                    if "OpenLoopUser" in str(self.env.user_classes)
                    else {}
                ),
            },
            "stages": shapes.STAGES,
            "retries": o.retries,
            "timeout_s": o.timeout_s,
            "budget_usd": o.budget_usd,
            "budget_stopped": self.budget_stopped,
            "gate_thresholds": summary.gate_thresholds(o),
            "expect_ttft_ms": o.expect_ttft_ms,
            "expect_itl_ms": o.expect_itl_ms,
            "price_table_as_of": catalog().as_of,
            "locust_version": locust.__version__,
            "git_revision": _git("rev-parse", "HEAD"),
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "python": platform.python_version(),
            "machine": {"cpus": os.cpu_count(), "loadavg_at_end": os.getloadavg(), "node": platform.node()},
            "role": self.role,
            # every worker seen; written is None for one that never sent its final count
            "workers": {
                w: {"written": self.workers_done.get(w), "received": self.live.received.get(w, 0)}
                for w in sorted(self.workers_seen | set(self.workers_done))
            },
            "argv": sys.argv,
        }

    def finalize(self) -> None:
        assert self.path is not None
        out = self.path.parent
        lines = summary.read_lines(self.path)
        result = summary.build(lines, self.meta())
        result["files"] = {"requests": self.path.name, "plots": plots.write_all(out, lines, result)}
        (out / "summary.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
        print("\n" + summary.headline(result) + f"\nreports: {out}", file=sys.stderr, flush=True)
        lost = [w for w, v in result["meta"]["workers"].items() if v["written"] != v["received"]]
        if lost:
            log.error("records lost between workers and master: %s", result["meta"]["workers"])
        if lost:  # the figures (and so the gates) miss records: that comes first
            self.env.process_exit_code = 2
        elif not result["passed"]:
            self.env.process_exit_code = 3
        elif self.env.runner.exceptions:
            self.env.process_exit_code = 2
        elif "error_rate" in result["meta"]["gate_thresholds"]:
            self.env.process_exit_code = 0  # the error-rate gate passed: the failures are acceptable
        # else Locust's own exit code: 1 when any request failed


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


SINK = Sink()


def _final_csv_write(close_files: Any) -> Any:
    """Locust rewrites its CSV files once a second and flushes them when it exits, so on a busy machine
    the last rewrite can miss the last records. Rewritten once more when the files are closed (after
    every record is in), the CSV always agrees with requests.jsonl and the summary."""

    def close(writer: StatsCSVFileWriter) -> None:
        handle = writer.requests_csv_filehandle
        if not handle.closed:
            handle.seek(0)
            handle.truncate()
            writer.requests_csv_writer.writerow(writer.requests_csv_columns)
            writer._requests_data_rows(writer.requests_csv_writer)
            failures = writer.failures_csv_filehandle
            failures.seek(0)
            failures.truncate()
            writer.failures_csv_writer.writerow(writer.failures_columns)
            writer._failures_data_rows(writer.failures_csv_writer)
        close_files(writer)

    return close


StatsCSVFileWriter.close_files = _final_csv_write(StatsCSVFileWriter.close_files)  # type: ignore[method-assign]
