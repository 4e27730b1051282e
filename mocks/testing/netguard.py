"""Network guard: inside the mock's fixtures only loopback (and hosts allowed by name) may be reached.

Name resolution (``socket.getaddrinfo``), ``connect`` and UDP ``sendto`` are checked, so a client that
resolves a name, one that connects to an address literal and one that sends datagrams meet the same
error. uvloop's event loop (libuv resolves and connects without the ``socket`` module) is guarded too:
its ``create_connection``, ``create_datagram_endpoint``, ``getaddrinfo`` and ``sock_connect``.
Proxy variables of the environment (``HTTPS_PROXY`` and the like) are removed for the test by the
fixtures (:data:`PROXY_VARIABLES`): a proxy on loopback would otherwise carry requests to any host.

The error names the host, and is not an ``OSError``, so HTTP libraries and SDK retry loops pass it on
instead of retrying a "connection error" (it derives from ``MockClaudeError``, a ``BaseException``
but not an ``Exception``, for the same reason ``pytest.fail`` does).

Not guarded: code that talks to the network without Python's ``socket`` module or uvloop (a C extension
with its own sockets, a subprocess), and sockets connected before the guard was put in place.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

from mockclaude.errors import MockClaudeError
from mockclaude.netaddr import LOOPBACK_NAMES, host_text, is_loopback

__all__ = ["LOOPBACK_NAMES", "PROXY_VARIABLES", "NetworkBlocked", "NetworkGuard"]

# What HTTP libraries (requests, urllib, httpx, httpx2, aiohttp, curl) read as a proxy, in both cases.
PROXY_VARIABLES = tuple(
    name
    for base in ("http_proxy", "https_proxy", "all_proxy", "ws_proxy", "wss_proxy")
    for name in (base, base.upper())
)


class NetworkBlocked(MockClaudeError):
    """A test using the mock's fixtures tried to reach a host that is not loopback."""


class NetworkGuard:
    """Decides which hosts may be reached; :meth:`patches` lists what to patch (for ``monkeypatch``)."""

    def __init__(self, allow_hosts: Iterable[str] = ()) -> None:
        self.allowed = {host_text(h) for h in allow_hosts}
        self.allowed_addresses: set[str] = set()
        self._getaddrinfo = socket.getaddrinfo

    def check(self, host: Any, port: Any = None) -> None:
        if host is None:
            return
        name = host_text(host)
        if name in self.allowed or name in self.allowed_addresses or is_loopback(name):
            return
        try:
            if ipaddress.ip_address(name.split("%")[0]).is_unspecified:  # 0.0.0.0 is this machine
                return
        except ValueError:
            pass
        where = f"{name}:{port}" if port else name
        raise NetworkBlocked(
            f"mockclaude: network access to {where} is blocked inside the mockclaude fixtures "
            "(only loopback may be reached). Point the client at the mock (the mockclaude_client "
            "fixture, or mockclaude_server.base_url / ANTHROPIC_BASE_URL), or allow the host with "
            f"@pytest.mark.mockclaude(allow_hosts=[{name!r}])."
        )

    def _learn(self, host: Any, results: Any) -> Any:
        if host is not None and host_text(host) in self.allowed:
            self.allowed_addresses.update(host_text(r[4][0]) for r in results)
        return results

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        self.check(host, port)
        return self._learn(host, self._getaddrinfo(host, port, *args, **kwargs))

    def _check_address(self, sock: Any, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            self.check(address[0], address[1])

    def _checked_connect(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def connect(sock: socket.socket, address: Any) -> Any:
            guard._check_address(sock, address)
            return original(sock, address)

        return connect

    def _checked_sendto(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def sendto(sock: socket.socket, data: Any, *flags_and_address: Any) -> Any:
            if flags_and_address:  # sendto(data, address) or sendto(data, flags, address)
                guard._check_address(sock, flags_and_address[-1])
            return original(sock, data, *flags_and_address)

        return sendto

    def _checked_sendmsg(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def sendmsg(sock: socket.socket, *args: Any) -> Any:
            if len(args) >= 4:  # sendmsg(buffers, ancdata, flags, address)
                guard._check_address(sock, args[3])
            return original(sock, *args)

        return sendmsg

    def _uvloop_patches(self) -> list[tuple[object, str, Any]]:
        try:
            import uvloop
        except ImportError:
            return []
        loop_class = uvloop.Loop
        guard = self
        create_connection = loop_class.create_connection
        create_datagram_endpoint = loop_class.create_datagram_endpoint
        getaddrinfo = loop_class.getaddrinfo
        sock_connect = loop_class.sock_connect

        async def guarded_create_connection(
            loop: Any, protocol_factory: Any, host: Any = None, port: Any = None, *args: Any, **kwargs: Any
        ) -> Any:
            guard.check(host, port)
            return await create_connection(loop, protocol_factory, host, port, *args, **kwargs)

        async def guarded_create_datagram_endpoint(
            loop: Any, protocol_factory: Any, *args: Any, **kwargs: Any
        ) -> Any:
            remote = kwargs.get("remote_addr", args[1] if len(args) > 1 else None)
            if isinstance(remote, tuple):
                guard.check(remote[0], remote[1])
            return await create_datagram_endpoint(loop, protocol_factory, *args, **kwargs)

        async def guarded_getaddrinfo(loop: Any, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            guard.check(host, port)
            return guard._learn(host, await getaddrinfo(loop, host, port, *args, **kwargs))

        async def guarded_sock_connect(loop: Any, sock: Any, address: Any) -> Any:
            guard._check_address(sock, address)
            return await sock_connect(loop, sock, address)

        return [
            (loop_class, "create_connection", guarded_create_connection),
            (loop_class, "create_datagram_endpoint", guarded_create_datagram_endpoint),
            (loop_class, "getaddrinfo", guarded_getaddrinfo),
            (loop_class, "sock_connect", guarded_sock_connect),
        ]

    def patches(self) -> list[tuple[object, str, Any]]:
        """(target, attribute, replacement) triples."""
        return [
            (socket, "getaddrinfo", self.getaddrinfo),
            (socket.socket, "connect", self._checked_connect(socket.socket.connect)),
            (socket.socket, "connect_ex", self._checked_connect(socket.socket.connect_ex)),
            (socket.socket, "sendto", self._checked_sendto(socket.socket.sendto)),
            (socket.socket, "sendmsg", self._checked_sendmsg(socket.socket.sendmsg)),
            *self._uvloop_patches(),
        ]
