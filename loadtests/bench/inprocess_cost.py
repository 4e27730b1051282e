"""Microseconds per request through the ASGI app alone (no HTTP server, no socket): the pipeline's own cost.

    python loadtests/bench/inprocess_cost.py [--requests 20000]

Sends the same valid Messages request again and again (after the first it is answered from the memo), so the
figure is the fixed per-request cost: routing, header checks, fault selection, stats, journal, encoding.
A benchmark, not a test: it prints a figure and never fails on it.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import orjson

from mockclaude.config import MockConfig
from mockclaude.server.app import create_app

BODY = orjson.dumps(
    {
        "model": "claude-haiku-4-5",
        "max_tokens": 256,
        "messages": [{"role": "user", "content": "What is 17 * 23?"}],
    }
)
SCOPE = {
    "type": "http",
    "method": "POST",
    "path": "/v1/messages",
    "query_string": b"",
    "client": ("127.0.0.1", 50000),
    "headers": [
        (b"host", b"127.0.0.1"),
        (b"x-api-key", b"sk-ant-bench"),
        (b"anthropic-version", b"2023-06-01"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": BODY, "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


async def _run(app: Any, count: int) -> None:
    for _ in range(count):
        await app(SCOPE, _receive, _send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    app = create_app(MockConfig(latency="instant"))
    asyncio.run(_run(app, 200))  # warm-up: the memo and the validators
    started = time.perf_counter()
    asyncio.run(_run(app, args.requests))
    elapsed = time.perf_counter() - started
    print(
        f"{elapsed / args.requests * 1e6:.2f} µs per request ({args.requests} memo-hit requests, in-process)"
    )


if __name__ == "__main__":
    main()
