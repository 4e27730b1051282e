"""Rules: a scripted multi-turn tool loop drives the official SDK offline; errors and latency per answer;
rule files reload without a restart; a bad rule file is refused naming the file and the field."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anthropic
import pytest

from mockclaude.sources.rules import RuleError, parse_rules
from tests.support.server import Server, start_server, stop_server

ORDER_TOOL = {
    "name": "lookup_order_status",
    "description": "Look up the shipping status of an order",
    "input_schema": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
}


def test_shipped_tool_loop_rule_drives_the_sdk(client: anthropic.Anthropic) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Where is my order? It hasn't arrived."}]
    first = client.messages.create(
        model="claude-haiku-4-5", max_tokens=500, tools=[ORDER_TOOL], messages=messages
    )
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "lookup_order_status" and call.input == {"order_id": "A-1042"}
    messages += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": call.id,
                    "content": "shipped on Monday, arriving Thursday",
                }
            ],
        },
    ]
    final = client.messages.create(
        model="claude-haiku-4-5", max_tokens=500, tools=[ORDER_TOOL], messages=messages
    )
    assert final.stop_reason == "end_turn"
    assert "shipped on Monday, arriving Thursday" in final.content[0].text
    with client.messages.stream(
        model="claude-haiku-4-5", max_tokens=500, tools=[ORDER_TOOL], messages=messages
    ) as s:
        assert s.get_final_message().content[0].text == final.content[0].text


RULES = """
rules:
  - name: vip-header
    when: {headers: {x-test-case: vip}, model: claude-haiku-4-5}
    answer: {text: "Hello VIP", usage: {input_tokens: 7}}
  - name: outage
    when: {last_user: {equals: "trigger outage"}}
    answer: {error: {status: 529, message: Overloaded}}
  - name: slow
    when: {json: {metadata.user_id: slow-user}}
    answer: {text: "slow answer here", latency: {ttft_ms: 300, tokens_per_s: 1000}}
