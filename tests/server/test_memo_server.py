"""The answer memo through the real server: an identical request is answered from memory; one evicted
from it is answered afresh, with the same content."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import raw_post, start_server, stop_server


def ask(text: str) -> dict[str, object]:
    return {"model": "claude-haiku-4-5", "max_tokens": 20, "messages": [{"role": "user", "content": text}]}


def test_evicted_answers_are_answered_afresh_alike(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--latency", "instant", "--answer-cache-size", "1")
    try:
        first = raw_post(server, "/v1/messages", ask("zero"))
        again = raw_post(server, "/v1/messages", ask("zero"))  # from memory: the very same answer
        raw_post(server, "/v1/messages", ask("one"))  # evicts "zero" (one entry kept)
        afresh = raw_post(server, "/v1/messages", ask("zero"))
    finally:
        stop_server(server)
    assert first.status_code == again.status_code == afresh.status_code == 200
    assert again.content == first.content
    assert afresh.json()["content"] == first.json()["content"]
    assert afresh.json()["content"]
