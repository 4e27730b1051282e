"""Wiring into Locust's events: our command-line options, the target check, the sink, the mix weights."""

from __future__ import annotations

import sys
from typing import Any

from . import options, users
from .sink import SINK

_registered = False
# Left out of the default mix against a real API: a batch's usage is only known (and counted against the
# budget) when its results are read, minutes later, and a batch still in flight when the run stops is
# neither cancelled nor accounted. Name the class on the command line to run it anyway.
REAL_API_EXCLUDED = ("BatchUser",)


def register(events: Any) -> None:
    global _registered
    if _registered:
        return
    _registered = True
    events.init_command_line_parser.add_listener(lambda parser, **_: options.add_arguments(parser))
    events.init.add_listener(_on_init)


def _on_init(environment: Any, **_: Any) -> None:
    o = environment.parsed_options
    if environment.runner is not None and environment.host and not o.worker:  # the web UI may set it later
        problem = options.target_problem(environment.host, o)
        if problem:
            print(f"loadtests: refusing to run: {problem}", file=sys.stderr)
            sys.exit(2)
    if o.real_api and not o.worker and not o.user_classes:
        left_out = [c.__name__ for c in environment.user_classes if c.__name__ in REAL_API_EXCLUDED]
        if left_out:
            environment.user_classes[:] = [
                c for c in environment.user_classes if c.__name__ not in REAL_API_EXCLUDED
            ]
            print(
                f"loadtests: real API: {', '.join(left_out)} left out of the default mix (name it to run it)",
                file=sys.stderr,
            )
    mix = users.load_data(o.scenarios).get("mix") or {}
    for cls in environment.user_classes:
        if cls.__name__ in mix:
            cls.weight = int(mix[cls.__name__])
    if environment.runner is not None:
        SINK.install(environment)
