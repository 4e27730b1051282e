"""Stateful batch sequences from the spec's OpenAPI links: create → retrieve / cancel / delete / results,
retrieve → results / cancel, each response validated by every check (including the resource checks
`use_after_free` and `ensure_resource_availability`) and the stream check for JSONL results."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.contract import profiles, reporting, target
from tests.contract.checks import CUSTOM_CHECKS

PROFILE = profiles.current()
schema = target.load_schema(PROFILE).include(tag="Message Batches")
reporting.attach(schema, PROFILE.name)

LINKED = (
    "POST /v1/messages/batches",
    "GET /v1/messages/batches/{message_batch_id}",
    "GET /v1/messages/batches/{message_batch_id}/results",
    "POST /v1/messages/batches/{message_batch_id}/cancel",
    "DELETE /v1/messages/batches/{message_batch_id}",
)


class BatchSequences(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        """Each scenario starts with no batches: links drawn from a list answer must not depend on what earlier
        scenarios created, or Hypothesis sees data generation depend on outside state and stops as flaky
        (which happened whenever a code change moved the examples). In-process only: a server at a URL is
        left as it is."""
        if target.base_url() is None:
            target.mock_app().batches.store.clear()  # type: ignore[attr-defined]

    def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
        extra = [*(additional_checks or []), *CUSTOM_CHECKS]
        super().validate_response(response, case, additional_checks=extra, **kwargs)


def reached() -> set[str]:
    return {op for op in LINKED if "2xx" in reporting.REPORT.statuses[op].get("stateful", set())}


def test_batch_sequences_follow_the_links() -> None:
    # The first round is derandomized (the same sequences every run). Which sequences those are still moves with
    # the local modules Hypothesis draws constants from, so when a round leaves a linked operation without a
    # success, up to three more rounds of fresh sequences are run; any failed check fails the test at once.
    for attempt in range(4):
        BatchSequences.run(
            settings=settings(
                max_examples=PROFILE.stateful_examples,
                stateful_step_count=PROFILE.stateful_steps,
                deadline=None,
                derandomize=attempt == 0,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
        if reached() == set(LINKED):
            break
    # The sequences must have reached every linked operation with a success, not only errors.
    assert reached() == set(LINKED), (
        f"linked operations never answered 2xx in sequences: {set(LINKED) - reached()}"
    )
