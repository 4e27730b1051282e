"""Identifiers in the API's shapes (msg_…, toolu_…, req_…, msgbatch_…), deterministic when seeded."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os

_ALNUM = bytes.maketrans(b"+/=", b"xyz")


def _encode(digest: bytes, length: int = 24) -> str:
    """Letters and digits only, like the API's ids (base64 with its three symbols replaced)."""
    return base64.b64encode(digest).translate(_ALNUM)[:length].decode()


def seeded_id(prefix: str, seed: bytes | str, salt: str = "") -> str:
    """A stable id: the same seed and salt give the same id (``msg_01…``)."""
    data = seed.encode() if isinstance(seed, str) else seed
    return f"{prefix}_01{_encode(hashlib.blake2b(data + salt.encode(), digest_size=20).digest(), 22)}"


class IdSource:
    """Fresh ids for things that must be unique per call (request ids, batch ids)."""

    def __init__(self) -> None:
        self._prefix = os.urandom(6)
        self._counter = itertools.count()

    def new(self, prefix: str) -> str:
        n = next(self._counter).to_bytes(8, "big")
        return f"{prefix}_01{_encode(hashlib.blake2b(self._prefix + n, digest_size=20).digest(), 22)}"
