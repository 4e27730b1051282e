"""Identifiers in the API's shapes (msg_…, toolu_…, req_…, msgbatch_…), deterministic when seeded."""

from __future__ import annotations

import hashlib
import itertools
import os

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _encode(digest: bytes, length: int = 24) -> str:
    n = int.from_bytes(digest, "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, len(_ALPHABET))
        out.append(_ALPHABET[r])
    return "".join(out)


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
