"""Every endpoint recorded and replayed: a message, count_tokens, models, and batches (create, each poll with
its state, results, cancel, delete) against a second mock as the upstream; replayed with the upstream stopped,
the batch going through its recorded states on the recorded schedule (scaled by ``speed``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from mockclaude.config import MockConfig
from mockclaude.testing.mock import MockClaude

ASK = {"model": "claude-haiku-4-5", "max_tokens": 64}
REQUESTS = [
    {"custom_id": "a", "params": {**ASK, "messages": [{"role": "user", "content": "Hello"}]}},
    {"custom_id": "b", "params": {**ASK, "messages": [{"role": "user", "content": "17 * 23?"}]}},
]


def session(client: Any) -> dict[str, Any]:
    """What a user's app does: a message, a token count, the models, a batch polled to its end and its
    results, a second batch cancelled, the first deleted. Returns what it saw."""
    seen: dict[str, Any] = {"states": []}
    hello = [{"role": "user", "content": "Hello there"}]
    seen["text"] = client.messages.create(**ASK, messages=hello).content[0].text
    seen["tokens"] = client.messages.count_tokens(model=ASK["model"], messages=hello).input_tokens
    seen["models"] = [m.id for m in client.models.list(limit=5).data]
    batch = client.messages.batches.create(requests=REQUESTS)
    seen["id"] = batch.id
    deadline = time.monotonic() + 60
    while batch.processing_status != "ended":
        assert time.monotonic() < deadline, "the batch did not end in 60 s"
        time.sleep(0.2)
        batch = client.messages.batches.retrieve(batch.id)
        seen["states"].append(batch.processing_status)
    seen["counts"] = batch.request_counts.succeeded
    seen["results"] = {
        r.custom_id: r.result.message.content[0].text for r in client.messages.batches.results(batch.id)
    }
    other = client.messages.batches.create(requests=REQUESTS[:1])
    seen["cancel"] = client.messages.batches.cancel(other.id).processing_status
    seen["deleted"] = client.messages.batches.delete(batch.id).type
    return seen


def test_record_a_batch_and_a_message_then_replay_with_the_upstream_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-recording-key")  # recording forwards a real key
    cassette = tmp_path / "cassette"
    with MockClaude(MockConfig(latency="instant", batch_processing_s=1.5)) as upstream:
        server = upstream.serve()
        recorder = MockConfig(
            latency="instant", recordings_dir=cassette, record_mode="once", upstream=server.base_url
        )
        with MockClaude(recorder) as mock:
            recorded = session(mock.client())
        forwarded = {(e["method"], e["path"].split("/")[-1]) for e in server.journal.entries()}
    assert recorded["states"][-1] == "ended" and "in_progress" in recorded["states"]
    assert recorded["counts"] == 2 and recorded["cancel"] in ("canceling", "ended")
    assert ("POST", "count_tokens") in forwarded and ("GET", "results") in forwarded  # all went upstream
    files = sorted(p.name for p in cassette.glob("*.yaml"))
    assert any("results" in name for name in files) and any(name.startswith("models") for name in files)

    # The upstream is stopped: everything is answered from the cassette, on the recorded schedule.
    with MockClaude(
        MockConfig(latency="instant", recordings_dir=cassette, record_mode="none", speed=2)
    ) as mock:
        replayed = session(mock.client())
        origins = {(e["path"], (e["origin"] or "").split(":")[0]) for e in mock.journal.entries(path=None)}
    assert {origin for _, origin in origins} == {"recording"}, origins
    assert {k: v for k, v in replayed.items() if k != "states"} == {
        k: v for k, v in recorded.items() if k != "states"
    }
    assert replayed["states"][-1] == "ended" and replayed["states"][0] == "in_progress", replayed["states"]
    assert set(replayed["states"]) <= set(recorded["states"])  # the recorded states, in the recorded order
    assert replayed["states"] == sorted(replayed["states"], key=recorded["states"].index)