"""


@pytest.fixture()
def rules_server(tmp_path: Path) -> Any:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "custom.yaml").write_text(RULES)
    server = start_server(tmp_path, "--rules", str(rules), "--latency", "instant")
    yield server, rules
    stop_server(server)


def test_conditions_errors_and_latency(rules_server: tuple[Server, Path]) -> None:
    server, _ = rules_server
    client = anthropic.Anthropic(
        base_url=server.base_url, api_key="k", _strict_response_validation=True, max_retries=0
    )
    hi = [{"role": "user", "content": "Hi"}]
    vip = client.messages.create(
        model="claude-haiku-4-5", max_tokens=50, messages=hi, extra_headers={"x-test-case": "vip"}
    )
    assert vip.content[0].text == "Hello VIP" and vip.usage.input_tokens == 7
    plain = client.messages.create(model="claude-haiku-4-5", max_tokens=50, messages=hi)
    assert plain.content[0].text != "Hello VIP"
    with pytest.raises(anthropic.OverloadedError):
        client.messages.create(
            model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": "trigger outage"}]
        )
    started = time.perf_counter()
    slow = client.messages.create(
        model="claude-haiku-4-5", max_tokens=50, messages=hi, metadata={"user_id": "slow-user"}
    )
    assert slow.content[0].text == "slow answer here" and time.perf_counter() - started >= 0.29


def test_journal_says_which_rules_were_tried_and_why(rules_server: tuple[Server, Path]) -> None:
    import httpx2

    server, _ = rules_server
    client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
    hi = [{"role": "user", "content": "Hi"}]

    def last() -> dict[str, Any]:
        entries = httpx2.get(server.base_url + "/_mock/journal", params={"limit": 1}).json()["data"]
        return dict(entries[-1])

    client.messages.create(model="claude-haiku-4-5", max_tokens=50, messages=hi)  # no rule fires
    entry = last()
    assert entry["origin"] == "synthesis"
    assert [(r["rule"], r["matched"]) for r in entry["rules"]] == [
        ("vip-header", False),
        ("outage", False),
        ("slow", False),
    ]
    assert entry["rules"][0]["reason"] == "when.headers.x-test-case: missing"
    assert "trigger outage" in entry["rules"][1]["reason"]
    assert "metadata.user_id" in entry["rules"][2]["reason"]

    with pytest.raises(anthropic.OverloadedError):  # the second rule fires: the trace stops there
        client.messages.create(
            model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": "trigger outage"}]
        )
    entry = last()
    assert entry["origin"] == "rule:outage"
    assert [(r["rule"], r["matched"]) for r in entry["rules"]] == [("vip-header", False), ("outage", True)]

    client.messages.create(
        model="claude-haiku-4-5", max_tokens=50, messages=hi
    )  # the same answer from memory
    assert [r["rule"] for r in last()["rules"]] == ["vip-header", "outage", "slow"]


def test_rules_reload_without_restart(rules_server: tuple[Server, Path]) -> None:
    server, rules = rules_server
    client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
    ask: dict[str, Any] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "ping?"}],
    }
    assert client.messages.create(**ask).content[0].text != "pong"
    (rules / "extra.yaml").write_text(
        'rules:\n  - when: {last_user: {equals: "ping?"}}\n    answer: {text: pong}\n'
    )
    time.sleep(1.1)
    assert client.messages.create(**ask).content[0].text == "pong"
    (rules / "broken.yaml").write_text("rules:\n  - when: {colour: red}\n    answer: {text: x}\n")
    import httpx2

    refused = httpx2.post(server.base_url + "/_mock/reload")  # a bad file: refused, the old rules kept
    assert refused.status_code == 400
    assert (
        "broken.yaml" in refused.json()["error"]["message"]
        and "when.colour" in refused.json()["error"]["message"]
    )
    assert client.messages.create(**ask).content[0].text == "pong"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("rules:\n  - when: {colour: red}\n    answer: {text: x}\n", "rules[0].when.colour"),
        ("rules:\n  - when: {last_user: {containz: x}}\n    answer: {text: x}\n", "rules[0].when.last_user"),
        ("rules:\n  - answer: {text: x, stop_reason: done}\n", "rules[0].answer.stop_reason"),
        ("rules:\n  - answers: [{tool_use: [{input: {}}]}]\n", "rules[0].answers[0].tool_use[0].name"),
        ("rules:\n  - when: {}\n", "rules[0]: give exactly one of answer or answers"),
        ("rules: [\n", "not valid YAML"),
    ],
)
def test_bad_rule_file_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bad.yaml"
    with pytest.raises(RuleError) as error:
        parse_rules(path, text)
    assert str(path) in str(error.value) and field in str(error.value)


def test_server_refuses_to_start_with_a_bad_rule_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("rules:\n  - when: {colour: red}\n    answer: {text: x}\n")
    done = subprocess.run(
        [sys.executable, "-m", "mockclaude", "serve", "--port", "1", "--rules", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "bad.yaml" in done.stderr and "when.colour" in done.stderr
    assert "Traceback" not in done.stderr


ERROR_CLASSES = [
    (400, anthropic.BadRequestError),
    (401, anthropic.AuthenticationError),
    (403, anthropic.PermissionDeniedError),
    (404, anthropic.NotFoundError),
    (413, anthropic.APIStatusError),
    (429, anthropic.RateLimitError),
    (500, anthropic.InternalServerError),
    (504, anthropic.APIStatusError),
    (529, anthropic.OverloadedError),
]


def test_each_error_class_for_its_status(tmp_path: Path) -> None:
    """Errors scripted by rules come back in the API's envelope and the SDK raises the class for each status."""
    rules = tmp_path / "rules"
    rules.mkdir()
    lines = ["rules:"]
    for status, _ in ERROR_CLASSES:
        lines += [
            f'  - when: {{last_user: {{equals: "status {status}"}}}}',
            f"    answer: {{error: {{status: {status}, message: scripted}}}}",
        ]
    (rules / "errors.yaml").write_text("\n".join(lines) + "\n")
    server = start_server(tmp_path, "--rules", str(rules), "--latency", "instant")
    try:
        client = anthropic.Anthropic(
            base_url=server.base_url, api_key="k", _strict_response_validation=True, max_retries=0
        )
        for status, error_class in ERROR_CLASSES:
            with pytest.raises(error_class) as raised:
                client.messages.create(
                    model="claude-haiku-4-5",
                    max_tokens=10,
                    messages=[{"role": "user", "content": f"status {status}"}],
                )
            assert raised.value.status_code == status
            body = raised.value.body
            assert body["type"] == "error" and body["error"]["message"] == "scripted"  # type: ignore[index]
            assert body["request_id"] == raised.value.request_id  # type: ignore[index]
    finally:
        stop_server(server)
