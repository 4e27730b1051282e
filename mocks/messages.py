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

from . import rules_semantic
from .catalog import ModelSpec
from .http import Request
from .pipeline import Pipeline, Reply
from .reloading import ContentWatcher
from .sources import Answer, Exchange
from .tokens import input_tokens


@dataclass
class _Stored:
    body: dict[str, Any]
    model: ModelSpec
    answer: Answer
    encoded: dict[str, bytes] = field(default_factory=dict)


class MessageRoutes:
    def __init__(self, pipeline: Pipeline, watcher: ContentWatcher) -> None:
        self.pipeline = pipeline
        self.watcher = watcher
        self.memo_size = pipeline.config.answer_cache_size
        self._stored: OrderedDict[bytes, _Stored] = OrderedDict()
        watcher.on_reload.append(self._stored.clear)

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
            answer = p.answer(
                Exchange(body, model, request.headers, method=request.method, path=request.path)
            )
            stored = _Stored(body, model, answer)
            if answer.reusable and b'"cache_control"' not in request.body and self.memo_size:
                self._stored[memo_key] = stored
                if len(self._stored) > self.memo_size:
                    self._stored.popitem(last=False)
        return p.encode(stored.body, stored.model, stored.answer, request.request_id, stored.encoded)

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
