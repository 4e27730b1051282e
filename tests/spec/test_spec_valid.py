"""The OpenAPI document is valid, follows the agreed conventions, and every example in it is correct.

* The document validates as OpenAPI 3.1 (openapi-spec-validator).
* Every `$ref` is internal and resolves; the agreed root schemas and operationIds exist.
* Every `example`/`examples` value (request bodies, responses, parameters, headers, schemas) validates against
  its own schema with JSON Schema Draft 2020-12, references resolved through a registry holding the whole
  document.
* Server-sent-event examples (`text/event-stream` string bodies) are parsed; each event's data validates
  against `MessageStreamEvent`, and the event sequence follows the streaming grammar (see `sse_grammar`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.spec.spec_tools import (
    MINIMAL_MESSAGE,
    component_schemas,
    escape_pointer_token,
    iter_operations,
    load_spec,
    make_registry,
    ref_to,
    resolve_pointer,
    unescape_pointer_token,
)
from tests.spec.sse_grammar import check_stream_text, decode_events, grammar_problems, parse_sse

ROOT_SCHEMAS = (
    "MessageCreateParams",
    "MessageCountTokensParams",
    "MessageBatchCreateParams",
    "MessageBatchRequest",
    "Message",
    "ContentBlock",
    "MessageTokensCount",
    "MessageBatch",
    "DeletedMessageBatch",
    "MessageBatchIndividualResponse",
    "MessageBatchResult",
    "ModelInfo",
    "ModelInfoPage",
    "MessageBatchPage",
    "ErrorResponse",
    "ErrorObject",
    "RawMessageStreamEvent",
    "RawContentBlockDelta",
    "PingEvent",
    "ErrorEvent",
    "MessageStreamEvent",
)

OPERATION_IDS = (
    "messages_create",
    "messages_count_tokens",
    "batches_create",
    "batches_list",
    "batches_retrieve",
    "batches_cancel",
    "batches_delete",
    "batches_results",
    "models_list",
    "models_retrieve",
)

SCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_SINGLE_KEYWORDS = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
)


@dataclass(frozen=True)
class ExampleCase:
    """One example value and the schema (a JSON pointer into the document) it must satisfy."""

    label: str
    schema_pointer: str
    value: Any
    media_type: str | None = None

    @property
    def is_event_stream(self) -> bool:
        return self.media_type is not None and self.media_type.startswith("text/event-stream")

    @property
    def is_jsonl(self) -> bool:
        return self.media_type is not None and any(
            t in self.media_type for t in ("jsonl", "ndjson", "json-seq")
        )


# --- collecting examples -------------------------------------------------------------------------------


def collect_examples(doc: dict[str, Any]) -> list[ExampleCase]:
    """Every example in the document, with the schema it belongs to."""
    cases: list[ExampleCase] = []
    for name, schema in component_schemas(doc).items():
        pointer = f"/components/schemas/{escape_pointer_token(name)}"
        _walk_schema(schema, pointer, cases)
    _walk_document(doc, doc, "", cases)
    return cases


def _walk_document(doc: dict[str, Any], node: Any, pointer: str, cases: list[ExampleCase]) -> None:
    """Find media type, parameter and header objects (anything with a `schema`) outside components.schemas."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk_document(doc, item, f"{pointer}/{i}", cases)
        return
    if not isinstance(node, dict) or pointer == "/components/schemas":
        return
    has_schema = isinstance(node.get("schema"), dict)
    if has_schema:
        _add_holder_examples(doc, node, pointer, cases)
        _walk_schema(node["schema"], f"{pointer}/schema", cases)
    for key, value in node.items():
        if key.startswith("x-") or (has_schema and key in ("schema", "example", "examples")):
            continue
        if pointer == "/components" and key == "examples":
            continue  # reusable Example Objects are checked where they are referenced
        _walk_document(doc, value, f"{pointer}/{escape_pointer_token(key)}", cases)


def _add_holder_examples(
    doc: dict[str, Any], holder: dict[str, Any], pointer: str, cases: list[ExampleCase]
) -> None:
    """`example` / `examples` of a media type, parameter or header object."""
    media_type = _media_type_of(pointer)
    label = describe_pointer(doc, pointer)
    if "example" in holder:
        cases.append(ExampleCase(f"{label} example", f"{pointer}/schema", holder["example"], media_type))
    for name, example in (holder.get("examples") or {}).items():
        if isinstance(example, dict) and "$ref" in example:
            example = resolve_pointer(doc, example["$ref"])
        if isinstance(example, dict) and "value" in example:
            cases.append(ExampleCase(f"{label} {name}", f"{pointer}/schema", example["value"], media_type))


def _media_type_of(pointer: str) -> str | None:
    parts = [unescape_pointer_token(p) for p in pointer.split("/")]
    if len(parts) >= 2 and parts[-2] == "content":
        return parts[-1]
    return None


