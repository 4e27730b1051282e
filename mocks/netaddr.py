"""Which hosts are loopback: one answer for the admin API's loopback check and the tests' network guard."""

from __future__ import annotations

import ipaddress
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def host_text(host: Any) -> str:
    """``host`` (str or bytes, maybe ``[bracketed]``, a trailing dot or a ``%zone``) as a plain lower-case name."""
    name = host.decode() if isinstance(host, bytes) else str(host)
    name = name.strip().strip("[]").lower()
    return name[:-1] if name.endswith(".") and len(name) > 1 else name


def is_loopback(host: Any) -> bool:
    """Whether ``host`` names this machine's loopback: a loopback address (IPv4-mapped IPv6 included,
    ``::ffff:127.0.0.1``), or ``localhost`` (with or without a trailing dot)."""
    name = host_text(host)
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))
