"""`--validation permissive` as a true schema mock (issue 13, item 7): placeholder batch and model ids get
plausible objects the SDK parses strictly, any schema-valid cursor combination is accepted; strict mode
keeps the API's 404s and its refusal of both cursors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest

from tests.support.server import Server, sdk_options, start_server, stop_server

PLACEHOLDER_BATCH = "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF"  # the SDK's generated tests use ids like this one
PLACEHOLDER_MODEL = "model_id"
HEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test"}


@pytest.fixture(scope="module")
def permissive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("permissive"),
        "--latency",
        "instant",
        "--validation",
        "permissive",
        "--batch-processing-s",
        "0",
    )
    yield server
    stop_server(server)


@pytest.fixture()
def sdk(permissive: Server) -> anthropic.Anthropic:
    return anthropic.Anthropic(**sdk_options(permissive))


def test_placeholder_batch_is_retrieved_cancelled_and_deleted(sdk: anthropic.Anthropic) -> None:
    batch = sdk.messages.batches.retrieve(PLACEHOLDER_BATCH)
    assert batch.id == PLACEHOLDER_BATCH and batch.type == "message_batch"
    assert batch.processing_status == "ended" and batch.results_url is not None
    assert batch.results_url.endswith(f"/v1/messages/batches/{PLACEHOLDER_BATCH}/results")
    assert batch.request_counts.succeeded == 1
    cancelled = sdk.messages.batches.cancel(PLACEHOLDER_BATCH)
    assert cancelled.id == PLACEHOLDER_BATCH and cancelled.type == "message_batch"
    deleted = sdk.messages.batches.delete(PLACEHOLDER_BATCH)
    assert deleted.id == PLACEHOLDER_BATCH and deleted.type == "message_batch_deleted"
    # Gone once deleted, as the API promises (schemathesis' use-after-free check holds a schema mock to it too).
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.batches.retrieve(PLACEHOLDER_BATCH)


def test_placeholder_batch_results_are_one_succeeded_line(
    permissive: Server, sdk: anthropic.Anthropic
) -> None:
    batch_id = PLACEHOLDER_BATCH + "_results"
    results = list(sdk.messages.batches.results(batch_id))
    assert len(results) == 1
    result = results[0].result
    assert result.type == "succeeded"
    assert result.message.type == "message" and result.message.content  # type: ignore[union-attr]
    # The SDK reads JSONL without validating it: check the message strictly with the SDK's own model.
    raw = httpx2.get(f"{permissive.base_url}/v1/messages/batches/{batch_id}/results", headers=HEADERS)
    lines = raw.text.splitlines()
    assert raw.status_code == 200 and len(lines) == 1 and raw.text.endswith("\n")
    from anthropic.types.messages import MessageBatchIndividualResponse

    parsed = MessageBatchIndividualResponse.model_validate_json(lines[0])
    assert parsed.result.type == "succeeded"


def test_a_batch_deleted_here_stays_gone(sdk: anthropic.Anthropic) -> None:
    created = sdk.messages.batches.create(
        requests=[
            {
                "custom_id": "a",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 8,
                    "messages": [{"role": "user", "content": "Hi"}],
                },
            }
        ]
    )
    assert sdk.messages.batches.retrieve(created.id).processing_status == "ended"
    sdk.messages.batches.delete(created.id)
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.batches.retrieve(created.id)


def test_a_deleted_placeholder_stays_gone(sdk: anthropic.Anthropic) -> None:
    """A schema mock still keeps the API's promise that a deleted batch is gone (schemathesis' use-after-free
    check found a deleted placeholder answering 200)."""
    sdk.messages.batches.delete("msgbatch_placeholder_deleted")
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.batches.retrieve("msgbatch_placeholder_deleted")
    with pytest.raises(anthropic.NotFoundError):
        sdk.messages.batches.results("msgbatch_placeholder_deleted")


def test_placeholder_model_is_a_plausible_model_info(sdk: anthropic.Anthropic) -> None:
    model = sdk.models.retrieve(PLACEHOLDER_MODEL)
    assert model.id == PLACEHOLDER_MODEL and model.type == "model"
    assert model.display_name and model.created_at.year >= 2024
    known = sdk.models.retrieve("claude-haiku-4-5")
    assert known.id != PLACEHOLDER_MODEL


@pytest.mark.parametrize(
    "cursors", [{"after_id": "after_id", "before_id": "before_id"}, {"after_id": "nowhere"}]
)
def test_any_schema_valid_cursors_are_accepted(sdk: anthropic.Anthropic, cursors: dict[str, Any]) -> None:
    models = sdk.models.list(**cursors, limit=2)
    assert len(models.data) == 2 and models.has_more
    sdk.messages.batches.list(**cursors)  # a page, though maybe an empty one


def test_strict_mode_keeps_the_apis_answers(mock_server: Server) -> None:
    sdk = anthropic.Anthropic(**sdk_options(mock_server))
    for call in (
        sdk.messages.batches.retrieve,
        sdk.messages.batches.cancel,
        sdk.messages.batches.delete,
        lambda batch_id: list(sdk.messages.batches.results(batch_id)),
    ):
        with pytest.raises(anthropic.NotFoundError) as caught:
            call(PLACEHOLDER_BATCH)
        assert caught.value.body["error"]["message"] == f"message_batch: {PLACEHOLDER_BATCH}"  # type: ignore[index]
    with pytest.raises(anthropic.NotFoundError):
        sdk.models.retrieve(PLACEHOLDER_MODEL)
    with pytest.raises(anthropic.BadRequestError, match="after_id: cannot be combined with before_id"):
        sdk.models.list(after_id="a", before_id="b")


def test_lifecycle_filter_keeps_its_max_items(permissive: Server) -> None:
    # Both cursors are accepted here, so the schema's other limits must still be checked.
    query = "after_id=&before_id=x" + "&lifecycle[]=active" * 4
    answer = httpx2.get(f"{permissive.base_url}/v1/models?{query}", headers=HEADERS)
    assert answer.status_code == 400
    assert (
        answer.json()["error"]["message"]
        == "lifecycle: List should have at most 3 items after validation, not 4"
    )