def _walk_schema(schema: Any, pointer: str, cases: list[ExampleCase]) -> None:
    """`example` and `examples` (a list, in OpenAPI 3.1) of a schema and all its sub-schemas."""
    if not isinstance(schema, dict):
        return
    label = f"schema {pointer.removeprefix('/components/schemas/')}"
    if "example" in schema:
        cases.append(ExampleCase(f"{label} example", pointer, schema["example"]))
    examples = schema.get("examples")
    if isinstance(examples, list):
        for i, value in enumerate(examples):
            cases.append(ExampleCase(f"{label} examples[{i}]", pointer, value))
    elif examples is not None:
        cases.append(ExampleCase(f"{label} examples (must be a list)", pointer, _NOT_A_LIST))
    for key in SCHEMA_MAP_KEYWORDS:
        for name, sub in (schema.get(key) or {}).items():
            _walk_schema(sub, f"{pointer}/{key}/{escape_pointer_token(name)}", cases)
    for key in SCHEMA_LIST_KEYWORDS:
        for i, sub in enumerate(schema.get(key) or []):
            _walk_schema(sub, f"{pointer}/{key}/{i}", cases)
    for key in SCHEMA_SINGLE_KEYWORDS:
        if key in schema:
            _walk_schema(schema[key], f"{pointer}/{key}", cases)


_NOT_A_LIST = object()


def describe_pointer(doc: dict[str, Any], pointer: str) -> str:
    """Readable label: `/paths/~1v1~1messages/post/responses/200/content/...` -> `messages_create 200 ...`."""
    parts = [unescape_pointer_token(p) for p in pointer.lstrip("/").split("/")]
    if len(parts) >= 3 and parts[0] == "paths":
        operation = doc["paths"][parts[1]].get(parts[2], {})
        head = (
            operation.get("operationId", f"{parts[2].upper()} {parts[1]}")
            if isinstance(operation, dict)
            else parts[1]
        )
        rest = parts[3:]
        if rest[:1] == ["parameters"] and len(rest) > 1 and rest[1].isdigit():
            param = operation["parameters"][int(rest[1])]
            rest = ["param", str(param.get("name", rest[1])), *rest[2:]]
    else:
        head, rest = parts[0], parts[1:]
    noise = {"content", "responses", "schema"}
    return " ".join([head, *(p for p in rest if p not in noise)])


# --- validation helpers --------------------------------------------------------------------------------


def schema_errors(doc: dict[str, Any], pointer: str, value: Any) -> list[str]:
    """Draft 2020-12 errors of `value` against the schema at `pointer` (refs resolved in the whole document)."""
    validator = Draft202012Validator(
        ref_to(pointer), registry=make_registry(doc), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    ]


def is_string_schema(doc: dict[str, Any], pointer: str) -> bool:
    schema = resolve_pointer(doc, pointer)
    while isinstance(schema, dict) and "$ref" in schema:
        schema = resolve_pointer(doc, schema["$ref"])
    return isinstance(schema, dict) and schema.get("type") == "string"


def jsonl_item_pointer(schema_pointer: str) -> str:
    """Schema of one JSONL line: the media schema's `x-jsonl-item-schema` if given, the media schema itself if it
    is not a plain string, else `MessageBatchIndividualResponse` (batch results are the API's only JSONL body)."""
    media_schema = resolve_pointer(DOC, schema_pointer)
    if isinstance(media_schema, dict) and "x-jsonl-item-schema" in media_schema:
        return f"{schema_pointer}/x-jsonl-item-schema"
    if not is_string_schema(DOC, schema_pointer):
        return schema_pointer
    return "/components/schemas/MessageBatchIndividualResponse"


def jsonl_problems(item_pointer: str, text: str) -> list[str]:
    """Each line parses as JSON and matches the item schema; no blank line in the middle (the SDK's decoder
    fails on one), a single trailing newline is fine."""
    problems = []
    lines = text.removesuffix("\n").split("\n")
    for n, line in enumerate(lines):
        if not line.strip():
            problems.append(f"line {n}: blank line (the SDK's JSONL decoder fails on it)")
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not JSON: {exc}")
            continue
        problems += [f"line {n}: {e}" for e in schema_errors(DOC, item_pointer, value)]
    return problems


def sse_example_problems(doc: dict[str, Any], text: str) -> list[str]:
    """Problems of an SSE example: per-event schema errors against MessageStreamEvent plus grammar."""
    events, problems = decode_events(parse_sse(text))
    if not events and not problems:
        problems.append("no events in the example")
    for n, event in enumerate(events):
        problems += [
            f"event #{n} ({event.name}): {e}"
            for e in schema_errors(doc, "/components/schemas/MessageStreamEvent", event.data)
        ]
    return problems + grammar_problems(events)


# --- tests ---------------------------------------------------------------------------------------------

DOC = load_spec()
EXAMPLES = collect_examples(DOC)


def test_openapi_document_validates() -> None:
    """openapi-spec-validator accepts the document as OpenAPI 3.1; all errors are listed."""
    assert str(DOC.get("openapi", "")).startswith("3.1"), (
        f"openapi version is {DOC.get('openapi')!r}, want 3.1.x"
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in OpenAPIV31SpecValidator(DOC).iter_errors()
    ]
    assert not errors, "\n".join(errors)


