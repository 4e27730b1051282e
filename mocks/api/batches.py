"""``/v1/messages/batches``: create, list, retrieve, cancel, delete and results, on the shared pipeline."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from mockclaude.api.batch_store import Batch, BatchStore
from mockclaude.api.pagination import paginate, parse_limit, permissive_cursors
from mockclaude.config import ValidationMode
from mockclaude.errors import ApiError, invalid, not_found
from mockclaude.pipeline import context_edits
from mockclaude.pipeline import semantic as rules_semantic
from mockclaude.pipeline.betas import BATCH_REQUEST_SCHEMAS, BATCH_SCHEMAS, batch_not_emulated, names_betas
from mockclaude.pipeline.stages import Pipeline
from mockclaude.sources.base import ErrorAnswer, Exchange, MessageAnswer, RecordedStream
from mockclaude.wire.reply import BytesReply, JsonReply, Reply
from mockclaude.wire.request import Request


class BatchRoutes:
    def __init__(
        self, pipeline: Pipeline, on_result: Callable[[str, dict[str, Any]], None] | None = None
    ) -> None:
        self.pipeline = pipeline
        self.on_result = on_result  # (model id, usage) of each succeeded result, for stats and cost
        self.store = BatchStore(
            self._answer, pipeline.config.batch_processing_s, kept=pipeline.config.batches_kept
        )

    def create(self, request: Request, params: dict[str, str]) -> Reply:
        p = self.pipeline
        body = p.parse(request)
        beta = names_betas(request)  # then each request's params may carry beta fields
        error = p.contract.validators[BATCH_SCHEMAS[beta]].error(body)
        pre_errors: dict[int, dict[str, Any]] = {}
        if error is not None:
            # Bad params inside an otherwise valid batch become errored results, as the API does.
            items = body.get("requests") if isinstance(body, dict) else None
            if not isinstance(items, list) or not items or set(body) != {"requests"}:
                raise invalid(error)
            for i, item in enumerate(items):
                item_error = p.contract.validators[BATCH_REQUEST_SCHEMAS[beta]].error(item)
                if item_error is None:
                    continue
                if not item_error.startswith("params."):  # the envelope itself is wrong (e.g. no params)
                    raise invalid(f"requests.{i}.{item_error}")
                pre_errors[i] = self._errored(invalid(item_error.removeprefix("params.")))
            if not pre_errors:
                raise invalid(error)
        seen: set[str] = set()
        for i, item in enumerate(body["requests"]):
            if item["custom_id"] in seen:
                raise invalid(f"requests.{i}.custom_id: Duplicate custom_id '{item['custom_id']}' in batch")
            seen.add(item["custom_id"])
        if p.config.validation is ValidationMode.STRICT:
            # What the batch's anthropic-version removed makes that request an errored result.
            version = request.headers.get("anthropic-version", "")
            for i, item in enumerate(body["requests"]):
                if i not in pre_errors:
                    try:
                        rules_semantic.check_version(item["params"], version)
                    except ApiError as error:
                        pre_errors[i] = self._errored(error)
        batch = self.store.create(
            p.ids.new("msgbatch"), [(r["custom_id"], r["params"]) for r in body["requests"]], pre_errors
        )
        reply = JsonReply(payload=self.store.render(batch, request.base_url))
        if beta:
            reply.not_emulated = partial(batch_not_emulated, body)
        return reply

    def _errored(self, error: ApiError) -> dict[str, Any]:
        return {"type": "errored", "error": error.envelope(self.pipeline.ids.new("req"))}

    def _answer(self, params: dict[str, Any]) -> dict[str, Any]:
        """One batch request answered by the same pipeline as /v1/messages (without pacing)."""
        p = self.pipeline
        try:
            model = p.model(params)
            p.check_rules(params, model, rules_semantic.CREATE_RULES)
            edited, applied = context_edits.apply(params)  # only a beta batch's params can ask for edits
            answer = context_edits.reported(p.answer(Exchange(edited, model, {}, "batch")), applied)
        except ApiError as error:
            return self._errored(error)
        match answer:
            case ErrorAnswer(envelope=envelope):
                return {"type": "errored", "error": envelope}
            case MessageAnswer() | RecordedStream():
                message = answer.message
            case _:
                raise TypeError(f"a batch cannot use {type(answer).__name__}")
        if self.on_result is not None:
            self.on_result(model.id, message["usage"])
        return {"type": "succeeded", "message": message}

    def _batch(self, params: dict[str, str]) -> Batch:
        """The batch named in the path; in permissive mode an id never seen here is a placeholder batch
        (a schema mock answers any id), while a deleted one stays a 404 as in strict mode."""
        batch_id = params["batch_id"]
        batch = self.store.get(batch_id)
        if batch is not None:
            return batch
        if self.pipeline.config.validation is ValidationMode.PERMISSIVE and not self.store.was_deleted(
            batch_id
        ):
            return self.store.placeholder(batch_id, self._placeholder_params())
        raise not_found(f"message_batch: {batch_id}")

    def _placeholder_params(self) -> dict[str, Any]:
        catalog = self.pipeline.catalog
        model = next((m.id for m in catalog.models if catalog.usable(m.id) is not None), catalog.models[0].id)
        return {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}

    def list(self, request: Request, params: dict[str, str]) -> Reply:
        batches = self.store.newest_first()
        after_id, before_id = request.query_one("after_id"), request.query_one("before_id")
        if self.pipeline.config.validation is ValidationMode.PERMISSIVE:
            after_id, before_id = permissive_cursors(after_id, before_id, [b.id for b in batches])
        page = paginate(
            batches,
            lambda b: b.id,
            lambda b: self.store.render(b, request.base_url),
            parse_limit(request.query_one("limit")),
            after_id,
            before_id,
        )
        return JsonReply(payload=page)

    def retrieve(self, request: Request, params: dict[str, str]) -> Reply:
        return JsonReply(payload=self.store.render(self._batch(params), request.base_url))

    def cancel(self, request: Request, params: dict[str, str]) -> Reply:
        batch = self._batch(params)
        self.store.cancel(batch)
        return JsonReply(payload=self.store.render(batch, request.base_url))

    def delete(self, request: Request, params: dict[str, str]) -> Reply:
        batch = self._batch(params)
        if not self.store.is_ended(batch):
            raise invalid(
                f"Batch {batch.id} cannot be deleted while it is still processing; cancel it first."
            )
        self.store.delete(batch)
        return JsonReply(payload={"id": batch.id, "type": "message_batch_deleted"})

    def results(self, request: Request, params: dict[str, str]) -> Reply:
        batch = self._batch(params)
        if not self.store.is_ended(batch):
            raise invalid(f"Batch {batch.id} has not finished processing; results are not available yet.")
        return BytesReply(body=self.store.results_jsonl(batch), content_type="application/x-jsonl")
