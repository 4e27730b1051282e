"""Load shapes, chosen with ``--shape`` (with Locust's -u, -r, -t): constant, ramp, step, spike, soak.

One LoadTestShape class reads the options, so one locustfile serves every shape. The step shape
records each step's wall-clock window in ``STAGES`` (the summary reports each steady window on its
own, leaving ``--settle-s`` out at its start). Open-loop Poisson arrivals are a user class instead
(``loadtests/openloop.py``), since they decide when requests start, not how many users run.
A step sweep lasts one step longer than its levels: the last level is held once more to let requests finish.
"""

from __future__ import annotations

import math
import time
from typing import Any

from locust import LoadTestShape

STAGES: list[dict[str, Any]] = []
FAST_SPAWN = 1000.0


def parse_run_time(value: Any) -> float:
    return float(value) if value else 0.0


class ConfiguredShape(LoadTestShape):
    """``--shape``: constant (-u users for -t), ramp (0 to -u over -t), step (``--steps`` levels of
    ``--step-s`` each), spike (-u/5, then -u for the middle fifth of -t, then -u/5 again), soak (constant,
    meant for long -t)."""

    use_common_options = True

    def _options(self) -> Any:
        assert self.runner is not None
        return self.runner.environment.parsed_options

    def tick(self) -> tuple[int, float] | None:
        o = self._options()
        now = self.get_run_time()
        users, rate, run_time = int(o.num_users or 1), float(o.spawn_rate or 1), parse_run_time(o.run_time)
        if o.shape == "step":
            return self._step(o, now)
        if run_time and now >= run_time:
            return None
        if o.shape == "ramp":
            target = max(1, math.ceil(users * now / run_time)) if run_time else users
            return target, FAST_SPAWN
        if o.shape == "spike":
            base = max(1, users // 5)
            in_spike = run_time and 0.4 * run_time <= now < 0.6 * run_time
            return (users if in_spike else base), FAST_SPAWN
        return users, rate  # constant, soak

    def _step(self, o: Any, now: float) -> tuple[int, float] | None:
        levels = [int(x) for x in str(o.steps).split(",") if x.strip()]
        index = int(now // o.step_s)
        if index >= len(levels):
            # the last level is held one more step, outside any window, so that the requests started in
            # the last window finish (the end of a run kills what is in flight)
            return (levels[-1], FAST_SPAWN) if index == len(levels) else None
        if len(STAGES) <= index:
            start = time.time()
            if STAGES:
                STAGES[-1]["end"] = start
            STAGES.append(
                {"users": levels[index], "start": start, "end": start + o.step_s, "settle_s": o.settle_s}
            )
        return levels[index], FAST_SPAWN
