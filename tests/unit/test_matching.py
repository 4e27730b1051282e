"""Matching recordings: what decides the match key, the named matchers, the fields that differ, and why a
recording does not match (``MatchResult``, ``RecordingStore.explain``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockclaude.store.format import recording_document, write_recording
from mockclaude.store.matchers import Matcher, MatchResult, differing_fields, match_key
from mockclaude.store.recordings import RecordingStore

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


@dataclass(frozen=True)
class Recorded:
    method: str
    request_path: str
    request_body: Any


def test_match_result_names_method_path_or_fields() -> None:
    recorded = Recorded("POST", "/v1/messages", BASE)
    assert Matcher().match("post", "/v1/messages", with_ids("toolu_9"), recorded) == MatchResult(
        True, "exact: request matches"
    )
    assert Matcher().match("GET", "/v1/messages", BASE, recorded) == MatchResult(
        False, "method GET != recorded POST"
    )
    assert Matcher().match("POST", "/v1/messages/count_tokens", BASE, recorded) == MatchResult(
        False, "path /v1/messages/count_tokens != recorded /v1/messages"
    )
    other = {
        **BASE,
        "max_tokens": 7,
        "messages": [{"role": "user", "content": "Rain?"}, *BASE["messages"][1:]],
    }
    miss = Matcher().match("POST", "/v1/messages", other, recorded)
    assert not miss
    assert miss.reason == "body differs in: max_tokens, messages.0.content"
    assert miss.fields == ("max_tokens", "messages.0.content")


def test_reasons_per_matcher_kind() -> None:
    recorded = Recorded("POST", "/p", BASE)
    changed = {**BASE, "max_tokens": 5, "temperature": 0.2, "model": "claude-opus-4-1"}
    assert Matcher().match("POST", "/p", changed, recorded).reason == (
        "body differs in: max_tokens, model, temperature"
    )
    ignoring = Matcher("ignore_fields", ("max_tokens", "temperature"))
    assert ignoring.match("POST", "/p", changed, recorded).reason == "body differs in: model"
    assert ignoring.match("POST", "/p", {**changed, "model": BASE["model"]}, recorded)
    last_user = Matcher("last_user_message")
    assert last_user.match("POST", "/p", {**BASE, "system": "x"}, recorded).matched
    assert last_user.match("POST", "/p", changed, recorded).reason == "body differs in: model"
    assert last_user.match(
        "POST", "/p", {**BASE, "messages": [{"role": "user", "content": "Hi"}]}, recorded
    ).fields == ("last_user.content",)
    model_only = Matcher("model_only")
    assert model_only.match("POST", "/p", {"model": BASE["model"], "messages": []}, recorded).matched
    assert model_only.match("POST", "/p", changed, recorded) == MatchResult(
        False, "body differs in: model", ("model",)
    )


def test_match_agrees_with_the_key_and_caps_its_reason() -> None:
    recorded = Recorded("POST", "/p", BASE)
    retyped = {**BASE, "max_tokens": 100.0}  # equal in Python, a different key
    assert Matcher().key("POST", "/p", retyped) != Matcher().key("POST", "/p", BASE)
    assert Matcher().match("POST", "/p", retyped, recorded) == MatchResult(
        False, "body differs in the JSON type of a value"
    )
    many = {**BASE, **{f"f{i}": i for i in range(8)}}
    miss = Matcher().match("POST", "/p", many, recorded)
    assert miss.reason == "body differs in: f0, f1, f2, f3, f4, f5 (+2 more)" and len(miss.fields) == 8


def write(directory: Path, name: str, method: str, path: str, body: Any) -> None:
    document = recording_document(
        method=method,
        path=path,
        body=body,
        request_headers={},
        status=200,
        response_headers={},
        response_body={"input_tokens": 1},
        upstream="https://api.anthropic.com",
        recorded_at="2026-01-01T00:00:00Z",
        spec_sha256="0",
    )
    write_recording(directory, name, document)


def test_store_explains_a_request_nearest_first(tmp_path: Path) -> None:
    write(tmp_path, "a-same.yaml", "POST", "/v1/messages", BASE)
    write(tmp_path, "b-two-off.yaml", "POST", "/v1/messages", {**BASE, "max_tokens": 1, "system": "s"})
    write(tmp_path, "c-count.yaml", "POST", "/v1/messages/count_tokens", BASE)
    write(tmp_path, "d-one-off.yaml", "POST", "/v1/messages", {**BASE, "max_tokens": 2})
    store = RecordingStore(tmp_path)
    explained = store.explain("POST", "/v1/messages", {**BASE, "stream": True})
    assert [(r.path.name, m.reason) for r, m in explained] == [
        ("a-same.yaml", "exact: request matches"),
        ("d-one-off.yaml", "body differs in: max_tokens"),
        ("b-two-off.yaml", "body differs in: max_tokens, system"),
        ("c-count.yaml", "path /v1/messages != recorded /v1/messages/count_tokens"),
    ]
    assert store.find("POST", "/v1/messages", BASE) is explained[0][0]
    wanted = {**BASE, "max_tokens": 3}
    assert store.find("POST", "/v1/messages", wanted) is None
    assert not any(m for _, m in store.explain("POST", "/v1/messages", wanted))
    assert [
        (r.path.name, fields) for r, fields in store.closest("POST", "/v1/messages", wanted, count=2)
    ] == [
        ("a-same.yaml", ["max_tokens"]),
        ("d-one-off.yaml", ["max_tokens"]),
    ]
    assert RecordingStore(None).explain("POST", "/v1/messages", BASE) == []
