"""The load kit's client speaks a cloud platform's wire format (``--platform vertex|foundry``): the run's
Messages requests reach the mock's Vertex AI and Foundry routes, streamed and not, and succeed."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.load.loadrun import lines, run_locust, summary
from tests.support.server import start_server, stop_server

ROUTES = {
    "vertex": ("/v1/projects/load-test/locations/us-east5/publishers/anthropic/models/", ":streamRawPredict"),
    "foundry": ("/anthropic/v1/messages", "/anthropic/v1/messages"),
}


@pytest.mark.parametrize("platform", sorted(ROUTES))
def test_a_run_on_a_platform_route(platform: str, tmp_path: Path) -> None:
    server = start_server(tmp_path, "--latency", "instant")
    try:
        out = tmp_path / "out"
        done = run_locust(
            out,
            server.base_url,
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "3s",
            "--platform",
            platform,
            "ChatUser",
            "StreamingChatUser",
        )
        journal = httpx2.get(server.base_url + "/_mock/journal", timeout=30).json()["data"]
    finally:
        stop_server(server)
    assert done.returncode == 0, done.stderr[-2000:]
    s = summary(out)
    assert s["requests"]["total"] > 0 and s["requests"]["ok"] == s["requests"]["total"]
    records = lines(out / "requests.jsonl")
    assert records and all(r["cost_usd"] > 0 for r in records)  # first-party model names: priced as usual
    messages = [e for e in journal if e["method"] == "POST"]
    assert messages and all(e["platform"] == platform and e["status"] == 200 for e in messages)
    prefix, streamed = ROUTES[platform]
    assert all(e["path"].startswith(prefix) for e in messages)
    assert any(e["stream"] and e["path"].endswith(streamed) for e in messages)
    assert any(not e["stream"] for e in messages)
