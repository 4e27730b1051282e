"""Recordings per test, VCR style: the marker's record mode, a cassette per test, the command-line override.

The upstream that gets recorded is another mock on loopback (the ``mockclaude_server`` fixture), so
nothing leaves the machine; its journal shows which requests were forwarded.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockclaude.config import MockConfig
from mockclaude.testing.mock import MockClaude

SAMPLE = """
import os
import pytest

ASK = dict(model="claude-haiku-4-5", max_tokens=100)


@pytest.mark.mockclaude(record_mode="once", upstream=os.environ["UPSTREAM"])
def test_hello(mockclaude_client):
    answer = mockclaude_client.messages.create(**ASK, messages=[{"role": "user", "content": "Record me"}])
    with mockclaude_client.messages.stream(**ASK, messages=[{"role": "user", "content": "Stream me"}]) as stream:
        streamed = stream.get_final_message()
    print("ANSWER", answer.content[0].text, "|", streamed.content[0].text)


@pytest.mark.mockclaude(record_mode="none", upstream=os.environ["UPSTREAM"])
def test_never_recorded(mockclaude_client):
    mockclaude_client.messages.create(**ASK, messages=[{"role": "user", "content": "Nobody recorded this"}])
"""


def answers(result: Any) -> str:
    return next(line.partition("ANSWER ")[2] for line in result.outlines if "ANSWER" in line)


# The upstream answers what a local synthesis never would, so a replayed answer is told apart.
UPSTREAM_RULES = [
    {"name": "upstream", "when": {"last_user": {"contains": "me"}}, "answer": {"text": "from upstream"}}
]


@pytest.mark.mockclaude(rules=UPSTREAM_RULES)
def test_record_once_then_replay_offline(
    pytester: pytest.Pytester, mockclaude_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_vcr=SAMPLE)
    monkeypatch.setenv("UPSTREAM", mockclaude_server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-recording-key")  # recording needs a real key

    first = pytester.runpytest("-s", "-k", "test_hello")
    first.assert_outcomes(passed=1)
    assert answers(first) == "from upstream | from upstream"
    cassette = pytester.path / "recordings" / "test_vcr" / "test_hello"
    assert len(sorted(cassette.glob("*.yaml"))) == 2  # one recording per interaction
    assert len(mockclaude_server.journal.messages()) == 2  # both went to the upstream

    monkeypatch.setenv("UPSTREAM", "http://127.0.0.1:9")  # nothing listens there: replay or fail
    again = pytester.runpytest("-s", "-k", "test_hello")
    again.assert_outcomes(passed=1)
    assert answers(again) == answers(first)
    forced = pytester.runpytest("-s", "-k", "test_hello", "--mockclaude-record-mode=none")
    forced.assert_outcomes(passed=1)
    assert len(mockclaude_server.journal.messages()) == 2  # replayed, not forwarded

    missing = pytester.runpytest("-k", "test_never_recorded")
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(["*mockclaude: no recording matches POST /v1/messages*test_never_recorded*"])

    monkeypatch.setenv("UPSTREAM", mockclaude_server.base_url)
    recorded = pytester.runpytest("-k", "test_never_recorded", "--mockclaude-record-mode=new_episodes")
    recorded.assert_outcomes(passed=1)
    assert len(mockclaude_server.journal.messages()) == 3  # the new episode went upstream
    assert len(list((pytester.path / "recordings" / "test_vcr" / "test_never_recorded").glob("*.yaml"))) == 1
    pytester.runpytest("-k", "test_never_recorded").assert_outcomes(passed=1)  # and replays from now on


def test_bad_record_mode_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mockclaude(record_mode="sometimes")
        def test_it(mockclaude):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*record_mode='sometimes' is not one of none, once, new_episodes, all*"])


NAMES_SAMPLE = """
import os
import pytest

ASK = dict(model="claude-haiku-4-5", max_tokens=50)
pytestmark = pytest.mark.mockclaude(record_mode="once", upstream=os.environ["UPSTREAM"])


class TestAlpha:
    def test_greet(self, mockclaude_client):
        mockclaude_client.messages.create(**ASK, messages=[{"role": "user", "content": "alpha"}])


class TestBeta:
    def test_greet(self, mockclaude_client):
        mockclaude_client.messages.create(**ASK, messages=[{"role": "user", "content": "beta"}])


@pytest.mark.parametrize("q", ["What is 2+2?", "What is 2*2?", "x" * 200])
def test_q(mockclaude_client, q):
    mockclaude_client.messages.create(**ASK, messages=[{"role": "user", "content": q}])


def test_plain(mockclaude_client):
    mockclaude_client.messages.create(**ASK, messages=[{"role": "user", "content": "plain"}])
"""


def test_every_test_gets_its_own_cassette(
    pytester: pytest.Pytester, mockclaude_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_names=NAMES_SAMPLE)
    monkeypatch.setenv("UPSTREAM", mockclaude_server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-recording-key")
    pytester.runpytest().assert_outcomes(passed=6)
    root = pytester.path / "recordings" / "test_names"
    cassettes = sorted(str(p.parent.relative_to(root)) for p in root.rglob("*.yaml"))
    assert len(cassettes) == len(set(cassettes)) == 6, cassettes  # one folder per test, one recording each
    assert "TestAlpha/test_greet" in cassettes and "TestBeta/test_greet" in cassettes
    assert "test_plain" in cassettes  # a name that needs no change keeps it exactly
    hashed = [c for c in cassettes if c.startswith("test_q-")]
    assert len(hashed) == 3 and all(len(c) <= 80 + 9 for c in hashed), hashed
    assert any(c.startswith("test_q-What-is-2-2-") for c in hashed)
    assert len(mockclaude_server.journal.messages()) == 6
    pytester.runpytest("--mockclaude-record-mode=none").assert_outcomes(passed=6)  # each replays its own
    assert len(mockclaude_server.journal.messages()) == 6


KEY_SAMPLE = """
import os
import anthropic
import pytest

ASK = dict(model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": "Record me"}])
pytestmark = pytest.mark.mockclaude(record_mode="once", upstream=os.environ["UPSTREAM"])


def test_in_process(mockclaude_client):
    mockclaude_client.messages.create(**ASK)


def test_live_server(mockclaude_server):
    anthropic.Anthropic(max_retries=0).messages.create(**ASK)
"""


def test_recording_without_a_real_key_is_refused_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The upstream accepts one key only (as `mockclaude --api-key sk-ant-upstream` does).
    with MockClaude(MockConfig(latency="instant", api_keys=("sk-ant-upstream",))) as upstream:
        server = upstream.serve()
        pytester.makepyfile(test_key=KEY_SAMPLE)
        monkeypatch.setenv("UPSTREAM", server.base_url)
        monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
        refused = pytester.runpytest()
        refused.assert_outcomes(failed=2)
        refused.stdout.fnmatch_lines(["*AuthenticationError*needs a real API key*set ANTHROPIC_API_KEY*"] * 2)
        assert list((pytester.path / "recordings").rglob("*.yaml")) == []  # no 401 saved as a cassette
        assert upstream.journal.entries() == []  # the placeholder key never left the machine

        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-upstream")
        pytester.runpytest().assert_outcomes(passed=2)
        assert len(list((pytester.path / "recordings").rglob("*.yaml"))) == 2
        assert [e["status"] for e in upstream.journal.entries()] == [200, 200]
        monkeypatch.delenv("ANTHROPIC_API_KEY")
        pytester.runpytest().assert_outcomes(passed=2)  # replaying needs no key
