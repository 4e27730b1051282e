"""Wiring into Locust's events: our command-line options, the target check, the sink, the mix weights."""

from __future__ import annotations

import sys
from typing import Any

from . import options, users
from .sink import SINK

_registered = False


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
    mix = users.load_data(o.scenarios).get("mix") or {}
    for cls in environment.user_classes:
        if cls.__name__ in mix:
            cls.weight = int(mix[cls.__name__])
    if environment.runner is not None:
        SINK.install(environment)
