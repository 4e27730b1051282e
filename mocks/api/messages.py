"""``/v1/messages`` and ``/v1/messages/count_tokens``: the pipeline, plus a memo of answers.

An identical request (same body, and the same values of any header a rule looks at) is answered
from memory: it would validate the same way and get the same answer. Answers that depend on state
(prompt caching) or that a source marks as not reusable are never kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from mockclaude.pipeline import semantic as rules_semantic
from mockclaude.pipeline.stages import Pipeline, Reply
from mockclaude.protocol.cache import asks_for_caching
from mockclaude.protocol.catalog import ModelSpec
from mockclaude.protocol.tokens import input_tokens
from mockclaude.sources.base import Answer, Exchange
from mockclaude.sources.reloading import ContentWatcher
from mockclaude.wire.http import Request

MEMO_BYTES = 64 * 1024 * 1024  # the memo's budget: entry count alone does not bound memory
MEMO_MAX_BODY = 256 * 1024  # bigger requests are not kept


@dataclass
class _Stored:
    body: dict[str, Any]
    model: ModelSpec
    answer: Answer
    encoded: dict[str, bytes] = field(default_factory=dict)
    cost: int = 0  # estimated bytes held: the key, the parsed body, the answer and its encodings
    usage: dict[str, Any] | None = None


class MessageRoutes:
    def __init__(self, pipeline: Pipeline, watcher: ContentWatcher) -> None:
        self.pipeline = pipeline
        self.watcher = watcher
        self.memo_size = pipeline.config.answer_cache_size
        self._stored: OrderedDict[bytes, _Stored] = OrderedDict()
        self._stored_bytes = 0
        watcher.on_reload.append(self.forget)

    def create(self, request: Request, params: dict[str, str]) -> Reply:
        p = self.pipeline
        forward = p.forwarding(request)
        if forward is not None:
            return forward
        if time.monotonic() >= self.watcher.next_check:
            self.watcher.reload_if_changed()
        memo_key = self._memo_key(request)
        stored = self._stored.get(memo_key)
        if stored is None:
            body = p.parse(request)
            p.validate("MessageCreateParams", body)
            model = p.model(body)
            p.check_rules(body, model, rules_semantic.CREATE_RULES)
            admission = p.admit(request, body, model)
            try:
                answer = p.answer(
                    Exchange(body, model, request.headers, method=request.method, path=request.path)
                )
            except Exception:
                if admission is not None and p.limiter is not None:
                    p.limiter.settle(admission, 0, 0)  # no answer: only the request itself stays counted
                raise
            stored = _Stored(body, model, answer, usage=answer.usage())
            if self._keeps(request, answer):
                self._keep(memo_key, stored)
        else:
            admission = p.admit(request, stored.body, stored.model)
        reply = p.encode(stored.body, stored.model, stored.answer, request.request_id, stored.encoded)
        reply.model, reply.origin = stored.model.id, stored.answer.origin
        reply.usage = stored.usage if reply.status == 200 else None
        if admission is not None:
            reply.admission, reply.headers = admission, reply.headers + admission.headers
        return reply

    def _keeps(self, request: Request, answer: Answer) -> bool:
        return (
            bool(self.memo_size)
            and answer.reusable
            and len(request.body) <= MEMO_MAX_BODY
            and not asks_for_caching(request.body)  # prompt-cache usage depends on state
        )

    def _keep(self, key: bytes, stored: _Stored) -> None:
        # The JSON and SSE encodings are added on first use; count them in now (about 3x the body).
        stored.cost = 4 * len(key) + 4096
        self._stored[key] = stored
        self._stored_bytes += stored.cost
        while len(self._stored) > self.memo_size or self._stored_bytes > MEMO_BYTES:
            _, evicted = self._stored.popitem(last=False)
            self._stored_bytes -= evicted.cost

    def forget(self) -> None:
        self._stored.clear()
        self._stored_bytes = 0

    def _memo_key(self, request: Request) -> bytes:
        """What identifies an answer: the body, plus the headers that some rule looks at."""
        names = self.pipeline.rules.header_names
        if not names:
            return request.body
        return request.body + b"".join(b"\0" + request.headers.get(n, "").encode() for n in names)

    def count_tokens(self, request: Request, params: dict[str, str]) -> Reply:
        p = self.pipeline
        forward = p.forwarding(request)
        if forward is not None:
            return forward
        body = p.parse(request)
        p.validate("MessageCountTokensParams", body)
        recording = p.recordings.find(request.method, request.path, body)
        if recording is not None:
            return Reply(status=recording.status, payload=recording.body)
        model = p.model(body)
        p.check_rules(body, model, rules_semantic.COUNT_RULES)
        return Reply(payload={"input_tokens": input_tokens(body)})
