"""The answer memo: an identical Messages request is answered from memory.

An identical request (same body, and the same values of any header a rule looks at) would validate
the same way and get the same answer. Answers that depend on state (prompt caching) or that a source
marks as not reusable are never kept. The memo is bounded in entries and in (estimated) bytes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockclaude.protocol.cache import asks_for_caching
from mockclaude.protocol.catalog import ModelSpec
from mockclaude.sources.base import Answer
from mockclaude.wire.request import Request

MEMO_BYTES = 64 * 1024 * 1024  # the memo's budget: entry count alone does not bound memory
MEMO_MAX_BODY = 256 * 1024  # bigger requests are not kept


@dataclass
class Stored:
    """A request's checked body and model, its answer and the answer's encodings."""

    body: dict[str, Any]
    model: ModelSpec
    answer: Answer
    encoded: dict[str, bytes] = field(default_factory=dict)
    cost: int = 0  # estimated bytes held: the key, the parsed body, the answer and its encodings
    usage: dict[str, Any] | None = None
    rules: Callable[[], list[dict[str, object]]] | None = None  # the rules tried, for the journal


class AnswerMemo:
    def __init__(self, size: int, budget: int = MEMO_BYTES, max_body: int = MEMO_MAX_BODY) -> None:
        self.size = size  # entries at most (0: keep nothing)
        self.budget = budget
        self.max_body = max_body
        self._stored: OrderedDict[bytes, Stored] = OrderedDict()
        self.bytes = 0
        self.get = self._stored.get  # the memo-hit path: one dict lookup, no extra call

    def __len__(self) -> int:
        return len(self._stored)

    @staticmethod
    def key(request: Request, header_names: tuple[str, ...]) -> bytes:
        """What identifies an answer: the body, plus the headers that some rule looks at."""
        if not header_names:
            return request.body
        return request.body + b"".join(b"\0" + request.headers.get(n, "").encode() for n in header_names)

    def keeps(self, request: Request, answer: Answer) -> bool:
        return (
            bool(self.size)
            and answer.reusable
            and len(request.body) <= self.max_body
            and not asks_for_caching(request.body)  # prompt-cache usage depends on state
        )

    def keep(self, key: bytes, stored: Stored) -> None:
        # The JSON and SSE encodings are added on first use; count them in now (about 3x the body).
        stored.cost = 4 * len(key) + 4096
        self._stored[key] = stored
        self.bytes += stored.cost
        while len(self._stored) > self.size or self.bytes > self.budget:
            _, evicted = self._stored.popitem(last=False)
            self.bytes -= evicted.cost

    def forget(self) -> None:
        self._stored.clear()
        self.bytes = 0
