"""Nesting at any depth: the token counter walks it with a loop (no RecursionError), and the contract
refuses a body nested past MAX_DEPTH with a 400 before any recursive walk."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mockclaude.errors import ApiError
from mockclaude.protocol.contract import MAX_DEPTH, Contract
from mockclaude.protocol.tokens import block_tokens, text_tokens, tool_tokens

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "anthropic.yaml"


def schema(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        value = {"type": "object", "properties": {"x": value}}
    return value


def with_room(work: Any) -> Any:
    """``work()`` with the recursion limit raised, to get what json.dumps says at that depth."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        return work()
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize("depth", [10, 600, 5_000])
def test_tool_tokens_count_any_depth_as_the_json_text(depth: int) -> None:
    tool = {"name": "t", "description": "d", "input_schema": schema(depth)}
    expected = (
        10
        + 1
        + 1
        + text_tokens(with_room(lambda: json.dumps({"input_schema": tool["input_schema"]}, sort_keys=True)))
    )
    assert tool_tokens(tool) == expected
    block = {"type": "tool_use", "id": "toolu_1", "name": "t", "input": schema(depth)}
    assert block_tokens(block) == 4 + 1 + text_tokens(
        with_room(lambda: json.dumps(block["input"], sort_keys=True))
    )


def test_the_contract_refuses_deep_bodies_before_walking_them() -> None:
    validator = Contract(SPEC).validators["MessageCreateParams"]
    tool = {"name": "t", "input_schema": schema(MAX_DEPTH)}
    body = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}], "tools": [tool]}
    with pytest.raises(ApiError) as info:
        validator.error(body)
    assert info.value.status == 400 and "more than 64 deep" in info.value.message
    tool["input_schema"] = schema(MAX_DEPTH // 2 - 4)
    assert validator.error(body) is None
