"""Record through an upstream (a second mock instance with a realistic latency profile), then replay
offline: same bodies, same events, the recorded timing; credentials never reach a file or a log line;
an interrupted recording leaves no file."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from mockclaude.store.recordings import RecordingStore
from tests.server.test_recordings import assert_replayed_on_time, replay_lags_ms
from tests.support.server import start_server, stop_server

CANARY = "sk-ant-api03-CANARY-never-on-disk-0123456789"
ASKS: list[dict[str, Any]] = [
    {
        "model": "claude-haiku-4-5",
        "max_tokens": 60,
        "messages": [{"role": "user", "content": "Explain what a mutex is"}],
    },
    {
        "model": "claude-haiku-4-5",
        "max_tokens": 300,
        "tools": [
            {
                "name": "get_weather",
                "description": "Get the weather for a city",
                "input_schema": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            }
        ],
        "messages": [{"role": "user", "content": "What's the weather in Lisbon?"}],
    },
]
STREAMED = {
    "model": "claude-haiku-4-5",
    "max_tokens": 80,
    "messages": [{"role": "user", "content": "Describe a sunrise"}],
}


def sdk(base_url: str, key: str = CANARY) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=base_url, api_key=key, _strict_response_validation=True, max_retries=0
    )


def test_record_then_replay_offline(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    upstream = start_server(tmp_path, "--speed", "4")  # Haiku's profile, four times faster
    recorder = start_server(
        tmp_path,
        "--record-mode",
        "new_episodes",
        "--upstream",
        upstream.base_url,
        "--recordings",
        str(recordings),
    )
    try:
        live = [sdk(recorder.base_url).messages.create(**ask) for ask in ASKS]
        with sdk(recorder.base_url).messages.stream(**STREAMED) as stream:
            live_events = [event.model_dump() for event in stream]
        counted = sdk(recorder.base_url).messages.count_tokens(
            model="claude-haiku-4-5", messages=ASKS[0]["messages"]
        )
        with pytest.raises(anthropic.NotFoundError) as upstream_error:  # upstream errors are recorded too
            sdk(recorder.base_url).messages.create(**{**ASKS[0], "model": "claude-retired-9"})
    finally:
        stop_server(recorder)
        stop_server(upstream)
    assert len(RecordingStore(recordings)) == 5
    from mockclaude.config import DEFAULT_SPEC
    from mockclaude.store.verify import verify

    assert verify([recordings], DEFAULT_SPEC) == []  # what the recorder writes passes `mockclaude verify`

    replay = start_server(
        tmp_path, "--record-mode", "none", "--recordings", str(recordings), "--upstream", upstream.base_url
    )
    try:
        client = sdk(replay.base_url, key="sk-ant-other")
        for ask, original in zip(ASKS, live, strict=True):
            assert client.messages.create(**ask).model_dump() == original.model_dump()
        with client.messages.stream(**STREAMED) as stream:
            assert [event.model_dump() for event in stream] == live_events
        assert client.messages.count_tokens(model="claude-haiku-4-5", messages=ASKS[0]["messages"]) == counted
        with pytest.raises(anthropic.NotFoundError) as replayed_error:
            client.messages.create(**{**ASKS[0], "model": "claude-retired-9"})
        assert replayed_error.value.body["error"] == upstream_error.value.body["error"]
        streamed = next(r for r in RecordingStore(recordings).all() if r.is_stream)
        # default latency: recorded offsets are replayed
        assert_replayed_on_time(replay_lags_ms(replay, streamed), streamed)
        with pytest.raises(anthropic.BadRequestError, match="no recording matches"):
            client.messages.create(
                model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "new"}]
            )
    finally:
        stop_server(replay)

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written) and any(p.suffix == ".yaml" for p in written)
    for path in written:
        assert CANARY not in path.read_text(errors="replace"), f"credential found in {path}"


def test_recorded_timing_matches_upstream_profile(tmp_path: Path) -> None:
    """The offsets written are the upstream's: the first delta no earlier than its (2x slower) 600 ms time to
    first token, so neither zero nor the recorder's own 600 ms profile. Only a lower bound: a busy machine
    only adds delay, so this holds whatever the load."""
    recordings = tmp_path / "recordings"
    upstream = start_server(tmp_path, "--speed", "0.5")
    recorder = start_server(
        tmp_path, "--record-mode", "all", "--upstream", upstream.base_url, "--recordings", str(recordings)
    )
    try:
        with sdk(recorder.base_url).messages.stream(**STREAMED) as stream:
            stream.until_done()
    finally:
        stop_server(recorder)
        stop_server(upstream)
    (recording,) = RecordingStore(recordings).all()
    first_delta = next(e.at_ms for e in recording.events if e.event == "content_block_delta")
    assert (
        first_delta > 0.85 * 1200
    )  # the upstream's TTFT less its 15 % jitter; the recorder's is at most 690


def test_kill_during_streamed_recording_leaves_no_file(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    upstream = start_server(tmp_path)  # full Haiku pacing: the stream lasts about two seconds
    recorder = start_server(
        tmp_path, "--record-mode", "all", "--upstream", upstream.base_url, "--recordings", str(recordings)
    )
    received: list[bytes] = []

    def stream() -> None:
        body = {**STREAMED, "stream": True, "max_tokens": 200}
        headers = {"anthropic-version": "2023-06-01", "x-api-key": CANARY}
        try:
            with httpx2.stream(
                "POST", recorder.base_url + "/v1/messages", json=body, headers=headers, timeout=30
            ) as r:
                for chunk in r.iter_bytes():
                    received.append(chunk)
        except httpx2.HTTPError:
            pass

    thread = threading.Thread(target=stream)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while b"content_block_delta" not in b"".join(received) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert b"content_block_delta" in b"".join(received), "the stream never started"
        os.kill(recorder.process.pid, signal.SIGKILL)
        recorder.process.wait(10)
        thread.join(10)
    finally:
        stop_server(upstream)
    assert not recordings.exists() or not any(recordings.iterdir())


def test_redacted_recording_still_matches(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    ask: dict[str, Any] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 60,
        "messages": [
            {
                "role": "user",
                "content": "Email alice.smith@example.com or call +1 (415) 555-0134 about the invoice",
            }
        ],
    }
    upstream = start_server(tmp_path, "--latency", "instant")
    redacting = ("--redact", "email", "--redact", "phone", "--recordings", str(recordings))
    recorder = start_server(
        tmp_path, "--record-mode", "new_episodes", "--upstream", upstream.base_url, *redacting
    )
    try:
        live = sdk(recorder.base_url).messages.create(**ask)
    finally:
        stop_server(recorder)
        stop_server(upstream)
    (written,) = list(recordings.glob("*.yaml"))
    text = written.read_text()
    assert "alice.smith@example.com" not in text and "+1 (415) 555-0134" not in text
    assert "<redacted:email:" in text and "<redacted:phone:" in text
    replay = start_server(tmp_path, "--record-mode", "none", *redacting)
    try:
        again = sdk(replay.base_url).messages.create(**ask)
    finally:
        stop_server(replay)
    assert again.id == live.id
