"""``/v1/messages`` and ``/v1/messages/count_tokens``: the pipeline, plus a memo of answers
(:mod:`mockclaude.api.memo`). In record mode the pipeline may hand a request to the upstream instead."""

from __future__ import annotations

import time
from collections import OrderedDict
from functools import partial
from typing import Any

from mockclaude.api.memo import AnswerMemo, Stored
from mockclaude.pipeline import compaction, context_edits, fallbacks
from mockclaude.pipeline import semantic as rules_semantic
from mockclaude.pipeline.betas import COUNT_SCHEMAS, CREATE_SCHEMAS, names_betas, not_emulated
from mockclaude.pipeline.stages import Pipeline
from mockclaude.protocol.catalog import ModelSpec
from mockclaude.protocol.tokens import input_tokens
from mockclaude.sources.base import Answer, Exchange, MessageAnswer, RecordedStream
from mockclaude.sources.reloading import ContentWatcher
from mockclaude.wire.reply import JsonReply, Reply
from mockclaude.wire.request import Request


class ThreadNotFound(Exception):
    def __init__(self, message_id: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id

    def reply(self, request_id: str) -> JsonReply:
        """The API's text and status for this are not known: ours, marked, with the ``error_code`` the SDKs'
        tool runners read (``thread_not_found``: they replay the whole history under a new thread)."""
        message = f"mockclaude: thread: no message {self.message_id} to continue from (threads live in this mock's memory)"
        envelope = {
            "type": "error",
            "error": {
                "type": "not_found_error",
                "message": message,
                "details": {"error_code": "thread_not_found"},
            },
            "request_id": request_id,
        }
        return JsonReply(status=404, payload=envelope, headers=(("x-mockclaude-error", "true"),))


class Threads:
    """Server-side message threads (beta ``thread``): each answer of a threaded request keeps its
    conversation (``system``, ``tools``, the messages and the answer itself) under the answer's id, so that
    ``{"type": "continue", "previous_message_id": id}`` needs to send only the new turn, as with the API.
    Bounded: the oldest threads are forgotten first (a continue then gets ``thread_not_found``)."""

    HELD_FIELDS = ("system", "tools")  # what a continue leaves out (the SDKs' create-only fields)

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._held: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def expand(self, body: dict[str, Any]) -> dict[str, Any]:
        """The whole conversation a ``continue`` stands for (the body itself otherwise)."""
        thread = body.get("thread")
        if not isinstance(thread, dict) or thread.get("type") != "continue":
            return body
        held = self._held.get(str(thread.get("previous_message_id")))
        if held is None:
            raise ThreadNotFound(str(thread.get("previous_message_id")))
        expanded = {k: v for k, v in held.items() if k != "messages" and k not in body}
        return {**body, **expanded, "messages": [*held["messages"], *(body.get("messages") or [])]}

    def forget(self) -> None:
        self._held.clear()

    def hold(self, body: dict[str, Any], answer: Answer) -> None:
        if not body.get("thread"):
            return
        if not isinstance(answer, MessageAnswer | RecordedStream):
            return
        message = answer.message
        if not message.get("id"):
            return
        held = {k: body[k] for k in self.HELD_FIELDS if k in body}
        reply = {"role": "assistant", "content": message.get("content") or []}
        held["messages"] = [*(body.get("messages") or []), reply]
        self._held[str(message["id"])] = held
        self._held.move_to_end(str(message["id"]))
        while len(self._held) > self.size:
            self._held.popitem(last=False)


class MessageRoutes:
    def __init__(self, pipeline: Pipeline, watcher: ContentWatcher) -> None:
        self.pipeline = pipeline
        self.watcher = watcher
        self.memo = AnswerMemo(pipeline.config.answer_cache_size)
        self.threads = Threads()
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
        memo_key = self.memo.key(request, p.rules.header_names) + p.rules.state_key()
        if beta:  # the same body may be valid as a beta request and not as a stable one (no copy otherwise)
            memo_key = b"b" + memo_key
        stored = self.memo.get(memo_key)
        if stored is None:
            body = p.parse(request)
            p.validate(CREATE_SCHEMAS[beta], body)
            if beta:
                try:
                    body = self.threads.expand(body)
                except ThreadNotFound as missing:
                    return missing.reply(request.request_id)
            model = p.model(body)
            p.check_rules(body, model, rules_semantic.CREATE_RULES)
            edited, applied = context_edits.apply(compaction.resumed(body)) if beta else (body, None)
            admission = p.admit(request, edited, model)
            states = p.rules.snapshot()  # the scenarios' states this request meets (None without scenarios)
            try:
                ask = partial(self._ask, request)
                compacted = compaction.serve(edited, model, ask) if beta else None
                answer = ask(edited, model) if compacted is None else compacted
                if beta:
                    answer = fallbacks.serve(edited, answer, ask, p.catalog.usable)
            except Exception:
                if admission is not None and p.limiter is not None:
                    p.limiter.settle(admission, 0, 0)  # no answer: only the request itself stays counted
                raise
            answer = context_edits.reported(answer, applied)
            stored = Stored(body, model, answer, usage=answer.usage())
            if p.rules.rules and not answer.origin.startswith("recording:"):
                # Which rules were tried, for the journal: the same for every request this memo entry answers
                # (the headers a rule looks at are part of the memo key).
                stored.rules = partial(p.rules.explain, body, model, request.headers, states)
            if self.memo.keeps(request, answer):
                self.memo.keep(memo_key, stored)
        else:
            admission = p.admit(request, stored.body, stored.model)
        reply = p.encode(stored.body, stored.model, stored.answer, request.request_id, stored.encoded)
        reply.model, reply.origin, reply.rules = stored.model.id, stored.answer.origin, stored.rules
        if beta:
            self.threads.hold(stored.body, stored.answer)
            reply.not_emulated = partial(not_emulated, stored.body)
        reply.usage = stored.usage if reply.status == 200 else None
        if admission is not None:
            reply.admission, reply.headers = admission, reply.headers + admission.headers
        return reply

    def _ask(self, request: Request, body: dict[str, Any], model: ModelSpec) -> Answer:
        """An answer within a request (the request's own, a fallback model's attempt, a compacted context)."""
        exchange = Exchange(body, model, request.headers, method=request.method, path=request.path)
        return self.pipeline.answer(exchange)

    def forget(self) -> None:
        self.memo.forget()
        self.threads.forget()

    def count_tokens(self, request: Request, params: dict[str, str]) -> Reply:
        return self.pipeline.run(request, self._checked_count)

    def _count_tokens(self, request: Request) -> Reply:
        p = self.pipeline
        body = p.parse(request)
        beta = names_betas(request)
        p.validate(COUNT_SCHEMAS[beta], body)
        recording = p.recordings.find(request.method, request.path, body)
        if recording is not None:
            reply = JsonReply(status=recording.status, payload=recording.body)
            reply.origin = f"recording:{recording.path.name}"
            return reply
        model = p.model(body)
        p.check_rules(body, model, rules_semantic.COUNT_RULES)
        edited, applied = context_edits.apply(compaction.resumed(body)) if beta else (body, None)
        payload: dict[str, Any] = {"input_tokens": input_tokens(edited)}
        if applied is not None:  # the count before the edits (deferred tools are never counted)
            payload["context_management"] = {
                "original_input_tokens": input_tokens(context_edits.loaded(compaction.resumed(body)))
            }
        reply = JsonReply(payload=payload)
        if beta:
            reply.not_emulated = partial(not_emulated, body)
        return reply
