"""Connection hygiene (issue 15, defects 4 and 9): read timeouts, a connection cap, head limits, and every
HTTP-level refusal in the API's JSON envelope; X-Forwarded-For ignored unless configured; echoes capped.

Raw sockets on loopback against a real server (``python -m mockclaude serve``)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import orjson
import pytest

from tests.support.server import PROBE_HEADERS, Server, start_server, stop_server

HANG_GUARD_S = 30  # a hang guard, not a timing bound


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A mock with short read timeouts and a small connection cap."""
    server = start_server(
        tmp_path_factory.mktemp("conn"),
        "--latency",
        "instant",
        "--header-timeout-s",
        "1",
        "--body-timeout-s",
        "1",
        "--max-connections",
        "40",
    )
    yield server
    stop_server(server)


def _address(server: Server) -> tuple[str, int]:
    host, port = server.base_url.removeprefix("http://").split(":")
    return host, int(port)


def _exchange(server: Server, raw: bytes) -> bytes:
    """Send ``raw`` and read until the server closes (a hang guard bounds the wait)."""
    with socket.create_connection(_address(server), timeout=HANG_GUARD_S) as sock:
        sock.sendall(raw)
        return _read_all(sock)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _envelope(answer: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, orjson.loads(body)


def _assert_envelope(answer: bytes, status: int, kind: str) -> dict:
    got, headers, payload = _envelope(answer)
    assert got == status, answer[:300]
    assert headers["content-type"] == "application/json"
    assert headers["x-mockclaude-error"] == "true"
    assert payload["type"] == "error" and payload["error"]["type"] == kind
    assert payload["error"]["message"].startswith("mockclaude: ")
    assert payload["request_id"].startswith("req_")
    return payload


GET = "GET {target} HTTP/1.1\r\nhost: x\r\nx-api-key: sk-ant-test\r\nanthropic-version: 2023-06-01\r\n"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        pytest.param(
            GET.format(target="/v1/models?q=" + "a" * 65536).encode() + b"\r\n", 414, id="64KB-query"
        ),
        pytest.param(GET.format(target="/v1/" + "a" * 65536).encode() + b"\r\n", 414, id="64KB-path"),
        pytest.param(b"FOO /v1/models HTTP/1.1\r\nhost: x\r\n\r\n", 400, id="unknown-method"),
        pytest.param(
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: -5\r\n\r\n", 400, id="negative-length"
        ),
        pytest.param(
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nab\r\n",
            400,
            id="bad-chunk-size",
        ),
        pytest.param(
            GET.format(target="/v1/models").encode()
            + b"".join(b"x-h%d: v\r\n" % i for i in range(200))
            + b"\r\n",
            431,
            id="200-headers",
        ),
        pytest.param(
            GET.format(target="/v1/models").encode() + b"x-big: " + b"v" * 65536 + b"\r\n\r\n",
            431,
            id="64KB-header",
        ),
    ],
)
def test_http_level_errors_are_the_api_envelope(guarded: Server, raw: bytes, status: int) -> None:
    _assert_envelope(_exchange(guarded, raw), status, "invalid_request_error")
    assert guarded.alive()
    assert (
        httpx2.get(guarded.base_url + "/v1/models", headers=PROBE_HEADERS, timeout=HANG_GUARD_S).status_code
        == 200
    )


def test_slow_headers_idle_connections_and_slow_bodies_are_closed(guarded: Server) -> None:
    host, port = _address(guarded)
    slow = socket.create_connection((host, port), timeout=HANG_GUARD_S)
    slow.sendall(b"GET /v1/models HTTP/1.1\r\nhost: x\r\n")  # never finishes its headers
    idle = socket.create_connection((host, port), timeout=HANG_GUARD_S)  # sends nothing
    body = socket.create_connection((host, port), timeout=HANG_GUARD_S)
    body.sendall(
        b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: sk-ant-test\r\nanthropic-version: 2023-06-01\r\n"
        b'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":'
    )
    chunked = socket.create_connection((host, port), timeout=HANG_GUARD_S)
    chunked.sendall(
        b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: sk-ant-test\r\nanthropic-version: 2023-06-01\r\n"
        b"transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"  # no last chunk
    )
    with slow, idle, body, chunked:
        for sock in (slow, idle, body, chunked):
            _assert_envelope(_read_all(sock), 408, "timeout_error")


def test_past_the_cap_the_oldest_incomplete_head_makes_room(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, "--latency", "instant", "--header-timeout-s", "300", "--max-connections", "40"
    )
    host, port = _address(server)
    stalled = [socket.create_connection((host, port), timeout=HANG_GUARD_S) for _ in range(60)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /v1/models HTTP/1.1\r\n")
        answer = httpx2.get(server.base_url + "/v1/models", headers=PROBE_HEADERS, timeout=HANG_GUARD_S)
        assert answer.status_code == 200  # a complete request is served while the cap is full
        for sock in stalled[:20]:  # the oldest were closed to make room for the later ones
            payload = _assert_envelope(_read_all(sock), 408, "timeout_error")
            assert "make room" in payload["error"]["message"]
    finally:
        for sock in stalled:
            sock.close()
        stop_server(server)


def test_x_forwarded_for_is_ignored_unless_configured(guarded: Server, tmp_path: Path) -> None:
    headers = {"x-forwarded-for": "203.0.113.7"}
    answer = httpx2.get(guarded.base_url + "/_mock/health", headers=headers, timeout=HANG_GUARD_S)
    assert answer.status_code == 200  # still loopback: the header did not make it look remote
    proxied = start_server(tmp_path, "--latency", "instant", "--trusted-proxies", "127.0.0.1")
    try:
        answer = httpx2.get(proxied.base_url + "/_mock/health", headers=headers, timeout=HANG_GUARD_S)
        assert answer.status_code == 403
        assert "203.0.113.7" in answer.json()["error"]["message"]
    finally:
        stop_server(proxied)


def test_an_echoed_fault_header_is_capped(guarded: Server) -> None:
    headers = {**PROBE_HEADERS, "x-mockclaude-fault": "nonsense" * 2000}  # 16 KB
    answer = httpx2.get(guarded.base_url + "/v1/models", headers=headers, timeout=HANG_GUARD_S)
    assert answer.status_code == 400
    assert len(answer.content) < 2048
    assert "more characters not shown" in answer.json()["error"]["message"]


def test_the_connection_limits_do_not_touch_normal_requests(guarded: Server) -> None:
    with httpx2.Client(base_url=guarded.base_url, headers=PROBE_HEADERS, timeout=HANG_GUARD_S) as http:
        for _ in range(3):  # kept alive across requests, with a pause shorter than the head timeout
            assert http.get("/v1/models").status_code == 200
            time.sleep(0.2)
