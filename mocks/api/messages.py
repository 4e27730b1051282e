"""``/v1/messages`` and ``/v1/messages/count_tokens``: the pipeline, plus a memo of answers
(:mod:`mockclaude.api.memo`). In record mode the pipeline may hand a request to the upstream instead."""

from __future__ import annotations

import time
from functools import partial

from mockclaude.api.memo import AnswerMemo, Stored
from mockclaude.pipeline import semantic as rules_semantic
from mockclaude.pipeline.stages import Pipeline
from mockclaude.protocol.tokens import input_tokens
from mockclaude.sources.base import Exchange
from mockclaude.sources.reloading import ContentWatcher
from mockclaude.wire.reply import JsonReply, Reply
from mockclaude.wire.request import Request


def names_betas(request: Request) -> bool:
    """A beta request, as the API tells them apart: an ``anthropic-beta`` header naming any beta, or
    ``?beta=true`` (the SDKs' beta clients always send it). Such a request is validated against the beta
    schema, which takes every beta field whichever betas are named (what the API does with a beta field
    whose beta is not named is not known: the SDK sends none of them itself). Unknown beta names are
    accepted and ignored."""
    return bool(request.headers.get("anthropic-beta", "").strip(" ,")) or request.query_one("beta") == "true"


CREATE_SCHEMAS = {False: "MessageCreateParams", True: "BetaMessageCreateParams"}
COUNT_SCHEMAS = {False: "MessageCountTokensParams", True: "BetaMessageCountTokensParams"}


class MessageRoutes:
    def __init__(self, pipeline: Pipeline, watcher: ContentWatcher) -> None:
        self.pipeline = pipeline
        self.watcher = watcher
        self.memo = AnswerMemo(pipeline.config.answer_cache_size)
        watcher.on_reload.append(self.forget)
        # The route's own stages, bound once (no allocation per request on the memo-hit path).
        self._checked_create = self._create
        self._checked_count = self._count_tokens

    def create(self, request: Request, params: dict[str, str]) -> Reply:
        return self.pipeline.run(request, self._checked_create)

    def _create(self, request: Request) -> Reply:
        p = self.pipeline
        if time.monotonic() >= self.watcher.next_check:
            self.watcher.reload_if_changed()
        beta = names_betas(request)
        # The same body may be valid as a beta request and not as a stable one: the key tells them apart.
        memo_key = (b"b" if beta else b"s") + self.memo.key(request, p.rules.header_names)
        stored = self.memo.get(memo_key)
        if stored is None:
            body = p.parse(request)
            p.validate(CREATE_SCHEMAS[beta], body)
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
            stored = Stored(body, model, answer, usage=answer.usage())
            if self.memo.keeps(request, answer):
                self.memo.keep(memo_key, stored)
        else:
            admission = p.admit(request, stored.body, stored.model)
        reply = p.encode(stored.body, stored.model, stored.answer, request.request_id, stored.encoded)
        reply.model, reply.origin = stored.model.id, stored.answer.origin
        if p.rules.rules and not stored.answer.origin.startswith("recording:"):
            reply.rules = partial(p.rules.explain, stored.body, stored.model, request.headers)
        reply.usage = stored.usage if reply.status == 200 else None
        if admission is not None:
            reply.admission, reply.headers = admission, reply.headers + admission.headers
        return reply

    def forget(self) -> None:
        self.memo.forget()

    def count_tokens(self, request: Request, params: dict[str, str]) -> Reply:
        return self.pipeline.run(request, self._checked_count)

    def _count_tokens(self, request: Request) -> Reply:
        p = self.pipeline
        body = p.parse(request)
        p.validate(COUNT_SCHEMAS[names_betas(request)], body)
        recording = p.recordings.find(request.method, request.path, body)
        if recording is not None:
            return JsonReply(status=recording.status, payload=recording.body)
        model = p.model(body)
        p.check_rules(body, model, rules_semantic.COUNT_RULES)
        return JsonReply(payload={"input_tokens": input_tokens(body)})
