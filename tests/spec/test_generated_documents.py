"""Documents generated from the spec's response and event schemas parse under the SDK's strict validation.

For each response/event schema, hypothesis-jsonschema generates documents from the schema (with `$ref`s
inlined), and each document is validated exactly the way `Anthropic(_strict_response_validation=True)` does
it: `anthropic._models.validate_type(type_=<SDK type>, value=<parsed JSON>)` (see `_base_client.py`
`_process_response_data`; streams call the same function per event with `RawMessageStreamEvent`).

So anything the spec allows a server (e.g. the mock) to send, the SDK accepts.

`SPEC_FUZZ_EXAMPLES` (default 150: about 50 s of CPU for this file on the 2-core dev machine) sets the number of documents per schema.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic.types as sdk
import pydantic
import pytest
from anthropic._models import validate_type
from anthropic.pagination import SyncPage
from anthropic.types.messages import DeletedMessageBatch, MessageBatch, MessageBatchIndividualResponse
from anthropic.types.shared import ErrorResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests.spec import hypothesis_compat
from tests.spec.drift_engine import compare_root, read_differences, split_allowed
from tests.spec.drift_roots import ROOTS
from tests.spec.spec_tools import (
    MINIMAL_MESSAGE,
    component_schemas,
    inline_schema,
    load_spec,
    schema_name_of_ref,
)

hypothesis_compat.install()  # hypothesis-jsonschema 0.23.1 vs the installed Hypothesis, see that module

MAX_EXAMPLES = int(os.environ.get("SPEC_FUZZ_EXAMPLES", "150"))

# Generation-speed caps, added to the inlined copy only where the spec sets no bound of its own. They make
# documents smaller, never different in kind: every capped document is still valid against the spec.
STRING_CAP = 12
ARRAY_CAP = 2

DOC = load_spec()


# --- schema preparation --------------------------------------------------------------------------------


@functools.cache
def sdk_unknown_variants() -> frozenset[str]:
    """Spec union variants the SDK has no type for, deliberately: the drift test reports them as "spec variant
    ... unknown to the SDK" and `x-sdk-differences` allows them (e.g. extra ErrorObject variants such as
    `conflict_error`). The SDK cannot parse those by design, so generation for the SDK leaves them out of union
    branches; the drift test keeps them honest instead."""
    mismatches = [m for root in ROOTS for m in compare_root(DOC, root).mismatches if m.also_where]
    _bad, allowed = split_allowed(mismatches, read_differences(DOC))
    return frozenset(m.also_where[0] for m in allowed)


def drop_union_branches(schema: Any, excluded: frozenset[str]) -> Any:
    """Copy of a raw (not yet inlined) schema tree without `oneOf`/`anyOf` branches that `$ref` an excluded schema."""
    if isinstance(schema, list):
        return [drop_union_branches(item, excluded) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("oneOf", "anyOf") and isinstance(value, list):
            kept = [
                b
                for b in value
                if not (isinstance(b, dict) and schema_name_of_ref(b.get("$ref", "")) in excluded)
            ]
            out[key] = drop_union_branches(kept, excluded)
        elif key in ("enum", "const", "example", "examples", "default"):
            out[key] = value
        else:
            out[key] = drop_union_branches(value, excluded)
    return out


def add_size_caps(schema: Any) -> Any:
    """Add `maxLength`/`maxItems` where the schema has none (generation speed only, see STRING_CAP)."""
    if isinstance(schema, list):
        return [add_size_caps(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        k: (v if k in ("enum", "const", "required") else add_size_caps(v))
        for k, v in schema.items()
        if k != "properties"
    }
    if "properties" in schema:
        out["properties"] = {name: add_size_caps(sub) for name, sub in schema["properties"].items()}
    declared = schema.get("type")
    types: list[Any] = declared if isinstance(declared, list) else [declared]
    unconstrained = not any(k in schema for k in ("enum", "const", "pattern", "format"))
    if "string" in types and "maxLength" not in schema and unconstrained:
        out["maxLength"] = max(STRING_CAP, schema.get("minLength", 0))
    if "array" in types and "maxItems" not in schema:
        out["maxItems"] = max(ARRAY_CAP, schema.get("minItems", 0))
    return out


@functools.cache
def generation_schema(name: str) -> Any:
    """The component schema `name` of the spec, prepared for generation (see `build_generation_schema`)."""
    return build_generation_schema(DOC, name, sdk_unknown_variants())


def build_generation_schema(doc: Any, name: str, excluded: frozenset[str]) -> Any:
    """Component schema `name` of `doc`: `excluded` union branches dropped, refs inlined, sizes capped."""
    pruned = drop_union_branches(doc, excluded)
    return add_size_caps(inline_schema(pruned, {"$ref": f"#/components/schemas/{name}"}))


def union_members(name: str) -> list[str]:
    """Names of the `$ref` members of a union schema (oneOf/anyOf), e.g. every ContentBlock variant."""
    schema = component_schemas(DOC)[name]
    branches = schema.get("oneOf") or schema.get("anyOf") or []
    members = [schema_name_of_ref(b.get("$ref", "")) for b in branches]
    assert members and all(members), f"{name} must be a union of $refs to named schemas"
    return [m for m in members if m is not None]


# --- what the SDK does with a document -----------------------------------------------------------------


def sdk_validator(type_: Any) -> Callable[[Any], None]:
    """The SDK's strict response validation for `type_` (raises pydantic.ValidationError on rejection)."""

    def check(document: Any) -> None:
        validate_type(type_=type_, value=document)

    return check