def _iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield pointer, value
            else:
                yield from _iter_refs(value, f"{pointer}/{escape_pointer_token(str(key))}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _iter_refs(item, f"{pointer}/{i}")


def test_all_refs_are_internal_and_resolve() -> None:
    bad = []
    for pointer, ref in _iter_refs(DOC):
        if not isinstance(ref, str) or not ref.startswith("#/"):
            bad.append(f"{pointer}: external or malformed $ref {ref!r}")
            continue
        try:
            resolve_pointer(DOC, ref)
        except (KeyError, IndexError, ValueError):
            bad.append(f"{pointer}: $ref {ref} does not resolve")
    assert not bad, "\n".join(bad)


def test_root_schemas_and_operations_exist() -> None:
    """The agreed schema names and operationIds are present (other tests and the mock rely on them)."""
    schemas = component_schemas(DOC)
    missing = [f"components.schemas.{name}" for name in ROOT_SCHEMAS if name not in schemas]
    operation_ids = {op.get("operationId") for _, _, op in iter_operations(DOC)}
    missing += [f"operationId {op}" for op in OPERATION_IDS if op not in operation_ids]
    assert not missing, "missing: " + ", ".join(missing)


def test_spec_has_examples_to_check() -> None:
    """Guard against a vacuous example check: JSON and SSE examples exist."""
    assert any(case.is_event_stream for case in EXAMPLES), "no text/event-stream example in the spec"
    assert any(case.media_type == "application/json" for case in EXAMPLES), (
        "no application/json example in the spec"
    )


@pytest.mark.parametrize("case", [c for c in EXAMPLES if not c.is_event_stream], ids=lambda c: c.label)
def test_example_matches_its_schema(case: ExampleCase) -> None:
    assert case.value is not _NOT_A_LIST, "a schema's `examples` must be a list in OpenAPI 3.1"
    problems = schema_errors(DOC, case.schema_pointer, case.value)
    if case.is_jsonl and isinstance(case.value, str):
        problems += jsonl_problems(jsonl_item_pointer(case.schema_pointer), case.value)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", [c for c in EXAMPLES if c.is_event_stream], ids=lambda c: c.label)
def test_event_stream_example(case: ExampleCase) -> None:
    """SSE example: every event's data is a MessageStreamEvent, names match types, the grammar holds."""
    assert isinstance(case.value, str), "an event-stream example must be the raw SSE text"
    problems = sse_example_problems(DOC, case.value)
    assert not problems, "\n".join(problems)


# --- the checks above can fail -------------------------------------------------------------------------

GOOD_STREAM = """event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}

event: message_stop
data: {"type":"message_stop"}

"""


def test_sse_checks_accept_a_good_stream_and_reject_broken_ones() -> None:
    """The SSE example check passes a correct stream and catches schema, naming and ordering errors."""
    assert sse_example_problems(DOC, GOOD_STREAM) == []
    check_stream_text(GOOD_STREAM.replace("\n", "\r\n"))  # CRLF framing is fine too

    renamed = GOOD_STREAM.replace("event: content_block_stop", "event: content_block_end")
    assert any("differs from data type" in p for p in sse_example_problems(DOC, renamed))

    no_stop = GOOD_STREAM.split("event: message_stop")[0]
    assert any("does not end with message_stop" in p for p in sse_example_problems(DOC, no_stop))

    bad_usage = GOOD_STREAM.replace('"usage":{"output_tokens":2}', '"usage":{"output_tokens":"two"}')
    assert any("event #5 (message_delta)" in p for p in sse_example_problems(DOC, bad_usage))

    stop_first = GOOD_STREAM.replace(
        '"type":"content_block_delta","index":0', '"type":"content_block_delta","index":1'
    )
    assert any("is not the open block" in p for p in sse_example_problems(DOC, stop_first))


def test_example_check_rejects_a_wrong_example() -> None:
    """A Message example without `usage` (required by the SDK) fails the schema check."""
    message = {**MINIMAL_MESSAGE, "stop_details": None, "container": None}
    assert schema_errors(DOC, "/components/schemas/Message", message) == []
    del message["usage"]
    assert schema_errors(DOC, "/components/schemas/Message", message) != []


def test_jsonl_check_rejects_bad_lines() -> None:
    """The JSONL example check catches a blank middle line and a line that is not a batch result."""
    item = "/components/schemas/MessageBatchIndividualResponse"
    good = '{"custom_id":"a","result":{"type":"canceled"}}\n{"custom_id":"b","result":{"type":"expired"}}\n'
    assert jsonl_problems(item, good) == []
    problems = jsonl_problems(item, good.replace("\n", "\n\n", 1) + '{"custom_id":"c"}\n')
    assert any("blank line" in p for p in problems)
    assert any(p.startswith("line 3:") for p in problems), problems
