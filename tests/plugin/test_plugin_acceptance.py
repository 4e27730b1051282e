"""Acceptance: a sample project in a temporary directory, using only the plugin's fixtures, passes offline.

It runs in a fresh interpreter (``runpytest_subprocess``): the plugin is found through the package's
``pytest11`` entry point, not imported by this suite. There is no API key, and the fixtures' network
guard stops (and names) any host but loopback; the last sample test proves it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "mocks" / "content" / "recordings" / "seed"

CODE_UNDER_TEST = '''
"""The sample project's own code: a summarizer that retries on overload through the SDK."""
import anthropic

SYSTEM = "You summarize support tickets in one sentence."


def summarize(client: anthropic.Anthropic, ticket: str) -> str:
    answer = client.messages.create(
        model="claude-haiku-4-5", max_tokens=200, system=SYSTEM, messages=[{"role": "user", "content": ticket}]
    )
    return answer.content[0].text


def client_from_environment() -> anthropic.Anthropic:
    return anthropic.Anthropic(max_retries=3)  # reads ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY
'''

TESTS = """
import asyncio

import anthropic
import pytest

from summarizer import SYSTEM, client_from_environment, summarize

HELLO = dict(model="claude-haiku-4-5", max_tokens=1024, messages=[{"role": "user", "content": "Hello, Claude"}])
LOOKUP = {
    "name": "lookup_order",
    "description": "Look up an order by id",
    "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
}
ORDER_RULES = [{
    "name": "order-loop",
    "when": {"tools": ["lookup_order"]},
    "answers": [
        {"text": "Checking.", "tool_use": [{"name": "lookup_order", "input": {"order_id": "B-7"}}]},
        {"text": "Order B-7: {tool_result}."},
    ],
}]


def test_in_process_create_and_stream(mockclaude_client):
    answer = mockclaude_client.messages.create(**HELLO)
    with mockclaude_client.messages.stream(**HELLO) as stream:
        streamed = "".join(stream.text_stream)
    assert streamed == answer.content[0].text


def test_in_process_async(mockclaude_async_client):
    async def both():
        return await asyncio.gather(*(mockclaude_async_client.messages.create(**HELLO) for _ in range(2)))
    first, second = asyncio.run(both())
    assert first.content[0].text == second.content[0].text


def test_live_server_for_code_that_reads_the_environment(mockclaude_server, mockclaude_journal):
    assert summarize(client_from_environment(), "My parcel never arrived.")
    assert mockclaude_journal.last()["request"]["body"]["system"] == SYSTEM


@pytest.mark.mockclaude(recordings="cassettes/hello", record_mode="none")
def test_recording_replay(mockclaude_client, mockclaude_journal):
    assert mockclaude_client.messages.create(**HELLO).content[0].text == "Hello! It's nice to meet you. How can I help you today?"
    assert mockclaude_journal.last()["origin"].startswith("recording")
    with pytest.raises(anthropic.BadRequestError, match="no recording matches"):
        mockclaude_client.messages.create(**{**HELLO, "max_tokens": 10})


@pytest.mark.mockclaude(rules=ORDER_RULES)
def test_rule_driven_tool_loop(mockclaude_client):
    messages = [{"role": "user", "content": "Where is my order?"}]
    first = mockclaude_client.messages.create(model="claude-haiku-4-5", max_tokens=300, tools=[LOOKUP], messages=messages)
    call = next(b for b in first.content if b.type == "tool_use")
    messages += [
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "shipped"}]},
    ]
    final = mockclaude_client.messages.create(model="claude-haiku-4-5", max_tokens=300, tools=[LOOKUP], messages=messages)
    assert (first.stop_reason, call.input, final.content[0].text) == ("tool_use", {"order_id": "B-7"}, "Order B-7: shipped.")


def test_injected_529_with_retries(mockclaude_server, mockclaude_faults, mockclaude_journal):
    mockclaude_faults.add("529; times=2; retry_after=0.01")
    assert summarize(client_from_environment(), "The app crashes on start.")
    assert [e["status"] for e in mockclaude_journal.entries("/v1/messages")] == [529, 529, 200]


def test_journal_assertion(mockclaude_client, mockclaude_journal):
    summarize(mockclaude_client, "Refund please.")
    summarize(mockclaude_client, "Wrong size.")
    assert [m["messages"][0]["content"] for m in mockclaude_journal.messages()] == ["Refund please.", "Wrong size."]
    assert all(m["system"] == SYSTEM for m in mockclaude_journal.messages())


def test_network_is_blocked(mockclaude):
    client = anthropic.Anthropic(api_key="sk-ant-x", base_url="https://api.anthropic.com", max_retries=0)
    with pytest.raises(BaseException, match="api.anthropic.com:443 is blocked"):
        summarize(client, "hi")
"""


def test_sample_project_passes_offline(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # a proxy on loopback would hide the host from the guard
    pytester.makepyfile(summarizer=CODE_UNDER_TEST, test_sample=TESTS)
    (pytester.path / "cassettes" / "hello").mkdir(parents=True)
    shutil.copy(SEED / "hello.yaml", pytester.path / "cassettes" / "hello" / "hello.yaml")

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")

    result.stdout.fnmatch_lines(["plugins:*mockclaude-*"])  # loaded through the entry point
    result.assert_outcomes(passed=8)


def test_the_pytest_extra_lists_what_the_plugin_needs() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    extra = project["optional-dependencies"]["pytest"]
    names = {requirement.split("==")[0] for requirement in extra}
    assert names == {"anthropic", "pytest", "responses", "requests"}
    dev = set(project["optional-dependencies"]["dev"])
    assert {r for r in extra if r.split("==")[0] != "requests"} <= dev  # the same pins as the suite's
    assert project["entry-points"]["pytest11"] == {
        "mockclaude.testing.pytest_plugin": "mockclaude.testing.pytest_plugin"
    }
