"""Matching recordings: what decides the match key, the named matchers, and the fields that differ."""

from __future__ import annotations

from typing import Any

from mockclaude.store.recordings import Matcher, differing_fields, match_key

BASE: dict[str, Any] = {
    "model": "claude-haiku-4-5",
    "max_tokens": 100,
    "messages": [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_01AAA", "name": "w", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_01AAA", "content": "sunny"}],
        },
    ],
}


def with_ids(tool_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {**BASE, "messages": [dict(m) for m in BASE["messages"]]}
    body["messages"][1] = {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": tool_id, "name": "w", "input": {}}],
    }
    body["messages"][2] = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": "sunny"}],
    }
    return body


def test_noise_does_not_change_the_key() -> None:
    key = match_key("POST", "/v1/messages", BASE)
    reordered = dict(reversed(list(BASE.items())))
    noisy = {**BASE, "stream": True, "metadata": {"user_id": "u1"}, "service_tier": "auto", "system": None}
    assert match_key("POST", "/v1/messages", reordered) == key
    assert match_key("POST", "/v1/messages", noisy) == key
    assert match_key("POST", "/v1/messages", {**BASE, "max_tokens": 101}) != key


def test_echoed_tool_ids_are_normalised() -> None:
    assert match_key("POST", "/v1/messages", with_ids("toolu_01XYZ")) == match_key(
        "POST", "/v1/messages", BASE
    )
    wrong_pairing = with_ids("toolu_01XYZ")
    wrong_pairing["messages"][2]["content"][0]["tool_use_id"] = "toolu_other"
    assert match_key("POST", "/v1/messages", wrong_pairing) != match_key("POST", "/v1/messages", BASE)


def test_named_matchers() -> None:
    changed = {**BASE, "max_tokens": 5, "temperature": 0.2}
    assert Matcher("ignore_fields", ("max_tokens", "temperature")).key("POST", "/p", changed) == Matcher(
        "ignore_fields", ("max_tokens", "temperature")
    ).key("POST", "/p", BASE)
    assert Matcher("last_user_message").key("POST", "/p", {**changed, "system": "x"}) == Matcher(
        "last_user_message"
    ).key("POST", "/p", BASE)
    assert Matcher("model_only").key("POST", "/p", {"model": "claude-haiku-4-5", "messages": []}) == Matcher(
        "model_only"
    ).key("POST", "/p", BASE)
    assert Matcher("model_only").key("POST", "/p", {**BASE, "model": "other"}) != Matcher("model_only").key(
        "POST", "/p", BASE
    )


def test_differing_fields_name_the_place() -> None:
    other = {
        **BASE,
        "max_tokens": 7,
        "messages": [{"role": "user", "content": "Rain?"}, *BASE["messages"][1:]],
    }
    assert differing_fields(BASE, other) == ["max_tokens", "messages.0.content"]
    assert differing_fields(BASE, {**BASE, "system": "s"}) == ["system"]
