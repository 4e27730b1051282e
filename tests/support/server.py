"""A real mock server on a free loopback port (``start_server``), and plain HTTP calls checked against the spec."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from mockclaude.protocol.contract import Contract
from tests.support.conformance import ResponseConformance

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi" / "anthropic.yaml"


# The start-up probe: a key, so it is a 200 whatever --api-key or --auth say (keys it names are "sk-ant-test").
PROBE_HEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None


def start_server(tmp: Path, *args: str, command: str = "serve") -> Server:
    """Start ``python -m mockclaude serve`` (or ``record``) on a free loopback port and wait until it answers."""
    port = free_port()
    log = tmp / f"mock-{port}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "mockclaude", command, "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mock server exited early:\n{log.read_text()}")
        try:
            # The admin API: never forwarded or recorded in record mode (a models list now would be).
            httpx2.get(base_url + "/_mock/health", headers=PROBE_HEADERS, timeout=0.5)
            return Server(base_url, process, log)
        except httpx2.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"mock server did not start in 30 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()


_CONFORMANCE: list[ResponseConformance] = []


def raw_post(
    server: Server,
    path: str,
    body: bytes | dict,
    headers: dict[str, str] | None = None,
    *,
    check: bool = True,
) -> httpx2.Response:
    """A plain HTTP POST with the headers an SDK sends (override or drop with ``headers``).

    The answer is checked against the spec too (``check=False`` for paths the spec does not have).
    """
    import orjson

    sent = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test", "content-type": "application/json"}
    sent.update(headers or {})
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    response = httpx2.post(
        server.base_url + path, content=data, headers={k: v for k, v in sent.items() if v}, timeout=30
    )
    if check:
        if not _CONFORMANCE:
            _CONFORMANCE.append(ResponseConformance(Contract(SPEC)))
        _CONFORMANCE[0].check_response(response)
    return response


def sdk_options(server: Server) -> dict[str, Any]:
    return {
        "base_url": server.base_url,
        "api_key": "sk-ant-test",
        "_strict_response_validation": True,
        "max_retries": 0,
    }


@contextmanager
def rules_client(tmp: Path, rules: str) -> Iterator[Any]:
    """A mock serving ``rules`` (a rule file's YAML) at instant latency, and a strict SDK client whose every
    answer is also checked against the spec; the server stops on exit."""
    import anthropic

    (tmp / "rules").mkdir()
    (tmp / "rules" / "rules.yaml").write_text(rules, encoding="utf-8")
    server = start_server(tmp, "--latency", "instant", "--rules", str(tmp / "rules"))
    conformance = ResponseConformance(Contract(SPEC))

    def check(response: httpx2.Response) -> None:
        response.read()
        conformance.check_response(response)

    try:
        with httpx2.Client(event_hooks={"response": [check]}) as http:
            yield anthropic.Anthropic(**sdk_options(server), http_client=http)
    finally:
        stop_server(server)
