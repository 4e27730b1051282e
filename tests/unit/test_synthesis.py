"""Pure pieces of synthesis: the token estimator, tool inputs that validate, cache accounting."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from mockclaude.protocol.cache import PromptCache
from mockclaude.protocol.tokens import input_tokens, split_pieces, text_tokens
from mockclaude.sources.synthesis.intent import choose_tools
from mockclaude.sources.synthesis.values import build_input

SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
    {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 10, "maximum": 20}},
        "required": ["n"],
    },
    {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "minItems": 2}
        },
    },
    {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date"},
            "ok": {"type": "boolean"},
            "x": {"type": ["number", "null"]},
        },
    },
    {
        "type": "object",
        "properties": {
            "nested": {
                "type": "object",
                "properties": {"id": {"type": "string", "minLength": 5, "maxLength": 8}},
                "required": ["id"],
            }
        },
        "required": ["nested"],
    },
    {
        "type": "object",
        "properties": {"choice": {"anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "string"}]}},
        "required": ["choice"],
    },
    {"type": "object"},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_tool_input_validates_against_schema(schema: dict[str, Any]) -> None:
    value = build_input(schema, "What's the weather in Paris, France for 3 days?")
    jsonschema.validate(value, schema)


def test_tool_choice_heuristic() -> None:
    weather = {
        "name": "get_weather",
        "description": "Get the current weather for a location",
        "input_schema": {},
    }
    calc = {"name": "calculator", "description": "Evaluate arithmetic", "input_schema": {}}
    assert choose_tools([weather, calc], None, "Will it rain in Oslo? What's the weather?") == [weather]
    assert choose_tools([weather, calc], None, "What is 12 * 7?") == [calc]
    assert choose_tools([weather, calc], None, "Write me a poem") == []
    assert choose_tools([weather, calc], {"type": "any"}, "Write me a poem") == [weather]
    assert choose_tools([weather, calc], {"type": "none"}, "What's the weather?") == []
    assert choose_tools([weather, calc], {"type": "tool", "name": "calculator"}, "weather") == [calc]


def test_token_estimator() -> None:
    assert text_tokens("Hello, world!") == 6  # Hell o , worl d !
    text = "Tokenization splits internationalization into pieces."
    assert "".join(split_pieces(text)) == text
    body = {"model": "m", "messages": [{"role": "user", "content": "Hello"}]}
    assert input_tokens(body) == 5 + 3 + text_tokens("Hello")


def test_cache_ttl_and_min_length() -> None:
    now = [0.0]
    cache = PromptCache(clock=lambda: now[0])
    big = {"type": "text", "text": "word " * 3000, "cache_control": {"type": "ephemeral"}}
    body = {"model": "m", "system": [big], "messages": [{"role": "user", "content": "Hi"}]}
    first = cache.usage(body, "m", min_tokens=1024)
    assert (
        first["cache_creation_input_tokens"] > 3000
        and first["cache_creation"]["ephemeral_5m_input_tokens"] > 3000
    )
    now[0] = 299.0
    assert cache.usage(body, "m", 1024)["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    now[0] = 299.0 + 301.0  # the read refreshed the 5-minute TTL; 301 s later it has expired
    assert cache.usage(body, "m", 1024)["cache_read_input_tokens"] == 0
    other = PromptCache(clock=lambda: 0.0)
    assert other.usage(body, "m", min_tokens=10_000)["cache_creation_input_tokens"] == 0


def test_price_of_usage() -> None:
    """Dollars from usage: cache writes at 1.25x (5m) and 2x (1h), reads at 0.1x unless priced, batch at half."""
    from mockclaude.protocol.catalog import Price

    haiku = Price(input=1.0, output=5.0)
    usage = {
        "input_tokens": 1_000_000,
        "output_tokens": 1_000_000,
        "cache_read_input_tokens": 1_000_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1_000_000, "ephemeral_1h_input_tokens": 1_000_000},
    }
    assert haiku.cost(usage) == pytest.approx(1 + 5 + 0.1 + 1.25 + 2)
    assert haiku.cost(usage, batch=True) == pytest.approx((1 + 5 + 0.1 + 1.25 + 2) / 2)
    assert Price(input=4.0, output=20.0, cache_read=0.2).cost(
        {"cache_read_input_tokens": 1_000_000}
    ) == pytest.approx(0.2)
