"""Recordings per test, VCR style: the marker's record mode, a cassette per test, the command-line override.

The upstream that gets recorded is another mock on loopback (the ``mockclaude_server`` fixture), so
nothing leaves the machine; its journal shows which requests were forwarded.
"""

from __future__ import annotations

from typing import Any

import pytest

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
