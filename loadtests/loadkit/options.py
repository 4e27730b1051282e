"""The load test's own command-line options (added to Locust's) and the target safety check.

Runs go to loopback only, unless ``--real-api`` is given together with a ``--budget-usd`` that stops
the run when spent, and a key in ANTHROPIC_API_KEY.
"""

from __future__ import annotations

import ipaddress
import os
import pathlib
import socket
from typing import Any
from urllib.parse import urlparse

HERE = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DATA = HERE / "data" / "scenarios.yaml"
DEFAULT_OUT = HERE / "results" / "latest"
SHAPES = ("constant", "ramp", "step", "spike", "soak")
PLATFORMS = ("anthropic", "vertex", "foundry")


def add_arguments(parser: Any) -> None:
    g = parser  # Locust's own parser: these show in the web UI too (is_secret masks the key there)
    g.add_argument("--out-dir", default=str(DEFAULT_OUT), help="where JSONL, summary.json and plots go")
    g.add_argument("--scenarios", default=str(DEFAULT_DATA), help="prompts, sizes and mix weights (YAML)")
    g.add_argument("--model", default="", help="model for every scenario (default: the data file's)")
    g.add_argument("--api-key", default="", is_secret=True, help="key to send (default $ANTHROPIC_API_KEY)")
    g.add_argument(
        "--timeout-s", type=float, default=60.0, help="a request with no answer by then is a timeout"
    )
    g.add_argument(
        "--retries", type=int, default=0, help="client retries on 429/529/5xx/timeouts (default 0)"
    )
    g.add_argument(
        "--platform",
        choices=PLATFORMS,
        default="anthropic",
        help="the wire format of Messages requests: the API's own, Google Vertex AI's or Microsoft Foundry's",
    )
    g.add_argument("--shape", choices=SHAPES, default="constant", help="load shape (with -u, -r, -t)")
    g.add_argument("--steps", default="1,2,4,8", help="step shape: user counts, one steady window each")
    g.add_argument("--step-s", type=float, default=20.0, help="step shape: seconds per step")
    g.add_argument(
        "--settle-s", type=float, default=3.0, help="step shape: seconds left out at each step's start"
    )
    g.add_argument("--arrival-rate", type=float, default=1.0, help="open loop: Poisson arrivals/s per user")
    g.add_argument("--max-inflight", type=int, default=256, help="open loop: concurrent requests per user")
    g.add_argument(
        "--budget-usd", type=float, default=0.0, help="stop the run once this many dollars are spent"
    )
    g.add_argument("--real-api", action="store_true", default=False, help="allow a non-loopback host")
    g.add_argument(
        "--allow-host", default="", help="a non-loopback host of your own (a mock on another machine)"
    )
    g.add_argument("--gate-p95-ttft-ms", type=float, default=0.0, help="fail (exit 3) if p95 TTFT is above")
    g.add_argument(
        "--gate-error-rate", type=float, default=-1.0, help="fail if the error share is above (0-1)"
    )
    g.add_argument("--gate-cost-usd", type=float, default=0.0, help="fail if the run cost more dollars")
    g.add_argument(
        "--expect-ttft-ms", type=float, default=0.0, help="known TTFT of the target (accuracy check)"
    )
    g.add_argument("--expect-itl-ms", type=float, default=0.0, help="known inter-token latency of the target")
    g.add_argument("--progress-s", type=float, default=5.0, help="seconds between progress lines (0: none)")


def api_key(options: Any) -> str:
    return options.api_key or os.environ.get("ANTHROPIC_API_KEY", "") or "sk-ant-load-test"


def is_loopback(host_url: str) -> bool:
    host = urlparse(host_url).hostname or ""
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        return False


def target_problem(host_url: str | None, options: Any) -> str | None:
    """Why this run must not start, or None."""
    if not host_url:
        return "no --host given (e.g. --host http://127.0.0.1:4010)"
    if is_loopback(host_url) or (options.allow_host and urlparse(host_url).hostname == options.allow_host):
        return None
    if not options.real_api:
        return (
            f"{host_url} is not a loopback address: a real API needs --real-api and --budget-usd,"
            " a mock of yours on another machine --allow-host"
        )
    if options.budget_usd <= 0:
        return "--real-api needs --budget-usd (dollars) so the run stops when they are spent"
    if not (options.api_key or os.environ.get("ANTHROPIC_API_KEY")):
        return "--real-api needs a key in ANTHROPIC_API_KEY"
    return None
