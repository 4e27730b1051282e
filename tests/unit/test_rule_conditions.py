"""Rule conditions say why they did not hold: each condition kind's reason, the first failure named, and
``explain_rules`` listing the rules tried in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockclaude.sources.rules import Rule, explain_rules, parse_rules
from mockclaude.store.matchers import MatchResult

NAMES = {"claude-sonnet-4-5", "claude-sonnet-4-5-20250929"}
TOOL = {"name": "get_weather", "input_schema": {"type": "object"}}


def rule(when: str) -> Rule:
    (parsed,) = parse_rules(
        Path("t.yaml"), f"rules:\n  - name: r\n    when: {when}\n    answer: {{text: hi}}\n"
    )
    return parsed


def body(text: str = "Where is my order?", **extra: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": text}], **extra}


TOOL_RESULT_TURNS = [
    {"role": "user", "content": "Weather?"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "w", "input": {}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]},
]


@pytest.mark.parametrize(
    ("when", "request_body", "headers", "reason"),
    [
        (
            "{model: claude-haiku-4-5}",
            body(),
            {},
            "when.model: claude-sonnet-4-5 not in [claude-haiku-4-5]",
        ),
        (
            "{model: [claude-haiku-4-5, claude-opus-4-1]}",
            body(),
            {},
            "when.model: claude-sonnet-4-5 not in [claude-haiku-4-5, claude-opus-4-1]",
        ),
        ("{tools: [get_weather, get_time]}", body(tools=[TOOL]), {}, "when.tools: get_time not offered"),
        ("{tools: [get_weather]}", body(), {}, "when.tools: get_weather not offered"),
        ("{has_tool_result: true}", body(), {}, "when.has_tool_result: false, wanted true"),
        (
            "{has_tool_result: false}",
            {"model": "claude-sonnet-4-5", "messages": TOOL_RESULT_TURNS},
            {},
            "when.has_tool_result: true, wanted false",
        ),
        ("{last_user: {contains: refund}}", body(), {}, "when.last_user contains 'refund': no"),
        ("{last_user: {equals: Hi}}", body(), {}, "when.last_user equals 'Hi': no"),
        ("{last_user: {matches: '^\\d+$'}}", body(), {}, "when.last_user matches '^\\\\d+$': no"),
        (
            "{json: {metadata.user_id: alice}}",
            body(metadata={"user_id": "bob"}),
            {},
            "when.json.metadata.user_id: 'bob', wanted 'alice'",
        ),
        (
            "{json: {metadata.user_id: alice}}",
            body(),
            {},
            "when.json.metadata.user_id: missing, wanted 'alice'",
        ),
        ("{headers: {X-Tenant: acme}}", body(), {}, "when.headers.x-tenant: missing"),
        (
            "{headers: {x-tenant: acme}}",
            body(),
            {"x-tenant": "sk-secret-other"},
            "when.headers.x-tenant: differs",
        ),
    ],
)
def test_each_condition_names_why_it_failed(
    when: str, request_body: dict[str, Any], headers: dict[str, str], reason: str
) -> None:
    result = rule(when).match(request_body, headers, NAMES)
    assert result == MatchResult(False, reason)
    assert not result and not rule(when).matches(request_body, headers, NAMES)
    assert "sk-secret" not in result.reason  # a header's value is never echoed


def test_a_rule_that_holds_says_so() -> None:
    when = (
        "{model: claude-sonnet-4-5, tools: [get_weather], has_tool_result: false, last_user: {contains: ORDER},"
        " json: {metadata.user_id: alice}, headers: {X-Tenant: acme}}"
    )
    result = rule(when).match(body(tools=[TOOL], metadata={"user_id": "alice"}), {"x-tenant": "acme"}, NAMES)
    assert result.matched and bool(result) is True
    assert result.reason == "rule r: 6 condition(s) hold"
    assert rule("{}").match(body(), {}, NAMES) == MatchResult(True, "rule r: 0 condition(s) hold")


def test_the_first_failing_condition_is_named() -> None:
    both = rule("{model: claude-haiku-4-5, last_user: {contains: refund}}")
    assert both.match(body(), {}, NAMES).reason.startswith("when.model:")
    assert both.match(body(), {}, {*NAMES, "claude-haiku-4-5"}).reason.startswith("when.last_user")


def test_match_result_truthiness() -> None:
    assert MatchResult(True, "ok") and not MatchResult(False, "no")
    assert [r.reason for r in (MatchResult(False, "a"), MatchResult(True, "b")) if r] == ["b"]


def test_explain_rules_lists_the_rules_tried_in_order() -> None:
    rules = parse_rules(
        Path("t.yaml"),
        """
rules:
  - {name: haiku, when: {model: claude-haiku-4-5}, answer: {text: a}}
  - {name: refund, when: {last_user: {contains: refund}}, answer: {text: b}}
  - {name: order, when: {last_user: {contains: order}}, answer: {text: c}}
  - {name: never-tried, when: {}, answer: {text: d}}
""",
    )
    tried = explain_rules(rules, body(), {}, NAMES)
    assert [(name, r.matched) for name, r in tried] == [("haiku", False), ("refund", False), ("order", True)]
    assert tried[1][1].reason == "when.last_user contains 'refund': no"
    missed = explain_rules(rules[:3], body("Hello"), {}, NAMES)
    assert [name for name, r in missed if not r] == ["haiku", "refund", "order"]
    assert explain_rules([], body(), {}, NAMES) == []
