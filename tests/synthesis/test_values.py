"""Values from schemas, directly: deterministic, plausible, schema-true, and bounded for hostile schemas."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import orjson
import pytest

from mockclaude.sources.synthesis.values import build_input, instance

PERSON = {
    "type": "object",
    "properties": {
        "full_name": {"type": "string"},
        "age": {"type": "integer", "minimum": 18, "maximum": 99},
        "email": {"type": "string", "format": "email"},
        "signed_up": {"type": "string", "format": "date"},
        "city": {"type": "string"},
        "friends": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
    },
    "required": ["full_name", "age"],
}


def check(schema: dict[str, Any], value: Any) -> None:
    jsonschema.validate(value, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_the_same_request_gets_the_same_value_and_another_seed_another() -> None:
    a = instance(PERSON, "Add a user", b"seed-1")
    assert a == instance(PERSON, "Add a user", b"seed-1")
    assert any(instance(PERSON, "Add a user", s) != a for s in (b"seed-2", b"seed-3", b"seed-4"))
    check(PERSON, a)


def test_values_are_plausible() -> None:
    value = instance(PERSON, "Carol Nguyen, 41, moved to Lisbon", b"")
    check(PERSON, value)
    assert value["full_name"] == "Carol Nguyen" and value["age"] == 41 and value["city"] == "Lisbon"
    assert re.fullmatch(r"carol\.nguyen@example\.com", value["email"])
    assert re.fullmatch(r"2026-\d\d-\d\d", value["signed_up"])
    assert 1 < len(value["friends"]) <= 5


def test_a_tool_input_holds_the_required_properties() -> None:
    value = build_input(PERSON, "Add a user", b"")
    assert set(value) == {"full_name", "age"}


def test_the_pattern_from_the_issue() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "pattern": "^wf_[a-z0-9-]{6,}$"}}}
    for seed in (b"a", b"b", b"c"):
        value = build_input(schema, "resume the last run please", seed)
        assert re.fullmatch(r"wf_[a-z0-9-]{6,14}", value["id"]), value


@pytest.mark.parametrize(
    "schema",
    [
        {
            "$defs": {"n": {"type": "object", "properties": {"n": {"$ref": "#/$defs/n"}}, "required": ["n"]}},
            "$ref": "#/$defs/n",
        },
        {"type": "object", "properties": {"a": {"type": "array", "minItems": 10**12}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": "string", "minLength": 10**12}}, "required": ["a"]},
        {
            "type": "object",
            "properties": {"a": {"type": "string", "pattern": "(a{1000}){1000}"}},
            "required": ["a"],
        },
        {"type": "object", "minProperties": 10**9},
        {"type": "object", "properties": {"a": {"type": "integer", "minimum": 1e308, "multipleOf": 1e-308}}},
        {
            "type": "object",
            "properties": {"a": {"oneOf": [{"$ref": "#/properties/a"}, {"$ref": "#/properties/a"}]}},
        },
    ],
)
def test_a_hostile_schema_gets_a_bounded_value(schema: dict[str, Any]) -> None:
    value = build_input(schema, "hi", b"")
    assert isinstance(value, dict)
    assert len(orjson.dumps(value)) < 200_000
