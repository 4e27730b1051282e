"""One step outside every limit of the request bodies' top-level fields must be refused with a 400, and so
must a body that is not JSON at all (which generated, schema-shaped data never is).

Schemathesis' coverage phase sends these (and far more: ~16,000 cases per body operation, ~10 minutes over
HTTP), so the profiles run it in positive mode only for the three body operations; this test keeps its most
telling negative cases, generated from the spec the same way: below `minimum`, above `maximum`, outside
`enum`, under `minItems`, a value of the wrong type, and an unknown field (bodies are closed objects).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.contract import profiles, reporting, target
from tests.contract.checks import CUSTOM_CHECKS
from tests.contract.spec_adapter import raw_document

PROFILE = profiles.current()
schema = target.load_schema(PROFILE)
reporting.attach(schema, PROFILE.name)
HEADERS = {"anthropic-version": target.ANTHROPIC_VERSION, "x-api-key": target.api_key()}
WRONG_TYPE = {
    "string": 12345,
    "integer": "text",
    "number": "text",
    "boolean": "yes",
    "array": "text",
    "object": "text",
}
BODY_OPERATIONS = {
    "/v1/messages": "MessageCreateParams",
    "/v1/messages/count_tokens": "MessageCountTokensParams",
}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` and take the non-null branch of a nullable `anyOf`."""
    schemas = raw_document()["components"]["schemas"]
    while True:
        if "$ref" in node:
            node = schemas[node["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in node and len(node["anyOf"]) == 2 and {"type": "null"} in node["anyOf"]:
            node = next(branch for branch in node["anyOf"] if branch != {"type": "null"})
        else:
            return node


def outside_values(field: dict[str, Any]) -> list[tuple[str, Any]]:
    """(what, value) pairs that break the field's schema."""
    field = _resolve(field)
    values: list[tuple[str, Any]] = []
    step = 1 if field.get("type") == "integer" else 0.5
    if "minimum" in field:
        values.append(("below minimum", field["minimum"] - step))
    if "maximum" in field:
        values.append(("above maximum", field["maximum"] + step))
    if "enum" in field:
        values.append(("outside enum", "not-a-choice"))
    if field.get("minItems", 0) >= 1:
        values.append(("under minItems", []))
    kind = field.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind in WRONG_TYPE:
        values.append(("wrong type", WRONG_TYPE[kind]))
    return values


def cases() -> list[Any]:
    found = []
    for path, name in BODY_OPERATIONS.items():
        for field, definition in raw_document()["components"]["schemas"][name]["properties"].items():
            for what, value in outside_values(definition):
                found.append(pytest.param(path, {field: value}, id=f"{path} {field} {what}"))
        found.append(pytest.param(path, {"unknown_field": 1}, id=f"{path} unknown field"))
    return found


def example(path: str) -> dict[str, Any]:
    media = raw_document()["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return copy.deepcopy(media["examples"]["basic"]["value"])


@pytest.mark.parametrize(("path", "change"), cases())
def test_value_outside_the_schema_is_refused(path: str, change: dict[str, Any]) -> None:
    case = schema[path]["POST"].Case(headers=dict(HEADERS), body={**example(path), **change})
    response = case.call()
    case.validate_response(response, additional_checks=CUSTOM_CHECKS)
    assert response.status_code == 400, f"{change} was answered {response.status_code}: {response.text[:300]}"
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("path", BODY_OPERATIONS)
def test_the_unchanged_example_is_accepted(path: str) -> None:
    """The baseline: without the change the same request succeeds, so the 400s above are about the change."""
    case = schema[path]["POST"].Case(headers=dict(HEADERS), body=example(path))
    response = case.call()
    case.validate_response(response, additional_checks=CUSTOM_CHECKS)
    assert response.status_code == 200, response.text[:300]


MALFORMED = {"truncated": '{"model": "claude-haiku-4-5", "max_tokens": ', "empty": "", "not JSON": "hello"}
POSTS_WITH_BODY = [*BODY_OPERATIONS, "/v1/messages/batches"]


@pytest.mark.parametrize("path", POSTS_WITH_BODY)
@pytest.mark.parametrize("what", MALFORMED)
def test_malformed_body_is_refused(path: str, what: str) -> None:
    headers = {**HEADERS, "content-type": "application/json"}
    # media_type text/plain: schemathesis sends the string as it is (the header still says JSON).
    case = schema[path]["POST"].Case(headers=headers, body=MALFORMED[what], media_type="text/plain")
    response = case.call()
    case.validate_response(response, additional_checks=CUSTOM_CHECKS)
    assert response.status_code == 400, f"{what} body answered {response.status_code}: {response.text[:300]}"
    assert response.json()["error"]["type"] == "invalid_request_error"
