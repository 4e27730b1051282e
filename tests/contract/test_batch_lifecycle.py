"""A batch runs to its end: create → poll until `ended` → results (one line per request) → delete → 404.

Generated sequences follow the links but cannot wait; this test does, with a bounded number of polls
(the in-process mock ends batches at once; a server given with `MOCKCLAUDE_CONTRACT_URL` gets up to
`MOCKCLAUDE_CONTRACT_BATCH_WAIT_S`, default 30 s). A batch that never ends fails here.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from tests.contract import profiles, reporting, target
from tests.contract.checks import CUSTOM_CHECKS

PROFILE = profiles.current()
schema = target.load_schema(PROFILE)
reporting.attach(schema, PROFILE.name)
HEADERS = {"anthropic-version": target.ANTHROPIC_VERSION, "x-api-key": target.api_key()}
BATCH = {
    "requests": [
        {
            "custom_id": f"lifecycle-{n}",
            "params": {
                "model": "claude-haiku-4-5",
                "max_tokens": 32,
                "messages": [{"role": "user", "content": f"Say {n}"}],
            },
        }
        for n in range(2)
    ]
}
POLLS = 30


def call(path: str, method: str, **parts: Any) -> Any:
    """Send one request through schemathesis (so the target is the same) and run every check on it."""
    case = schema[path][method].Case(headers=dict(HEADERS), **parts)
    response = case.call()
    case.validate_response(response, additional_checks=CUSTOM_CHECKS)
    return response


def test_batch_ends_serves_results_and_can_be_deleted() -> None:
    created = call("/v1/messages/batches", "POST", body=BATCH)
    assert created.status_code == 200, created.text
    batch_id = created.json()["id"]
    item = {"message_batch_id": batch_id}
    wait_s = float(os.environ.get("MOCKCLAUDE_CONTRACT_BATCH_WAIT_S", "30"))
    batch = created.json()
    for _ in range(POLLS):
        if batch["processing_status"] == "ended":
            break
        time.sleep(wait_s / POLLS)
        batch = call("/v1/messages/batches/{message_batch_id}", "GET", path_parameters=item).json()
    assert batch["processing_status"] == "ended", (
        f"batch {batch_id} is still {batch['processing_status']!r} after {POLLS} polls over {wait_s:.0f} s"
    )
    assert batch["results_url"], "an ended batch must have a results_url"
    assert sum(batch["request_counts"].values()) == len(BATCH["requests"]), batch["request_counts"]

    results = call("/v1/messages/batches/{message_batch_id}/results", "GET", path_parameters=item)
    assert results.status_code == 200, results.text
    lines = [line for line in results.text.split("\n") if line]
    ids = {json.loads(line)["custom_id"] for line in lines}
    assert ids == {r["custom_id"] for r in BATCH["requests"]}

    assert call("/v1/messages/batches/{message_batch_id}", "DELETE", path_parameters=item).status_code == 200
    gone = call("/v1/messages/batches/{message_batch_id}", "GET", path_parameters=item)
    assert gone.status_code == 404, gone.text
