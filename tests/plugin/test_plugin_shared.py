"""Mocks that outlive a test: reused per configuration, module- and session-scoped mocks, reset between tests;
the journal's counts; the plugin's VCR-grade options (block the network everywhere, rewrite, a matcher per
test, before_record hooks). Each runs a small suite with pytester, as a user's suite would run."""

from __future__ import annotations

from typing import Any

import pytest

ASK = 'dict(model="claude-haiku-4-5", max_tokens=50)'

REUSE = f"""
import pytest

ASK = {ASK}
SEEN = []

@pytest.mark.mockclaude(faults=["529; times=1"], rules=[{{"name": "r", "when": {{"last_user": {{"contains": "rule"}}}}, "answer": {{"text": "ruled"}}}}])
def test_first(mockclaude, mockclaude_client, mockclaude_faults):
    SEEN.append(id(mockclaude))
    mockclaude_faults.add("529; times=5", path="/v1/models")
    text = mockclaude_client.messages.create(**ASK, messages=[{{"role": "user", "content": "rule me"}}]).content[0].text
    assert text == "ruled"
    assert len(mockclaude.journal.entries("/v1/messages")) == 2  # the 529, then the retry

def test_second(mockclaude, mockclaude_client, mockclaude_journal, mockclaude_faults):
    SEEN.append(id(mockclaude))
    assert SEEN[0] == SEEN[1]  # the same mock, not rebuilt
    assert mockclaude_journal.entries() == [] and mockclaude_faults.list() == []
    text = mockclaude_client.messages.create(**ASK, messages=[{{"role": "user", "content": "rule me"}}]).content[0].text
    assert text != "ruled"  # the first test's rule is gone
    assert mockclaude_client.models.list().data  # and its fault too

@pytest.mark.mockclaude(answer_cache_size=7)
def test_other_settings_get_another_mock(mockclaude):
    assert id(mockclaude) != SEEN[0]
"""


def test_mocks_are_reused_across_tests_and_reset(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_reuse=REUSE)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


SHARED = f"""
import pytest

ASK = {ASK}
pytestmark = pytest.mark.mockclaude(answer_cache_size=7)
IDS = []

@pytest.mark.parametrize("n", range(3))
def test_session(mockclaude_session, n):
    IDS.append(id(mockclaude_session))
    assert len(mockclaude_session.journal) == 0  # reset before each test
    client = mockclaude_session.client()
    client.messages.create(**ASK, messages=[{{"role": "user", "content": f"n={{n}}"}}])
    mockclaude_session.faults.add("529; times=9", path="/v1/models")
    assert len(set(IDS)) == 1

@pytest.mark.parametrize("n", range(2))
def test_module(mockclaude_module, n):
    assert mockclaude_module.config.answer_cache_size == 7  # the module's marker configures it
    assert mockclaude_module.faults.list() == []
    mockclaude_module.faults.add("529; times=9")

def test_guarded(mockclaude_session):
    import socket
    from mockclaude.testing.netguard import NetworkBlocked
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.com", 443)
"""


def test_session_and_module_mocks_reset_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shared=SHARED)
    pytester.runpytest().assert_outcomes(passed=6)


COUNTS = f"""
ASK = {ASK}
WEATHER = {{"name": "get_weather", "description": "Weather of a city", "input_schema": {{"type": "object", "properties": {{"city": {{"type": "string"}}}}, "required": ["city"]}}}}

def test_counts(mockclaude_client, mockclaude_journal):
    for _ in range(2):
        mockclaude_client.messages.create(**ASK, tools=[WEATHER], tool_choice={{"type": "any"}},
                                          messages=[{{"role": "user", "content": "Weather in Paris?"}}])
    mockclaude_client.messages.create(model="claude-sonnet-4-6", max_tokens=20, messages=[{{"role": "user", "content": "Hi"}}])
    assert mockclaude_journal.count() == 3
    assert mockclaude_journal.count(model="claude-haiku-4-5", tool="get_weather") == 2
    assert mockclaude_journal.count(tool_use="get_weather") == 2
    assert mockclaude_journal.count(model="claude-sonnet-4-6", tool="get_weather") == 0
    assert mockclaude_journal.count(matcher=lambda e: e["request"]["body"]["max_tokens"] == 20) == 1
    assert mockclaude_journal.count(path=None, status=200) == 3
"""


