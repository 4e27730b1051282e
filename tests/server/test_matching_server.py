"""A miss in replay-only mode names the closest recordings and the fields that differ; a recording set
can choose its matcher; recorded streams can replay instantly."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import anthropic
import pytest

from tests.support.server import start_server, stop_server

SEED = Path(__file__).resolve().parents[2] / "mocks" / "content" / "recordings" / "seed"
HELLO = [{"role": "user", "content": "Hello, Claude"}]


def test_miss_names_closest_recordings(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, "--record-mode", "none", "--recordings", str(SEED), "--latency", "instant"
    )
    try:
        client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
        assert client.messages.create(model="claude-haiku-4-5", max_tokens=1024, messages=HELLO).content
        with pytest.raises(anthropic.BadRequestError) as miss:
            client.messages.create(model="claude-haiku-4-5", max_tokens=999, messages=HELLO)
        message = miss.value.body["error"]["message"]
        assert message.startswith("mockclaude: no recording matches POST /v1/messages")
        assert "hello.yaml (differs in: max_tokens)" in message
        assert "hello.yaml (differs in: max_tokens)" in server.log.read_text()  # logged the same
    finally:
        stop_server(server)


def test_recording_set_chooses_its_matcher(tmp_path: Path) -> None:
    recordings = tmp_path / "set"
    shutil.copytree(SEED, recordings)
    (recordings / "recording-set.yaml").write_text("matcher: last_user_message\n")
    server = start_server(
        tmp_path, "--record-mode", "none", "--recordings", str(recordings), "--latency", "instant"
    )
    try:
        client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
        answer = client.messages.create(
            model="claude-haiku-4-5", max_tokens=64, system="Be nice.", messages=HELLO
        )
        assert answer.id == "msg_01SeedHello0000000000001"
    finally:
        stop_server(server)


def test_replay_timing_instant(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--replay-timing", "instant")
    try:
        client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
        started = time.perf_counter()
        with client.messages.stream(
            model="claude-haiku-4-5",
            max_tokens=1024,
            messages=[
                {"role": "user", "content": "Tell me a short story about a robot who learns to paint."}
            ],
        ) as stream:
            final = stream.get_final_message()
        assert final.id == "msg_01SeedStream000000000001"
        assert time.perf_counter() - started < 0.5  # recorded, it takes about 1.5 s
    finally:
        stop_server(server)
