"""Structured outputs and schema-true tool inputs against a live mock, through the clients people use:
the Python SDK's ``messages.parse``/``stream``, LangChain's ``with_structured_output(method="json_schema")``
and the TypeScript SDK's ``jsonSchemaOutputFormat``; plus the API's refusals of unsupported schemas."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any, Literal

import anthropic
import jsonschema
import pytest
from pydantic import BaseModel

from tests.support.node import run_script
from tests.support.server import Server, raw_post

MODEL = "claude-haiku-4-5"
PROMPT = "Extract the person: Alice is 30 years old, lives in Paris and likes chess."


class Address(BaseModel):
    city: str
    country: str


class Person(BaseModel):
    name: str
    age: int
    email: str
    birthday: datetime.date
    status: Literal["active", "inactive"]
    hobbies: list[str]
    address: Address
    nickname: str | None


def ask(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": PROMPT}], **extra}


def test_python_sdk_parse_returns_the_declared_type(client: anthropic.Anthropic) -> None:
    message = client.messages.parse(**ask(), output_format=Person)
    person = message.parsed_output
    assert isinstance(person, Person)
    assert person.name == "Alice" and person.age == 30  # taken from the user's words
    assert re.fullmatch(r"[a-z.]+@example\.com", person.email)
    assert person.address.city == "Paris"
    assert len(person.hobbies) == 2
    assert message.stop_reason == "end_turn"
    again = client.messages.parse(**ask(), output_format=Person)
    assert again.content[0].text == message.content[0].text  # type: ignore[union-attr]  # deterministic


def test_python_sdk_stream_sends_the_json_as_text_deltas(client: anthropic.Anthropic) -> None:
    with client.messages.stream(**ask(), output_format=Person) as stream:
        deltas = [event.delta.text for event in stream if event.type == "content_block_delta"]  # type: ignore[union-attr]
        final = stream.get_final_message()
    assert len(deltas) > 1
    assert isinstance(final.parsed_output, Person)
    assert "".join(deltas) == final.content[0].text  # type: ignore[union-attr]
    assert final.parsed_output == client.messages.parse(**ask(), output_format=Person).parsed_output


def test_output_config_format_with_a_plain_schema(client: anthropic.Anthropic) -> None:
    schema = {
        "type": "object",
        "properties": {
            "invoice_id": {"type": "string", "pattern": "^INV-[0-9]{4}$"},
            "issued": {"type": "string", "format": "date-time"},
            "id": {"type": "string", "format": "uuid"},
            "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/line"}},
            "kind": {"const": "invoice"},
            "total": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        },
        "required": ["invoice_id", "issued", "id", "lines", "kind", "total"],
        "additionalProperties": False,
        "$defs": {
            "line": {
                "type": "object",
                "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
                "required": ["sku", "quantity"],
                "additionalProperties": False,
            }
        },
    }
    message = client.messages.create(
        **ask(output_config={"format": {"type": "json_schema", "schema": schema}})
    )
    value = json.loads(message.content[0].text)  # type: ignore[union-attr]
    jsonschema.validate(value, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert value["kind"] == "invoice"


def test_beta_output_format_is_answered_with_json(mock_server: Server) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}, "reason": {"type": "string"}},
        "required": ["answer", "reason"],
        "additionalProperties": False,
    }
    beta = anthropic.Anthropic(base_url=mock_server.base_url, api_key="sk-ant-test", max_retries=0)
    message = beta.beta.messages.create(  # SDK 2.16 sends output_config.format; the beta field by hand
        **ask(),
        betas=["structured-outputs-2025-11-13"],
        extra_body={"output_format": {"type": "json_schema", "schema": schema}},
    )
    jsonschema.validate(json.loads(message.content[0].text), schema)  # type: ignore[union-attr]


def test_langchain_with_structured_output(mock_server: Server) -> None:
    from langchain_anthropic import ChatAnthropic

    chat = ChatAnthropic(  # type: ignore[call-arg]
        model=MODEL, base_url=mock_server.base_url, api_key="sk-ant-test", max_retries=0
    )
    structured = chat.with_structured_output(Person, method="json_schema")
    person = structured.invoke(PROMPT)
    assert isinstance(person, Person) and person.name == "Alice"
    chunks = list(structured.stream(PROMPT))
    assert chunks and chunks[-1] == person


def test_typescript_sdk_parse_and_stream(mock_server: Server) -> None:
    result = run_script(Path(__file__).with_name("ts_structured_output.cjs"), mock_server.base_url)
    jsonschema.validate(result["parsed"], result["sentSchema"])
    assert result["parsed"] == json.loads(result["text"]) == result["streamed"]
    assert result["parsed"]["name"] == "Alice" and result["parsed"]["age"] == 30
    assert result["deltas"] > 1


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {
                "type": "object",
                "properties": {"n": {"type": "integer", "minimum": 1}},
                "additionalProperties": False,
            },
            "output_config.format.schema: For 'integer' type, property 'minimum' is not supported",
        ),
        (
            {"type": "object", "properties": {"n": {"type": "string"}}},
            "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
        ),
        (
            {"type": "object", "properties": {}, "additionalProperties": True},
            "output_config.format.schema: For 'object' type, 'additionalProperties: true' is not supported. "
            "Please set 'additionalProperties' to false",
        ),
        (
            {
                "type": "object",
                "properties": {"s": {"type": "string", "minLength": 1, "maxLength": 5}},
                "additionalProperties": False,
            },
            "output_config.format.schema: For 'string' type, properties maxLength, minLength are not supported",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "array", "items": {"type": "string"}, "minItems": 3}},
                "additionalProperties": False,
            },
            "output_config.format.schema: For 'array' type, 'minItems' values other than 0 or 1 are not supported",
        ),
    ],
)
def test_unsupported_schemas_are_refused_like_the_api(
    mock_server: Server, schema: dict[str, Any], message: str
) -> None:
    response = raw_post(
        mock_server, "/v1/messages", ask(output_config={"format": {"type": "json_schema", "schema": schema}})
    )
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": message}


def test_strict_tool_with_bounds_is_refused(mock_server: Server) -> None:
    tool = {
        "name": "set_volume",
        "strict": True,
        "input_schema": {
            "type": "object",
            "properties": {"level": {"type": "integer", "minimum": 0, "maximum": 10}},
            "additionalProperties": False,
        },
    }
    response = raw_post(mock_server, "/v1/messages", ask(tools=[tool]))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "tools.0.custom: For 'integer' type, properties maximum, minimum are not supported"
    )
    tool["strict"] = False  # the same schema without strict: bounds are fine, and honoured
    forced = raw_post(
        mock_server, "/v1/messages", ask(tools=[tool], tool_choice={"type": "tool", "name": "set_volume"})
    )
    call = forced.json()["content"][0]
    jsonschema.validate(call["input"], tool["input_schema"])  # type: ignore[arg-type]


def test_tool_input_honours_pattern_format_and_enum(client: anthropic.Anthropic) -> None:
    schema = {
        "type": "object",
        "properties": {
            "run_id": {"type": "string", "pattern": "^wf_[a-z0-9-]{6,}$"},
            "when": {"type": "string", "format": "date"},
            "mode": {"enum": ["fast", "safe"]},
            "retries": {"type": "integer", "minimum": 1, "maximum": 5, "multipleOf": 2},
            "labels": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True},
        },
        "required": ["run_id", "when", "mode", "retries", "labels"],
    }
    message = client.messages.create(
        **{**ask(), "messages": [{"role": "user", "content": "resume the last run please"}]},
        tools=[{"name": "resume_workflow", "strict": False, "input_schema": schema}],  # type: ignore[typeddict-item]
        tool_choice={"type": "tool", "name": "resume_workflow"},
    )
    call = message.content[0]
    assert call.type == "tool_use"
    jsonschema.validate(call.input, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert re.fullmatch(r"wf_[a-z0-9-]{6,}", call.input["run_id"])  # type: ignore[index]


def test_strict_tool_input_follows_its_schema(client: anthropic.Anthropic) -> None:
    schema = {
        "type": "object",
        "properties": {
            "attendee": {"$ref": "#/$defs/person"},
            "start": {"type": "string", "format": "date-time"},
            "room": {"anyOf": [{"type": "string", "enum": ["A1", "B2"]}, {"type": "null"}]},
        },
        "required": ["attendee", "start", "room"],
        "additionalProperties": False,
        "$defs": {
            "person": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
                "required": ["name", "email"],
                "additionalProperties": False,
            }
        },
    }
    message = client.messages.create(
        **{**ask(), "messages": [{"role": "user", "content": "Book a meeting with Bob Martinez"}]},
        tools=[{"name": "book_meeting", "strict": True, "input_schema": schema}],  # type: ignore[typeddict-item]
        tool_choice={"type": "any"},
    )
    call = message.content[0]
    assert call.type == "tool_use" and message.stop_reason == "tool_use"
    jsonschema.validate(call.input, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert call.input["attendee"]["name"] == "Bob Martinez"  # type: ignore[index]


def test_beta_output_format_refusals_name_the_beta_field(mock_server: Server) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "number", "maximum": 3}},
        "additionalProperties": False,
    }
    response = raw_post(
        mock_server,
        "/v1/messages?beta=true",
        ask(output_format={"type": "json_schema", "schema": schema}),
        {"anthropic-beta": "structured-outputs-2025-11-13"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "output_format.schema: For 'number' type, property 'maximum' is not supported"
    )
