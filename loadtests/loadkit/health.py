"""Health of the load generator itself: event-loop lag and CPU, one sample a second.

A gevent greenlet asks to sleep ``TICK_S`` and measures how late it wakes up: that lateness is the
event-loop lag every request of this process suffers too (a late wake-up means timestamps taken late
and requests sent late). CPU is this process's share of one core (gevent runs on one). A run whose
generator was the bottleneck is flagged by :func:`verdict`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent
import psutil

TICK_S = 0.02
# A generator is the bottleneck when more than LATE_SHARE of its ticks wake more than LATE_MS late
# (a busy loop is late all the time; a machine shared with other work shows rare spikes instead, which
# are reported but do not count), or when its CPU is above CPU_P90 percent of a core in 10% of seconds.
LATE_MS = 10.0
LATE_SHARE = 0.02
CPU_P90 = 85.0


class Monitor:
    """Samples lag and CPU in the background; ``emit`` receives one ``kind: health`` dict a second."""

    def __init__(self, emit: Callable[[dict[str, Any]], None], worker: str | None) -> None:
        self.emit = emit
        self.worker = worker
        self.greenlet: gevent.Greenlet | None = None

    def start(self) -> None:
        if self.greenlet is None:
            self.greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        if self.greenlet is not None:
            self.greenlet.kill(block=False)
            self.greenlet = None

    def _run(self) -> None:
        process = psutil.Process()
        process.cpu_percent(None)
        second_start = time.perf_counter()
        lags: list[float] = []
        while True:
            before = time.perf_counter()
            gevent.sleep(TICK_S)
            now = time.perf_counter()
            lags.append(max(0.0, (now - before - TICK_S) * 1000))
            if now - second_start >= 1.0:
                lags.sort()
                self.emit(
                    {
                        "kind": "health",
                        "t": time.time(),
                        "worker": self.worker,
                        "ticks": len(lags),
                        "late_ticks": sum(1 for x in lags if x > LATE_MS),
                        "lag_ms_max": round(lags[-1], 3),
                        "lag_ms_p50": round(lags[len(lags) // 2], 3),
                        "cpu_percent": process.cpu_percent(None),
                    }
                )
                lags, second_start = [], now


def verdict(
    samples: list[dict[str, Any]], pct: Callable[[list[float], float], float | None]
) -> dict[str, Any]:
    """Whether the generator (any of its processes) was the bottleneck, with the figures that say so."""
    by_worker: dict[str, list[dict[str, Any]]] = {}
    for s in samples:
        by_worker.setdefault(s.get("worker") or "local", []).append(s)
    processes = {}
    reasons = []
    for worker, rows in sorted(by_worker.items()):
        late = sum(r["late_ticks"] for r in rows) / max(1, sum(r["ticks"] for r in rows))
        cpu_p90 = pct([r["cpu_percent"] for r in rows], 90)
        processes[worker] = {
            "samples": len(rows),
            "lag_ms_p50": pct([r["lag_ms_p50"] for r in rows], 50),
            "lag_ms_max": max(r["lag_ms_max"] for r in rows),
            "late_tick_share": round(late, 4),
            "cpu_percent_mean": round(sum(r["cpu_percent"] for r in rows) / len(rows), 1),
            "cpu_percent_p90": cpu_p90,
        }
        if late > LATE_SHARE:
            reasons.append(
                f"{worker}: {late:.1%} of event-loop ticks > {LATE_MS:g} ms late (limit {LATE_SHARE:.0%})"
            )
        if cpu_p90 is not None and cpu_p90 > CPU_P90:
            reasons.append(f"{worker}: CPU p90 {cpu_p90:.0f}% > {CPU_P90:g}% of a core")
    return {
        "generator_bound": bool(reasons),
        "reasons": reasons,
        "thresholds": {"late_ms": LATE_MS, "late_tick_share": LATE_SHARE, "cpu_percent_p90": CPU_P90},
        "processes": processes,
    }
