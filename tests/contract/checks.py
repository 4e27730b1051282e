"""Custom schemathesis checks: streamed answers against the event schemas and the event grammar, and the
two built-in data checks for batch creation with the API's documented batch behaviour allowed.

Passed explicitly (`additional_checks=CUSTOM_CHECKS`) rather than registered globally, so that other
schemathesis users in the same pytest process are not affected.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from mockclaude.protocol.contract import Contract
from tests.contract.spec_adapter import SPEC, raw_document
from tests.support.conformance import ResponseConformance

STREAMED = ("text/event-stream", "application/x-jsonl")


@cache
def _conformance() -> ResponseConformance:
    return ResponseConformance(Contract(SPEC))


def streamed_answer_conformance(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """A 200 event stream: every event against `MessageStreamEvent` and the whole stream against the
    grammar (message_start, blocks in order, message_delta, message_stop; delta types fitting their block;
    tool input fragments forming JSON). A JSONL body: every line against its item schema, no blank lines.

    Also: a request that asked for `stream: true` and got a 200 must get an event stream.
    """
    media = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    body = case.body if isinstance(case.body, dict) else {}
    asked_for_a_stream = body.get("stream") is True and case.path == "/v1/messages"
    if response.status_code == 200 and asked_for_a_stream and media != "text/event-stream":
        raise AssertionError(f"`stream: true` answered with content type {media!r}, not text/event-stream")
    if response.status_code != 200 or media not in STREAMED:
        return None
    _conformance().check(case.method.upper(), case.formatted_path, 200, media, response.content)
    return True


BATCHES_CREATE = "POST /v1/messages/batches"
CheckFunction = Callable[[schemathesis.CheckContext, schemathesis.Response, schemathesis.Case], bool | None]
Excuse = Callable[[schemathesis.Response, Any], bool]


@cache
def _batch_envelope() -> jsonschema.Draft202012Validator:
    """`MessageBatchCreateParams` with each request's `params` reduced to "an object"."""
    schemas = raw_document()["components"]["schemas"]
    request = dict(schemas["MessageBatchRequest"])
    request["properties"] = {**request["properties"], "params": {"type": "object"}}
    root = dict(schemas["MessageBatchCreateParams"])
    root["properties"] = {"requests": {**root["properties"]["requests"], "items": request}}
    return jsonschema.Draft202012Validator(root)


def _params_alone_are_wrong(response: schemathesis.Response, body: Any) -> bool:
    """A 200 for a batch whose envelope is valid: the requests with bad `params` become `errored` results."""
    return response.status_code == 200 and _batch_envelope().is_valid(body)


def _custom_ids_repeat(response: schemathesis.Response, body: Any) -> bool:
    """A 400 for a batch whose `custom_id`s repeat: a rule a schema cannot state."""
    ids = [r.get("custom_id") for r in body.get("requests", [])] if isinstance(body, dict) else []
    return response.status_code == 400 and len(ids) != len(set(ids))


def _batch_create_variant(builtin: CheckFunction, failure: type[Exception], excused: Excuse) -> CheckFunction:
    """The built-in check for batch creation, with one documented behaviour of the API excused."""

    def check(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
    ) -> bool | None:
        if case.operation.label != BATCHES_CREATE:
            return None
        try:
            return builtin(ctx, response, case)
        except failure:
            if excused(response, case.body):
                return True
            raise

    check.__name__ = f"batch_{builtin.__name__}"
    check.__doc__ = f"{builtin.__name__} for {BATCHES_CREATE}, except: {excused.__doc__}"
    return check


# Configured in place of the built-ins for batch creation only (profiles.py).
batch_negative_data_rejection = _batch_create_variant(
    negative_data_rejection, AcceptedNegativeData, _params_alone_are_wrong
)
batch_positive_data_acceptance = _batch_create_variant(
    positive_data_acceptance, RejectedPositiveData, _custom_ids_repeat
)

CUSTOM_CHECKS = [streamed_answer_conformance, batch_negative_data_rejection, batch_positive_data_acceptance]
