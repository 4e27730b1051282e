"""The ``responses`` route: a raw ``requests`` client answered in-process by the mock's pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest
import requests
import responses

from mockclaude.config import MockConfig
from mockclaude.responses_integration import add_mockclaude
from mockclaude.sse import parse_sse
from mockclaude.testkit import MockClaude

URL = "https://api.anthropic.com/v1/messages"
HEADERS = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
SEED = Path(__file__).resolve().parents[2] / "mocks" / "recordings" / "seed"


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
