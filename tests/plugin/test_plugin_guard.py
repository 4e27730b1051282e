"""The network guard's edges: proxies from the environment, uvloop, UDP, and what counts as loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest
import requests
import uvloop

from mockclaude.netaddr import is_loopback
from mockclaude.server.admin import _is_loopback as admin_is_loopback
from mockclaude.testing.netguard import PROXY_VARIABLES, NetworkBlocked, NetworkGuard


@pytest.fixture()
def loopback_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """A "proxy" on loopback that records the first line of what reaches it (CONNECT host:443 ...)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    seen: list[bytes] = []

    def run() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                seen.append(conn.recv(200).split(b"\r\n")[0])

    threading.Thread(target=run, daemon=True).start()
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    yield seen
    server.close()


def test_a_proxy_on_loopback_does_not_carry_requests_out(
    loopback_proxy: list[bytes], mockclaude: Any
) -> None:
    assert not [name for name in PROXY_VARIABLES if name in os.environ]  # removed for the test
    with pytest.raises(NetworkBlocked, match=r"api\.anthropic\.com"):
        requests.get("https://api.anthropic.com/v1/models", timeout=3)
    client = anthropic.Anthropic(api_key="sk-ant-x", base_url="https://api.anthropic.com", max_retries=0)
    with pytest.raises(NetworkBlocked, match=r"api\.anthropic\.com"):
        client.models.list()
    with pytest.raises(NetworkBlocked, match=r"api\.anthropic\.com"):
        httpx2.get("https://api.anthropic.com/v1/models", timeout=3)
    assert loopback_proxy == []  # nothing reached the proxy


def test_the_proxy_variables_come_back_after_the_test(loopback_proxy: list[bytes]) -> None:
    assert os.environ["HTTPS_PROXY"].startswith("http://127.0.0.1:")  # outside the fixtures: untouched


def _outcome(coroutine: Any) -> str:
    try:
        uvloop.run(coroutine)
    except NetworkBlocked as blocked:
        return f"blocked: {blocked}"
    except BaseException as other:
        return f"{type(other).__name__}: {other}"
    return "connected"


def test_uvloop_is_guarded(mockclaude: Any) -> None:
    async def connect(host: str, port: int) -> None:
        await asyncio.wait_for(asyncio.open_connection(host, port), 2)

    async def resolve() -> None:
        await asyncio.get_running_loop().getaddrinfo("api.anthropic.com", 443)

    async def sock_connect() -> None:
        with socket.socket() as sock:
            sock.setblocking(False)
            await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, ("192.0.2.1", 80)), 2)

    async def datagram() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=("192.0.2.1", 53))

    async def httpx2_client() -> None:
        async with httpx2.AsyncClient() as client:
            await client.get("https://api.anthropic.com/", timeout=2)

    assert _outcome(connect("192.0.2.1", 80)).startswith(
        "blocked: mockclaude: network access to 192.0.2.1:80"
    )
    assert "api.anthropic.com:443" in _outcome(connect("api.anthropic.com", 443))
    assert "api.anthropic.com:443" in _outcome(resolve())
    assert "192.0.2.1:80" in _outcome(sock_connect())
    assert "192.0.2.1:53" in _outcome(datagram())
    assert "api.anthropic.com" in _outcome(httpx2_client())

    async def loopback() -> None:  # loopback still works on uvloop
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            _, writer = await asyncio.open_connection("localhost", port)
            writer.close()

    assert _outcome(loopback()) == "connected"


def test_uvloop_is_free_outside_the_fixtures() -> None:
    assert "create_connection" not in vars(uvloop.Loop)


def test_udp_sendto_a_remote_address_is_blocked(mockclaude: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(NetworkBlocked, match=r"192\.0\.2\.1:53"):
            udp.sendto(b"x", ("192.0.2.1", 53))
        with pytest.raises(NetworkBlocked, match=r"192\.0\.2\.1:53"):
            udp.sendto(b"x", 0, ("192.0.2.1", 53))
        with pytest.raises(NetworkBlocked, match=r"192\.0\.2\.1:53"):
            udp.sendmsg([b"x"], [], 0, ("192.0.2.1", 53))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
            receiver.bind(("127.0.0.1", 0))
            udp.sendto(b"ok", receiver.getsockname())  # loopback is fine
            assert receiver.recv(10) == b"ok"


LOOPBACK = [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
    "localhost",
    "localhost.",
    "LOCALHOST",
]
REMOTE = ["192.0.2.1", "::ffff:192.0.2.1", "api.anthropic.com", "localhost.example.com", "10.0.0.1", ""]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_is_one_answer_for_the_guard_and_the_admin_api(host: str) -> None:
    assert is_loopback(host) and admin_is_loopback(host)
    NetworkGuard().check(host, 80)


@pytest.mark.parametrize("host", REMOTE)
def test_remote_is_one_answer_for_the_guard_and_the_admin_api(host: str) -> None:
    assert not is_loopback(host) and not admin_is_loopback(host)
    if host:
        with pytest.raises(NetworkBlocked):
            NetworkGuard().check(host, 80)
