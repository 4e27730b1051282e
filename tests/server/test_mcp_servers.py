"""Beta ``mcp_servers``: the mock's MCP servers have no tools, so an answer makes no MCP call unless a rule
scripts one (``mcp_tool_use`` in its answer): then an ``mcp_tool_use`` block and its ``mcp_tool_result``,
checked against the beta schemas and the stream grammar, parsed by the SDK's beta types, strict.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from mockclaude.errors import RuleError
from mockclaude.sources.rules import parse_rules
from tests.support.server import rules_client

if tuple(int(p) for p in anthropic.__version__.split(".")[:2]) < (2, 16):
    pytest.skip(f"needs SDK 2.16's beta types; installed {anthropic.__version__}", allow_module_level=True)

from anthropic.types.beta import BetaMCPToolResultBlock, BetaMCPToolUseBlock

MODEL = "claude-opus-4-8"
BETAS = ["mcp-client-2025-11-20"]
SERVERS = [
    {"type": "url", "url": "https://mcp.example.com/sse", "name": "tickets"},
    {"type": "url", "url": "https://mcp.example.com/docs", "name": "docs"},
]
RULES = """\
rules:
  - name: ticket-lookup
    when: {last_user: {contains: ticket}}
    answer:
      mcp_tool_use:
        - {name: get_ticket, input: {id: T-7}, result: "T-7: login fails on Safari"}
        - {name: search, server: docs, input: {q: safari}, result: "no page found", is_error: true}
      text: "Ticket T-7 is about Safari logins."
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[anthropic.Anthropic]:
    with rules_client(tmp_path_factory.mktemp("mcp"), RULES) as client:
        yield client


def ask(client: anthropic.Anthropic, text: str) -> anthropic.types.beta.BetaMessage:
    return client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=[{"role": "user", "content": text}],
        mcp_servers=SERVERS,
        betas=BETAS,
    )


def test_a_scripted_mcp_call_and_its_result(client: anthropic.Anthropic) -> None:
    message = ask(client, "What is ticket T-7 about?")
    use, result, other, failed, text = message.content
    assert isinstance(use, BetaMCPToolUseBlock) and isinstance(result, BetaMCPToolResultBlock)
    assert (use.name, use.server_name, use.input) == ("get_ticket", "tickets", {"id": "T-7"})
    assert result.tool_use_id == use.id and not result.is_error
    assert not isinstance(result.content, str) and result.content[0].text == "T-7: login fails on Safari"
    assert isinstance(other, BetaMCPToolUseBlock) and other.server_name == "docs"
    assert isinstance(failed, BetaMCPToolResultBlock) and failed.is_error and failed.tool_use_id == other.id
    assert text.type == "text" and message.stop_reason == "end_turn"


def test_without_a_rule_no_mcp_call_is_made(client: anthropic.Anthropic) -> None:
    message = ask(client, "Say hello")
    assert message.content and all(not b.type.startswith("mcp_") for b in message.content)


def test_a_streamed_mcp_call_accumulates_as_the_create(client: anthropic.Anthropic) -> None:
    created = ask(client, "Ticket T-7, please")
    with client.beta.messages.stream(
        model=MODEL,
        max_tokens=256,
        messages=[{"role": "user", "content": "Ticket T-7, please"}],
        mcp_servers=SERVERS,
        betas=BETAS,
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert "input_json" in kinds  # the call's input streamed as input_json_delta, as a tool's
    dumped = [b.model_dump(exclude_none=True) for b in final.content]
    assert dumped == [b.model_dump(exclude_none=True) for b in created.content]


def test_the_answer_sent_back_is_accepted(client: anthropic.Anthropic) -> None:
    first = ask(client, "What is ticket T-7 about?")
    turn = {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]}
    second = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=[
            {"role": "user", "content": "What is ticket T-7 about?"},
            turn,
            {"role": "user", "content": "Thanks. Anything else?"},
        ],
        mcp_servers=SERVERS,
        betas=BETAS,
    )
    assert second.usage.input_tokens > first.usage.input_tokens


def test_a_bad_mcp_call_in_a_rule_is_refused() -> None:
    bad = "rules:\n  - name: x\n    answer: {mcp_tool_use: [{name: t, servr: docs}]}\n"
    with pytest.raises(RuleError, match=r"mcp_tool_use\[0\]\.servr: unknown field"):
        parse_rules(Path("bad.yaml"), bad)
