"""The ``responses`` route: a raw ``requests`` client answered in-process by the mock's pipeline."""

from __future__ import annotations

import gc
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest
import requests
import responses

from mockclaude.config import MockConfig
from mockclaude.protocol.sse import parse_sse
from mockclaude.testing.mock import MockClaude
from mockclaude.testing.responses_integration import add_mockclaude

URL = "https://api.anthropic.com/v1/messages"
HEADERS = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
SEED = Path(__file__).resolve().parents[2] / "mocks" / "content" / "recordings" / "seed"


def body(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


@pytest.fixture()
def rsps(mockclaude: MockClaude) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        add_mockclaude(mock, mockclaude)
        yield mock


def test_json_answer(rsps: responses.RequestsMock, mockclaude: MockClaude) -> None:
    answer = requests.post(URL, headers=HEADERS, json=body("What is 6 * 7?"), timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["request-id"].startswith("req_")
    message = anthropic.types.Message.model_validate(answer.json())
    assert "42" in message.content[0].text  # type: ignore[union-attr]
    assert mockclaude.journal.messages() == [body("What is 6 * 7?")]


def test_stream_answer_arrives_as_events(rsps: responses.RequestsMock) -> None:
    whole = requests.post(URL, headers=HEADERS, json=body("Tell me about lighthouses"), timeout=10).json()
    streamed = requests.post(
        URL, headers=HEADERS, json=body("Tell me about lighthouses", stream=True), stream=True, timeout=10
    )
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(b"".join(streamed.iter_content(chunk_size=None)))
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    text = "".join(d["delta"]["text"] for n, d in events if n == "content_block_delta")
    assert text == whole["content"][0]["text"]


def test_faults_and_rules_apply(rsps: responses.RequestsMock, mockclaude: MockClaude) -> None:
    failed = requests.post(URL, headers={**HEADERS, "x-mockclaude-fault": "529"}, json=body("hi"), timeout=10)
    assert failed.status_code == 529
    assert failed.json()["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    mockclaude.add_rules(
        [{"name": "canned", "when": {"last_user": {"equals": "hi"}}, "answer": {"text": "canned"}}]
    )
    assert (
        requests.post(URL, headers=HEADERS, json=body("hi"), timeout=10).json()["content"][0]["text"]
        == "canned"
    )
    models = requests.get("https://api.anthropic.com/v1/models", headers=HEADERS, timeout=10)
    assert models.status_code == 200 and models.json()["data"]


def test_recordings_replay_through_requests() -> None:
    config = MockConfig(latency="instant", recordings_dir=SEED, record_mode="none")
    with responses.RequestsMock() as rsps, add_mockclaude(rsps, MockClaude(config)) as mock:
        hello = body("Hello, Claude", max_tokens=1024)
        answer = requests.post(URL, headers=HEADERS, json=hello, timeout=10)
        assert answer.status_code == 200
        missed = requests.post(URL, headers=HEADERS, json=body("never recorded"), timeout=10)
        assert missed.status_code == 400 and "no recording matches" in missed.json()["error"]["message"]
        assert mock.journal.entries()[0]["origin"].startswith("recording")


@responses.activate
def test_the_default_responses_mock() -> None:
    with add_mockclaude() as mock:
        answer = requests.post(URL, headers=HEADERS, json=body("Hello"), timeout=10)
        assert answer.status_code == 200
        assert len(mock.journal) == 1


def test_a_dropped_stream_raises_what_requests_raises_live(rsps: responses.RequestsMock) -> None:
    dropped = {**HEADERS, "x-mockclaude-fault": "drop_after=3"}
    answer = requests.post(
        URL, headers=dropped, json=body("Tell me about lighthouses", stream=True), stream=True
    )
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(answer.iter_lines())


def test_dropped_streams_match_a_live_server(mockclaude_server: Any) -> None:
    """The same fault over a socket: the error ``requests`` gives there is the one asserted above."""
    dropped = {**HEADERS, "x-mockclaude-fault": "drop_after=3"}
    answer = requests.post(
        mockclaude_server.base_url + "/v1/messages",
        headers=dropped,
        json=body("Tell me about lighthouses", stream=True),
        stream=True,
        timeout=10,
    )
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(answer.iter_lines())


def test_requests_timeout_is_honoured(rsps: responses.RequestsMock) -> None:
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            URL, headers={**HEADERS, "x-mockclaude-fault": "delay_ms=2000"}, json=body("hi"), timeout=0.3
        )
    assert time.monotonic() - started < 1.5


def test_a_shared_mock_stays_open_for_its_owner(mockclaude: MockClaude, mockclaude_journal: Any) -> None:
    with responses.RequestsMock() as mock, add_mockclaude(mock, mockclaude) as same:
        assert same is mockclaude
        requests.post(URL, headers=HEADERS, json=body("hi"), timeout=10)
    assert len(mockclaude_journal.messages()) == 1  # the fixture's mock was not closed by add_mockclaude
    assert mockclaude.client().messages.create(**body("again")).content


def test_the_route_is_not_an_unfired_expectation() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        unused = add_mockclaude(rsps)  # registered, never called: the code under test had a cache hit
    unused.close()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        registration = add_mockclaude(rsps)
        rsps.add(responses.GET, "https://example.com/expected", body="ok")
        with pytest.raises(AssertionError, match=r"example\.com/expected"):  # other routes still count
            rsps.stop()
        rsps.reset()
        registration.close()


def _rules_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("mockclaude-rules-*")}


def test_without_with_nothing_is_left_behind() -> None:
    threads = {t.ident for t in threading.enumerate()}
    folders = _rules_folders()
    for _ in range(3):
        with responses.RequestsMock() as rsps:
            add_mockclaude(rsps)
            assert requests.post(URL, headers=HEADERS, json=body("Hello"), timeout=10).status_code == 200
    gc.collect()
    new_threads = [t.name for t in threading.enumerate() if t.ident not in threads]
    assert new_threads.count("mockclaude-app") <= 1  # at most the one shared loop, not one per call
    assert _rules_folders() - folders == set()