def test_journal_counts_with_a_matcher(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_counts=COUNTS)
    pytester.runpytest().assert_outcomes(passed=1)


BLOCK = """
import socket
import pytest
from mockclaude.testing.netguard import NetworkBlocked

def test_plain():
    with pytest.raises(NetworkBlocked, match="example.com"):
        socket.create_connection(("example.com", 80), timeout=1)

@pytest.mark.mockclaude(allow_hosts=["example.com"])
def test_allowed():
    with pytest.raises(OSError) as caught:  # let through: it fails for want of a network, not the guard
        socket.getaddrinfo("example.com", 80)
    assert not isinstance(caught.value, NetworkBlocked)
"""


def test_block_network_guards_every_test(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_block=BLOCK)
    pytester.runpytest("--mockclaude-block-network").assert_outcomes(passed=2)
    unguarded = pytester.runpytest("-k", "test_plain")  # without the flag a plain test is not guarded
    unguarded.assert_outcomes(failed=1)


RECORD = f"""
import os
import pytest

ASK = {ASK}
UPSTREAM = os.environ["UPSTREAM"]

def scrub(response):
    response["body"]["content"][0]["text"] = response["body"]["content"][0]["text"].replace("secret", "[scrubbed]")
    return response

def tag(request):
    request["body"]["metadata"] = {{"user_id": "recorded"}}
    return request

def skip_hi(request):
    return None if "skip" in request["body"]["messages"][-1]["content"] else request

@pytest.mark.mockclaude(recordings=True, record_mode="once", upstream=UPSTREAM,
                        before_record_request=tag, before_record_response=scrub)
def test_hooks(mockclaude_client):
    print("ANSWER", mockclaude_client.messages.create(**ASK, messages=[{{"role": "user", "content": "tell me"}}]).content[0].text)

@pytest.mark.mockclaude(recordings=True, record_mode="once", upstream=UPSTREAM, before_record_request=skip_hi)
def test_dropped(mockclaude_client):
    mockclaude_client.messages.create(**ASK, messages=[{{"role": "user", "content": "skip me"}}])

@pytest.mark.mockclaude(recordings="shared", record_mode="once", upstream=UPSTREAM)
def test_record_for_matcher(mockclaude_client):
    mockclaude_client.messages.create(**ASK, messages=[{{"role": "user", "content": "first words"}}])

@pytest.mark.mockclaude(recordings="shared", record_mode="none", matcher=lambda body: body["model"])
def test_matcher(mockclaude_client, mockclaude_journal):
    mockclaude_client.messages.create(**ASK, messages=[{{"role": "user", "content": "other words"}}])
    assert mockclaude_journal.last()["origin"].startswith("recording:first-words")
"""

UPSTREAM_RULES = [
    {"name": "secret", "when": {"last_user": {"contains": "me"}}, "answer": {"text": "the secret answer"}},
    {"name": "words", "when": {"last_user": {"contains": "words"}}, "answer": {"text": "wordy"}},
]


@pytest.mark.mockclaude(rules=UPSTREAM_RULES)
def test_record_hooks_matcher_and_rewrite(
    pytester: pytest.Pytester, mockclaude_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_rec=RECORD)
    monkeypatch.setenv("UPSTREAM", mockclaude_server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-recording-key")
    first = pytester.runpytest("-s", "-p", "no:randomly")
    first.assert_outcomes(passed=4)
    first.stdout.fnmatch_lines(["*ANSWER the secret answer*"])  # the live answer is untouched
    hooked = (pytester.path / "recordings" / "test_rec" / "test_hooks").glob("*.yaml")
    text = next(hooked).read_text()
    assert "[scrubbed]" in text and "secret answer" not in text and "user_id: recorded" in text
    assert not list((pytester.path / "recordings" / "test_rec" / "test_dropped").glob("*.yaml"))

    replay = pytester.runpytest("-s", "-k", "test_hooks")
    replay.stdout.fnmatch_lines(["*ANSWER the [[]scrubbed] answer*"])  # the recording was changed

    forwarded = len(mockclaude_server.journal.messages())
    rewritten = pytester.runpytest("-s", "-k", "test_hooks", "--mockclaude-record-mode=rewrite")
    rewritten.assert_outcomes(passed=1)
    assert len(mockclaude_server.journal.messages()) == forwarded + 1  # forwarded again, not replayed
    assert len(list((pytester.path / "recordings" / "test_rec" / "test_hooks").glob("*.yaml"))) == 1
