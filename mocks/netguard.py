"""Network guard: inside the mock's fixtures only loopback (and hosts allowed by name) may be reached.

Name resolution (``socket.getaddrinfo``) and ``connect`` are both checked, so a client that resolves
a name, and one that connects to an address literal, meet the same error. The error names the host,
and is not an ``OSError``, so HTTP libraries and SDK retry loops pass it on instead of retrying a
"connection error" (it derives from ``BaseException`` for the same reason ``pytest.fail`` does).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class NetworkBlocked(BaseException):
    """A test using the mock's fixtures tried to reach a host that is not loopback."""


class NetworkGuard:
    """Decides which hosts may be reached; :meth:`patches` lists what to patch (for ``monkeypatch``)."""

    def __init__(self, allow_hosts: Iterable[str] = ()) -> None:
        self.allowed = {h.lower() for h in allow_hosts}
        self.allowed_addresses: set[str] = set()
        self._getaddrinfo = socket.getaddrinfo
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex

    def check(self, host: Any, port: Any = None) -> None:
        if host is None:
            return
        name = host.decode() if isinstance(host, bytes) else str(host)
        name = name.strip("[]").lower()
        if name in self.allowed or name in self.allowed_addresses or name in LOOPBACK_NAMES:
            return
        try:
            address = ipaddress.ip_address(name.split("%")[0])
            if address.is_loopback or address.is_unspecified:
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

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        self.check(host, port)
        results = self._getaddrinfo(host, port, *args, **kwargs)
        if host is not None and str(host).lower() in self.allowed:
            self.allowed_addresses.update(str(r[4][0]).lower() for r in results)
        return results

    def _checked(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def connect(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
                guard.check(address[0], address[1])
            return original(sock, address)

        return connect

    def patches(self) -> list[tuple[object, str, Any]]:
        """(target, attribute, replacement) triples."""
        return [
            (socket, "getaddrinfo", self.getaddrinfo),
            (socket.socket, "connect", self._checked(self._connect)),
            (socket.socket, "connect_ex", self._checked(self._connect_ex)),
        ]
