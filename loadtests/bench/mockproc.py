"""Launching the mock for a benchmark: one command line, its own session, output to a log file."""

from __future__ import annotations

import pathlib
import shlex
import subprocess
import sys
from typing import IO

REPO = pathlib.Path(__file__).resolve().parents[2]


def launch_mock(port: int, latency: str, extra_args: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start ``python -m mockclaude serve`` on 127.0.0.1:``port`` (the caller waits for it to answer).

    ``extra_args`` is split as a shell would (``shlex.split``), so a quoted option value keeps its spaces:
    ``--fault '529; probability=0.05'``."""
    argv = [
        sys.executable,
        "-m",
        "mockclaude",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--latency",
        latency,
        *shlex.split(extra_args),
    ]
    return subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=str(REPO),
        start_new_session=True,
    )
