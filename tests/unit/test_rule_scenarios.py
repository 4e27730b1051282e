"""Rules for scripted agent runs: the ``tool_result`` condition (which tool, the Nth result, what it
says), scenarios with states, and the refusals of bad fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mockclaude.errors import RuleError
from mockclaude.sources.rules import STARTED, Rule, explain_rules, numbered_tool_results, parse_rules
from mockclaude.store.matchers import MatchResult

NAMES = {"claude-sonnet-4-5"}


def call(n: int, name: str) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": f"toolu_{n}", "name": name, "input": {}}],
    }


def result(n: int, text: str, is_error: bool = False) -> dict[str, Any]:
    block = {"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": text, "is_error": is_error}
    return {"role": "user", "content": [block]}


RUN = [
    {"role": "user", "content": "Fix the failing test"},
    call(1, "Bash"),
    result(1, "1 failed, 2 passed"),
    call(2, "Edit"),
    result(2, "The file has been updated."),
    call(3, "Bash"),
    result(3, "3 passed"),
]


def body(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "messages": messages}


def rule(text: str) -> Rule:
    (parsed,) = parse_rules(Path("t.yaml"), f"rules:\n  - name: r\n{text}    answer: {{text: hi}}\n")
    return parsed


def test_tool_results_are_numbered_across_the_conversation() -> None:
    assert numbered_tool_results(RUN) == [(3, "Bash", "3 passed", False)]
    assert numbered_tool_results(RUN[:3]) == [(1, "Bash", "1 failed, 2 passed", False)]
    assert numbered_tool_results(RUN[:1]) == []


@pytest.mark.parametrize(
    ("when", "messages", "holds"),
    [
        ("{tool_result: {name: Bash}}", RUN, True),
        ("{tool_result: {name: Edit}}", RUN, False),
        ("{tool_result: {name: Edit}}", RUN[:5], True),
        ("{tool_result: {n: 3}}", RUN, True),
        ("{tool_result: {n: 1}}", RUN, False),
        ("{tool_result: {name: Bash, n: 1, contains: FAILED}}", RUN[:3], True),
        ("{tool_result: {contains: failed}}", RUN, False),
        ("{tool_result: {matches: '^\\d+ passed$'}}", RUN, True),
        ("{tool_result: {equals: '3 passed'}}", RUN, True),
        ("{tool_result: {is_error: true}}", RUN, False),
        ("{tool_result: {is_error: true}}", [*RUN[:2], result(1, "boom", is_error=True)], True),
    ],
)
def test_tool_result_condition(when: str, messages: list[dict[str, Any]], holds: bool) -> None:
    assert rule(f"    when: {when}\n").match(body(messages), {}, NAMES).matched is holds


def test_tool_result_condition_says_why_not() -> None:
    r = rule("    when: {tool_result: {name: Edit, contains: updated}}\n")
    assert r.match(body(RUN), {}, NAMES) == MatchResult(
        False, "when.tool_result: none of the tool results (#3 Bash) fits {name: 'Edit', contains: 'updated'}"
    )
    assert (
        r.match(body(RUN[:1]), {}, NAMES).reason
        == "when.tool_result: the last user turn carries no tool result"
    )


def test_a_scenario_rule_holds_only_in_its_state() -> None:
    r = rule("    scenario: fix\n    required_state: edited\n    new_state: done\n")
    assert (r.scenario, r.required_state, r.new_state) == ("fix", "edited", "done")
    assert r.match(body(RUN), {}, NAMES) == MatchResult(
        False, "scenario fix: in state 'Started', wanted 'edited'"
    )
    assert r.match(body(RUN), {}, NAMES, {"fix": "edited"}).matched
    assert rule("    scenario: fix\n    required_state: Started\n").match(body(RUN), {}, NAMES).matched
    # A scenario rule with no required state holds in any state.
    assert rule("    scenario: fix\n    new_state: x\n").match(body(RUN), {}, NAMES, {"fix": "y"}).matched
    assert STARTED == "Started"


def test_explain_rules_reads_the_states() -> None:
    rules = parse_rules(
        Path("t.yaml"),
        """
rules:
  - {name: first, scenario: s, required_state: Started, new_state: two, answer: {text: a}}
  - {name: second, scenario: s, required_state: two, answer: {text: b}}
""",
    )
    assert [n for n, r in explain_rules(rules, body(RUN), {}, NAMES, {"s": "two"}) if r] == ["second"]
    assert [n for n, r in explain_rules(rules, body(RUN), {}, NAMES) if r] == ["first"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("    when: {tool_result: {nth: 2}}\n", "t.yaml: rules[0].when.tool_result.nth: unknown field"),
        ("    when: {tool_result: {n: 0}}\n", "t.yaml: rules[0].when.tool_result.n: expected a count from 1"),
        (
            "    when: {tool_result: {n: true}}\n",
            "t.yaml: rules[0].when.tool_result.n: expected a count from 1",
        ),
        (
            "    when: {tool_result: {is_error: 1}}\n",
            "t.yaml: rules[0].when.tool_result.is_error: expected true",
        ),
        (
            "    when: {tool_result: {contains: a, equals: b}}\n",
            "t.yaml: rules[0].when.tool_result: give at most one",
        ),
        ("    when: {tool_result: {matches: '('}}\n", "t.yaml: rules[0].when.tool_result.matches: bad regex"),
        ("    when: {tool_result: yes}\n", "t.yaml: rules[0].when.tool_result: expected a mapping"),
        ("    new_state: done\n", "t.yaml: rules[0]: required_state and new_state need a scenario"),
        ("    scenario: ''\n", "t.yaml: rules[0].scenario: expected a non-empty string"),
        (
            "    scenario: s\n    required_state: 3\n",
            "t.yaml: rules[0].required_state: expected a non-empty string",
        ),
        ("    state: s\n", "t.yaml: rules[0].state: unknown field"),
    ],
)
def test_bad_fields_are_refused_with_their_place(text: str, error: str) -> None:
    with pytest.raises(RuleError) as refused:
        rule(text)
    assert str(refused.value).startswith(error)
