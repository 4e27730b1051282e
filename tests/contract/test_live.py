"""Opt-in: a small, budget-capped subset against the real API, to catch drift between the spec, the mock and
the live service. Run with `make contract-live` (`ANTHROPIC_API_KEY` set and `MOCKCLAUDE_LIVE=1`); without
both it is skipped with a message, so `make test` never spends money.

Each request (the spec's own request examples, `max_tokens` cut to a few tokens, the cheapest model) is
checked against the spec by the same schemathesis checks as the generated tests (not the fuzzing checks,
which would send extra requests), and the shape of the live answer is compared with the mock's answer to the
same request. Caps: `MOCKCLAUDE_LIVE_MAX_REQUESTS` (default 8) requests and `MOCKCLAUDE_LIVE_BUDGET_USD`
(default $0.02), the cost computed from each answer's usage with the price table in
`mocks/content/data/models.yaml`; once either is reached the remaining requests are skipped.
`MOCKCLAUDE_LIVE_URL` (default https://api.anthropic.com) can point the subset at any compatible server.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as openapi_checks

from mockclaude.protocol.sse import accumulate
from tests.contract import profiles, target
from tests.contract.budget import Budget, BudgetSpent
from tests.contract.checks import streamed_answer_conformance
from tests.contract.spec_adapter import adapted_document, raw_document
from tests.spec.sse_grammar import parse_sse

KEY = os.environ.get("ANTHROPIC_API_KEY", "")
ENABLED = bool(KEY) and os.environ.get("MOCKCLAUDE_LIVE") == "1"
pytestmark = pytest.mark.skipif(
    not ENABLED,
    reason="live contract tests are opt-in: set ANTHROPIC_API_KEY and MOCKCLAUDE_LIVE=1 (make contract-live)",
)
URL = os.environ.get("MOCKCLAUDE_LIVE_URL", "https://api.anthropic.com")
MODEL = os.environ.get("MOCKCLAUDE_LIVE_MODEL", "claude-haiku-4-5")
MAX_TOKENS = int(os.environ.get("MOCKCLAUDE_LIVE_MAX_TOKENS", "16"))
BUDGET = Budget(
    max_requests=int(os.environ.get("MOCKCLAUDE_LIVE_MAX_REQUESTS", "8")),
    max_usd=float(os.environ.get("MOCKCLAUDE_LIVE_BUDGET_USD", "0.02")),
)
LIVE_CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    streamed_answer_conformance,
]


def _schema(base_url: str | None) -> Any:
    schema = schemathesis.openapi.from_dict(
        adapted_document(),
        config=SchemathesisConfig.from_dict(profiles.PROFILES["fast"].schemathesis_config(KEY)),
    )
    if base_url:
        schema.config.update(base_url=base_url)
    else:
        schema.app = target.mock_app("strict", ())
    return schema


def example(path: str, name: str, **changes: Any) -> dict[str, Any]:
    """A request example of the spec, made cheap: the live model, a few output tokens."""
    examples = raw_document()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
    body = copy.deepcopy(examples[name]["value"])
    body["model"] = MODEL
    if "max_tokens" in body:
        body["max_tokens"] = MAX_TOKENS
    body.pop("thinking", None)
    body.update(changes)
    return body


# (label, path, method, request parts); each is one live request.
SUBSET: list[tuple[str, str, str, dict[str, Any]]] = [
    ("basic", "/v1/messages", "POST", {"body": example("/v1/messages", "basic")}),
    ("streamed", "/v1/messages", "POST", {"body": example("/v1/messages", "basic", stream=True)}),
    ("tools", "/v1/messages", "POST", {"body": example("/v1/messages", "tools")}),
    ("bad temperature", "/v1/messages", "POST", {"body": example("/v1/messages", "basic", temperature=1.5)}),
    (
        "count_tokens",
        "/v1/messages/count_tokens",
        "POST",
        {"body": example("/v1/messages/count_tokens", "basic")},
    ),
    ("models list", "/v1/models", "GET", {"query": {"limit": 2}}),
    ("model", "/v1/models/{model_id}", "GET", {"path_parameters": {"model_id": MODEL}}),
]


# Headers of the API a client may rely on: when the live API sends one, the mock must too.
API_HEADERS = ("request-id", "anthropic-organization-id", "x-should-retry", "retry-after", "content-type")


def answer_document(response: Any) -> Any:
    media = (response.headers.get("content-type") or [""])[0]
    if media.startswith("text/event-stream"):
        return accumulate([json.loads(event.data) for event in parse_sse(response.text)])
    return response.json()


def shape(document: Any) -> Any:
    """Keys, recursively (the first element stands for a list): what must agree between mock and live."""
    if isinstance(document, dict):
        return {k: shape(v) for k, v in document.items() if k not in ("content", "data")}
    return type(document).__name__ if document is not None else None


def shape_drift(live: Any, mock: Any, where: str = "") -> list[str]:
    if isinstance(live, dict) and isinstance(mock, dict):
        drift = [f"{where}{k}: live only" for k in live.keys() - mock.keys()]
        drift += [f"{where}{k}: mock only" for k in mock.keys() - live.keys()]
        for k in live.keys() & mock.keys():
            drift += shape_drift(live[k], mock[k], f"{where}{k}.")
        return drift
    return []


@pytest.mark.parametrize(("label", "path", "method", "parts"), SUBSET, ids=[s[0] for s in SUBSET])
def test_live_answer_conforms_and_matches_the_mock(
    label: str, path: str, method: str, parts: dict[str, Any], record_property: Any
) -> None:
    try:
        BUDGET.allow()
    except BudgetSpent as exc:
        pytest.skip(f"live budget: {exc}")
    headers = {"anthropic-version": target.ANTHROPIC_VERSION, "x-api-key": KEY}
    case = _schema(URL)[path][method].Case(headers=headers, **copy.deepcopy(parts))
    live = case.call()
    live_document = answer_document(live)
    usage = live_document.get("usage") if isinstance(live_document, dict) else None
    if usage:
        BUDGET.spend(str(live_document.get("model", MODEL)), usage)
    # In the JUnit report: what the subset has cost so far.
    record_property("live_requests", BUDGET.requests)
    record_property("live_spent_usd", round(BUDGET.spent_usd, 6))
    case.validate_response(live, checks=LIVE_CHECKS)

    mock_case = _schema(None)[path][method].Case(headers=headers, **copy.deepcopy(parts))
    mock = mock_case.call()
    assert mock.status_code == live.status_code, f"{label}: live {live.status_code}, mock {mock.status_code}"
    drift = shape_drift(shape(live_document), shape(answer_document(mock)))
    drift += [
        f"header {name}: live only"
        for name in API_HEADERS
        if name in live.headers and name not in mock.headers
    ]
    assert not drift, f"{label}: the mock's answer differs in shape from the live one: {drift}"
