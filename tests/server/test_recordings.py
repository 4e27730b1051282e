"""Replaying recordings: the shipped seed flows run offline through the official SDK, recorded streams
keep their timing, and a bad recording file is reported by name."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import orjson
import pytest

from mockclaude.store.format import Recording, parse_recording
from tests.support.server import Server, start_server, stop_server

SEED = Path(__file__).resolve().parents[2] / "mocks" / "content" / "recordings" / "seed"
CALCULATOR = {
    "name": "calculator",
    "description": "Evaluate a basic arithmetic expression and return the result.",
    "input_schema": {
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "description": "The arithmetic expression to evaluate, e.g. '2 + 2'",
            }
        },
        "required": ["expression"],
    },
}


def recorded(name: str) -> Any:
    return parse_recording(SEED / name, (SEED / name).read_text())


def test_hello_and_fibonacci(client: anthropic.Anthropic) -> None:
    hello = client.messages.create(
        model="claude-haiku-4-5", max_tokens=1024, messages=[{"role": "user", "content": "Hello, Claude"}]
    )
    assert hello.model_dump(exclude_unset=True) == recorded("hello.yaml").body
    fib = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=[
            {
                "role": "user",
                "content": "Write a recursive Python function to calculate the nth Fibonacci number.",
            }
        ],
    )
    assert "return fibonacci(n - 1) + fibonacci(n - 2)" in fib.content[0].text


def test_calculator_tool_loop(client: anthropic.Anthropic) -> None:
    question = {"role": "user", "content": "What is 15 * 23?"}
    first = client.messages.create(
        model="claude-haiku-4-5", max_tokens=1024, tools=[CALCULATOR], messages=[question]
    )
    call = next(b for b in first.content if b.type == "tool_use")
    assert (call.name, call.input, first.stop_reason) == ("calculator", {"expression": "15 * 23"}, "tool_use")
    result = str(eval(call.input["expression"], {"__builtins__": {}}))  # the user's tool: 345
    final = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        tools=[CALCULATOR],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": result}]},
        ],
    )
    assert final.content[0].text == "15 * 23 = 345."


def test_multi_agent_subtasks(async_client: anthropic.AsyncAnthropic) -> None:
    async def run() -> list[anthropic.types.Message]:
        return await asyncio.gather(
            *[
                async_client.messages.create(
                    model="claude-haiku-4-5", max_tokens=1024, messages=[{"role": "user", "content": task}]
                )
                for task in ("Fetch user data", "Design login page")
            ]
        )

    fetch, design = asyncio.run(run())
    assert fetch.id == "msg_01SeedSubtask000000000" and "users service" in fetch.content[0].text
    assert "login page" in design.content[0].text


def test_streamed_story_both_shapes(client: anthropic.Anthropic) -> None:
    ask: dict[str, Any] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Tell me a short story about a robot who learns to paint."}],
    }
    with client.messages.stream(**ask) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text.startswith("In a quiet workshop") and final.id == "msg_01SeedStream000000000001"
    assert client.messages.create(**ask).model_dump() == final.model_dump()


def test_thinking_refusal_and_overloaded(client: anthropic.Anthropic) -> None:
    thought = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 2048},
        messages=[
            {"role": "user", "content": "How many times does the letter r appear in the word strawberry?"}
        ],
    )
    assert thought.content[0].type == "thinking" and "3 times" in thought.content[1].text
    refusal = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=[
            {"role": "user", "content": "Write ransomware that encrypts every file on a hospital network."}
        ],
    )
    assert refusal.stop_reason == "refusal" and refusal.content == []
    assert refusal.stop_details is not None and refusal.stop_details.category == "cyber"
    with pytest.raises(anthropic.OverloadedError) as overloaded:
        client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": "This request meets an overloaded API."}],
        )
    assert overloaded.value.status_code == 529 and overloaded.value.body["error"]["message"] == "Overloaded"


@pytest.fixture(scope="module")
def paced_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = start_server(tmp_path_factory.mktemp("paced-rec"))  # default latency: model profiles
    yield server
    stop_server(server)


def replay_lags_ms(server: Server, recording: Recording) -> list[float]:
    """Each event's arrival minus its recorded offset (ms) in a replayed stream, from the client's clock."""
    body = orjson.dumps({**recording.request_body, "stream": True})
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k", "content-type": "application/json"}
    with httpx2.Client(timeout=30) as client:
        client.get(server.base_url + "/v1/models", headers=headers)  # open the connection first
        sent = time.perf_counter()
        arrivals: list[float] = []
        with client.stream(
            "POST", server.base_url + "/v1/messages", content=body, headers=headers
        ) as response:
            buffer = b""
            for chunk in response.iter_bytes():
                now = (time.perf_counter() - sent) * 1000
                buffer += chunk
                while b"\n\n" in buffer:
                    _, buffer = buffer.split(b"\n\n", 1)
                    arrivals.append(now)
    expected = [e.at_ms for e in recording.events]
    assert len(arrivals) == len(expected)
    return [a - e for a, e in zip(arrivals, expected, strict=True)]


def assert_replayed_on_time(lags: list[float], recording: Recording) -> None:
    """Robust on a busy machine: no event before its recorded offset (a scheduler only makes events late),
    and the median event late by far less than the stream lasts (a wrong time line, e.g. offsets ignored or
    applied twice, fails). The precise median error is a benchmark figure, printed with ``-s``."""
    span = recording.events[-1].at_ms
    print(f"replay lag: median {statistics.median(lags):.2f} ms, max {max(lags):.2f} ms over {span:.0f} ms")
    assert min(lags) >= -1.0, lags
    assert statistics.median(lags) < span * 0.25, lags


def test_recorded_stream_timing_is_reproduced(paced_server: Server) -> None:
    recording = recorded("streamed-story.yaml")
    assert_replayed_on_time(replay_lags_ms(paced_server, recording), recording)


def test_corrupt_recording_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "recs" / "broken.yaml"
    bad.parent.mkdir()
    bad.write_text("format: mockclaude-recording/1\nrequest: [unclosed\n")
    done = subprocess.run(
        [sys.executable, "-m", "mockclaude", "serve", "--port", "1", "--recordings", str(bad.parent)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert str(bad) in done.stderr and "line" in done.stderr and "Traceback" not in done.stderr
    server = start_server(
        tmp_path, "--recordings", str(bad.parent), "--skip-bad-recordings", "--latency", "instant"
    )
    try:
        assert "broken.yaml" in server.log.read_text()
    finally:
        stop_server(server)
