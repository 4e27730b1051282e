"""The drift roots: which SDK type is compared with which spec schema (shared by several spec tests)."""

from __future__ import annotations

from collections.abc import Mapping

import anthropic.types as sdk
from anthropic.pagination import SyncPage
from anthropic.types import message_count_tokens_params, message_create_params, model_list_params
from anthropic.types.messages import (
    DeletedMessageBatch,
    MessageBatch,
    MessageBatchIndividualResponse,
    MessageBatchResult,
    batch_create_params,
    batch_list_params,
)
from anthropic.types.shared import ErrorObject, ErrorResponse

from tests.spec.drift_engine import Root


class MessageCreateParamsWithStream(message_create_params.MessageCreateParamsBase, total=False):
    """`MessageCreateParams` body as the spec models it: the SDK's base params plus an optional `stream`.

    (The SDK splits it into NonStreaming/Streaming TypedDicts that differ only in `stream`.)
    """

    stream: bool


# SDK TypedDict keys that the SDK sends as HTTP headers, never in the body or query string:
# `workspace_id` -> `anthropic-workspace-id`, `user_profile_id` -> `anthropic-user-profile-id`
# (see anthropic/resources/messages/messages.py `create`/`count_tokens`, resources/messages/batches.py,
# resources/models.py). They are excluded on these top-level types only; the same keys inside a batch request's
# `params` are body fields (the SDK passes `params` through unchanged) and are compared.
HEADER_KEYS = frozenset({"workspace_id", "user_profile_id"})
HEADER_ONLY_FIELDS: Mapping[type, frozenset[str]] = {
    MessageCreateParamsWithStream: HEADER_KEYS,
    message_count_tokens_params.MessageCountTokensParams: HEADER_KEYS,
    batch_create_params.BatchCreateParams: HEADER_KEYS,
    batch_list_params.BatchListParams: HEADER_KEYS,
    model_list_params.ModelListParams: HEADER_KEYS,
}

ROOTS: tuple[Root, ...] = (
    Root(
        "MessageCreateParams",
        MessageCreateParamsWithStream,
        "request",
        "MessageCreateParams",
        excluded_fields=HEADER_ONLY_FIELDS,
    ),
    Root(
        "MessageCountTokensParams",
        message_count_tokens_params.MessageCountTokensParams,
        "request",
        "MessageCountTokensParams",
        excluded_fields=HEADER_ONLY_FIELDS,
    ),
    Root(
        "MessageBatchCreateParams",
        batch_create_params.BatchCreateParams,
        "request",
        "MessageBatchCreateParams",
        excluded_fields=HEADER_ONLY_FIELDS,
    ),
    Root(
        "BatchListParams",
        batch_list_params.BatchListParams,
        "request",
        query_of="batches_list",
        excluded_fields=HEADER_ONLY_FIELDS,
    ),
    Root(
        "ModelListParams",
        model_list_params.ModelListParams,
        "request",
        query_of="models_list",
        excluded_fields=HEADER_ONLY_FIELDS,
    ),
    Root("Message", sdk.Message, "response", "Message"),
    Root("ContentBlock", sdk.ContentBlock, "response", "ContentBlock"),
    Root("RawMessageStreamEvent", sdk.RawMessageStreamEvent, "response", "RawMessageStreamEvent"),
    Root("RawContentBlockDelta", sdk.RawContentBlockDelta, "response", "RawContentBlockDelta"),
    Root("MessageBatch", MessageBatch, "response", "MessageBatch"),
    Root(
        "MessageBatchIndividualResponse",
        MessageBatchIndividualResponse,
        "response",
        "MessageBatchIndividualResponse",
    ),
    Root("MessageBatchResult", MessageBatchResult, "response", "MessageBatchResult"),
    Root("DeletedMessageBatch", DeletedMessageBatch, "response", "DeletedMessageBatch"),
    Root("ModelInfo", sdk.ModelInfo, "response", "ModelInfo"),
    Root("MessageTokensCount", sdk.MessageTokensCount, "response", "MessageTokensCount"),
    Root("ErrorResponse", ErrorResponse, "response", "ErrorResponse"),
    Root("ErrorObject", ErrorObject, "response", "ErrorObject"),
    Root("ModelInfoPage", SyncPage[sdk.ModelInfo], "response", "ModelInfoPage"),
    Root("MessageBatchPage", SyncPage[MessageBatch], "response", "MessageBatchPage"),
)