def check_ping(document: Any) -> None:
    """The SDK skips `event: ping` before parsing; the data must just be the ping object."""
    assert isinstance(document, dict) and document.get("type") == "ping", document


@dataclass(frozen=True)
class Target:
    schema: str  # components/schemas name
    check: Callable[[Any], None]


def targets() -> list[Target]:
    content_block = sdk_validator(sdk.ContentBlock)
    stream_event = sdk_validator(sdk.RawMessageStreamEvent)
    delta = sdk_validator(sdk.RawContentBlockDelta)
    out = [Target("Message", sdk_validator(sdk.Message))]
    out += [Target(member, content_block) for member in union_members("ContentBlock")]
    for member in union_members("MessageStreamEvent"):
        if member == "PingEvent":
            out.append(Target(member, check_ping))
        elif member == "ErrorEvent":
            out.append(Target(member, sdk_validator(ErrorResponse)))  # same envelope as HTTP errors
        else:
            out.append(Target(member, stream_event))
    out += [Target(member, delta) for member in union_members("RawContentBlockDelta")]
    out += [
        Target("MessageBatch", sdk_validator(MessageBatch)),
        Target("MessageBatchIndividualResponse", sdk_validator(MessageBatchIndividualResponse)),
        Target("ModelInfo", sdk_validator(sdk.ModelInfo)),
        Target("ModelInfoPage", sdk_validator(SyncPage[sdk.ModelInfo])),
        Target("MessageBatchPage", sdk_validator(SyncPage[MessageBatch])),
        Target("MessageTokensCount", sdk_validator(sdk.MessageTokensCount)),
        Target("DeletedMessageBatch", sdk_validator(DeletedMessageBatch)),
        Target("ErrorResponse", sdk_validator(ErrorResponse)),
    ]
    return out


# --- tests ---------------------------------------------------------------------------------------------


def fuzz(strategy: st.SearchStrategy[Any], check: Callable[[Any], None]) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(strategy)
    def run(document: Any) -> None:
        check(document)

    run()


@pytest.mark.parametrize("target", targets(), ids=lambda t: t.schema)
def test_generated_documents_parse_in_sdk(target: Target) -> None:
    """Documents generated from the spec schema pass the SDK's strict validation."""
    fuzz(from_schema(generation_schema(target.schema)), target.check)


def test_generation_covers_every_variant() -> None:
    """The targets include every member of the three unions, so no variant escapes the check."""
    names = {t.schema for t in targets()}
    for union in ("ContentBlock", "MessageStreamEvent", "RawContentBlockDelta"):
        assert set(union_members(union)) <= names


VALID_MESSAGE = MINIMAL_MESSAGE


def test_sdk_validation_rejects_a_document_missing_a_required_field() -> None:
    """The check can fail: the SDK's strict validation rejects a Message without `usage`."""
    check = sdk_validator(sdk.Message)
    check(VALID_MESSAGE)
    broken = {k: v for k, v in VALID_MESSAGE.items() if k != "usage"}
    with pytest.raises(pydantic.ValidationError, match="usage"):
        check(broken)


def test_fuzz_harness_reports_sdk_rejections() -> None:
    """The harness itself can fail: a strategy producing an SDK-invalid document makes `fuzz` raise."""
    broken = {k: v for k, v in VALID_MESSAGE.items() if k != "usage"}
    with pytest.raises(pydantic.ValidationError):
        fuzz(st.just(broken), sdk_validator(sdk.Message))


def test_fuzzing_catches_a_spec_that_allows_what_the_sdk_rejects() -> None:
    """The whole pipeline can fail: with `input_tokens` made optional in a copy of the spec, generated
    MessageTokensCount documents include `{}`, which the SDK rejects."""
    doc = load_spec()
    doc["components"]["schemas"]["MessageTokensCount"]["required"].remove("input_tokens")
    schema = build_generation_schema(doc, "MessageTokensCount", frozenset())
    with pytest.raises(pydantic.ValidationError, match="input_tokens"):
        fuzz(from_schema(schema), sdk_validator(sdk.MessageTokensCount))
