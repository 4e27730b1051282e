"""Hostile bodies get a prompt answer in the API's envelope while the server keeps answering others:
too many messages, any nesting depth, a dribble with the smallest pieces, a rule regex that would
backtrack. Timeouts here are hang guards only (tens of seconds), never timing bounds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest

from mockclaude.protocol.contract import MAX_DEPTH
from tests.support.server import Server, raw_post, start_server, stop_server

HEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test", "content-type": "application/json"}
GUARD_S = 60  # a hang guard: the old code took 30 s to minutes for these, on an idle machine

BACKTRACKING_RULES = """\
rules:
  - name: all-a
    when: {last_user: {matches: '^(a+)+$'}}
    answer: {text: only a}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("hostile")
    rules = tmp / "rules"
    rules.mkdir()
    (rules / "backtrack.yaml").write_text(BACKTRACKING_RULES)
    started = start_server(tmp, "--latency", "instant", "--rules", str(rules))
    yield started
    stop_server(started)


def messages(n: int) -> list[dict[str, Any]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": "hi"} for i in range(n)]


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-6", "max_tokens": 16, **fields}


def post_while_polling_health(server: Server, path: str, data: bytes) -> tuple[httpx2.Response, int]:
    """POST ``data`` and, until its answer comes, ask ``/_mock/health`` again and again: each must answer
    within the hang guard. Returns the answer and how many health calls were answered meanwhile."""
    answer: list[httpx2.Response] = []
    sender = threading.Thread(
        target=lambda: answer.append(
            httpx2.post(server.base_url + path, content=data, headers=HEADERS, timeout=GUARD_S)
        )
    )
    sender.start()
    polls = 0
    while sender.is_alive():
        health = httpx2.get(server.base_url + "/_mock/health", timeout=GUARD_S / 4)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        polls += 1
        sender.join(0.05)
    assert answer, "the hostile request got no answer"
    return answer[0], polls


def test_more_messages_than_the_api_takes_are_refused_while_health_answers(server: Server) -> None:
    data = orjson.dumps(body(messages=messages(100_001)))
    assert len(data) > 2_000_000
    r, polls = post_while_polling_health(server, "/v1/messages", data)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == {
        "type": "invalid_request_error",
        "message": "messages: List should have at most 100000 items after validation, not 100001",
    }
    assert polls >= 1


def test_a_large_body_names_its_one_bad_message(server: Server) -> None:
    bad = {"role": "user", "content": [{"type": "text"}]}
    data = orjson.dumps(body(messages=[*messages(20_000), bad]))
    r, _ = post_while_polling_health(server, "/v1/messages", data)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "messages.20000.content.0.text.text: Field required"


def with_deep(template: dict[str, Any], deep: str) -> bytes:
    """``template`` as JSON with its ``"DEEP"`` string replaced by ``deep`` (orjson writes 255 levels at most)."""
    return orjson.dumps(template).replace(b'"DEEP"', deep.encode())


def deep_content(depth: int) -> bytes:
    """A message whose content is ``depth`` lists in lists (the body adds 3 levels around it)."""
    return with_deep(body(messages=[{"role": "user", "content": "DEEP"}]), "[" * depth + '"x"' + "]" * depth)


def deep_tool_schema(depth: int) -> bytes:
    """A tool whose input_schema nests ``properties`` about ``depth`` levels deep."""
    tool = {"name": "t", "input_schema": {"type": "object", "properties": {"x": "DEEP"}}}
    levels = depth // 2
    return with_deep(
        body(messages=messages(1), tools=[tool]),
        '{"type": "object", "properties": {"x": ' * levels + '{"type": "object"}' + "}}" * levels,
    )


@pytest.mark.parametrize("make", [deep_content, deep_tool_schema], ids=["content", "input_schema"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 10, 900, 990, 1000, 1020])
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/messages/count_tokens"])
def test_any_nesting_depth_is_a_400_in_the_envelope(server: Server, make: Any, depth: int, path: str) -> None:
    r = raw_post(server, path, make(depth))
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    if not error["message"].startswith("The request body is not valid JSON"):  # past orjson's limit (1024)
        assert r.headers["x-mockclaude-error"] == "true"
        assert (
            error["message"]
            == f"mockclaude: the request body nests arrays and objects more than {MAX_DEPTH} deep"
        )
    assert httpx2.get(server.base_url + "/_mock/health").json()["status"] == "ok"


def test_a_very_large_deep_body_is_refused_before_it_is_parsed_here(server: Server) -> None:
    """Over 1 MiB, the limits are checked in a worker process; the refusal is the same, marker included."""
    padded = body(system="x " * 600_000, messages=[{"role": "user", "content": "DEEP"}])
    r = raw_post(server, "/v1/messages", with_deep(padded, "[" * 200 + '"x"' + "]" * 200))
    assert r.status_code == 400, r.text
    assert r.headers.get_list("x-mockclaude-error") == ["true"]
    assert (
        r.json()["error"]["message"]
        == f"mockclaude: the request body nests arrays and objects more than {MAX_DEPTH} deep"
    )
    r = raw_post(server, "/v1/messages", orjson.dumps(padded)[:-1])  # not JSON: the pipeline's own text
    assert r.status_code == 400 and r.json()["error"]["message"].startswith(
        "The request body is not valid JSON: "
    )


def test_a_tool_schema_nested_within_the_limit_is_counted(server: Server) -> None:
    r = raw_post(server, "/v1/messages", deep_tool_schema(MAX_DEPTH - 10))
    assert r.status_code == 200, r.text
    assert r.json()["usage"]["input_tokens"] > 100


def test_a_dribble_faster_than_one_piece_a_millisecond_is_a_marked_400(server: Server) -> None:
    sent = {**HEADERS, "x-mockclaude-fault": "slow_ms=0.01; chunk=1"}
    r = httpx2.post(
        server.base_url + "/v1/messages", content=orjson.dumps(body(messages=messages(1))), headers=sent
    )
    assert r.status_code == 400
    assert r.headers["x-mockclaude-error"] == "true"
    assert "slow_ms=0.01 is below 1 ms" in r.json()["error"]["message"]
    sent["x-mockclaude-fault"] = "slow_ms=1; chunk=1"
    with httpx2.stream(
        "POST",
        server.base_url + "/v1/messages",
        content=orjson.dumps(body(messages=messages(1))),
        headers=sent,
    ) as r:
        pieces = [len(p) for p in r.iter_raw()]
    assert r.status_code == 200 and sum(pieces) == int(r.headers["content-length"])


def test_a_backtracking_rule_regex_runs_in_linear_time(server: Server) -> None:
    """``^(a+)+$`` on 40 a's and a b: ~2^40 steps for a backtracking engine, linear on RE2."""
    hostile = body(messages=[{"role": "user", "content": "a" * 40 + "b"}])
    r, _ = post_while_polling_health(server, "/v1/messages", orjson.dumps(hostile))
    assert r.status_code == 200
    assert r.json()["content"][0]["text"] != "only a"  # the rule does not hold
    r = raw_post(server, "/v1/messages", body(messages=[{"role": "user", "content": "a" * 40}]))
    assert r.json()["content"][0]["text"] == "only a"


def test_a_regex_re2_cannot_run_is_refused_at_load_with_the_rule_path(tmp_path: Path) -> None:
    from mockclaude.errors import RuleError
    from mockclaude.sources.rules import parse_rules

    text = "rules:\n  - name: r\n    when: {last_user: {matches: '(a+)\\1'}}\n    answer: {text: hi}\n"
    with pytest.raises(
        RuleError, match=r"t\.yaml: rules\[0\]\.when\.last_user\.matches: bad regex \("
    ) as info:
        parse_rules(Path("t.yaml"), text)
    assert "backreferences" in str(info.value)


def test_distinct_unknown_paths_count_under_one_stats_label(server: Server) -> None:
    with httpx2.Client(base_url=server.base_url, headers=HEADERS) as http:
        for n in range(300):
            assert http.get(f"/nowhere/{n}").status_code == 404
        by_path = http.get("/_mock/stats").json()["requests"]["by_path"]
        metrics = http.get("/_mock/metrics").text
    assert by_path["(not found)"] >= 300
    assert not [p for p in by_path if p.startswith("/nowhere")]
    assert "/nowhere" not in metrics
