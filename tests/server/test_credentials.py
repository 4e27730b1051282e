"""Credentials outside the recordings (issue 15, defect 5): the journal and the access log redact what
looks like a credential, by name and by value shape; record mode redacts key-shaped strings in bodies
by default, and a recording's file name never carries one."""

from __future__ import annotations

from pathlib import Path

import anthropic
import httpx2

from tests.support.server import PROBE_HEADERS, start_server, stop_server

KEY = "sk-ant-api03-PromptLeak-0123456789abcdefABCDEF"
TOKEN = "Zq8xW2mN4vB7kL1pR5tY9uE3iO6aS0dF"  # no telltale prefix: random by its shape
HEADERS = {
    "x-custom-token": "sk-ant-api03-CustomHeader-0123456789abcdef",  # by name and by shape
    "x-session-id": "plain-session-value",  # by name only
    "x-trace": TOKEN,  # by shape only
    "x-harmless": "hello world",
}


def test_journal_and_access_log_redact_credentials(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--latency", "instant", "--access-log")
    try:
        query = f"?key={KEY}&api_token=plain&page=2&cursor={TOKEN}"
        answer = httpx2.get(
            server.base_url + "/v1/models" + query, headers={**PROBE_HEADERS, **HEADERS}, timeout=30
        )
        assert answer.status_code == 200
        journal = httpx2.get(server.base_url + "/_mock/journal?path=/v1/models", timeout=30).json()
    finally:
        stop_server(server)
    kept = journal["data"][-1]["request"]["headers"]
    assert (
        kept["x-custom-token"] == kept["x-session-id"] == kept["x-trace"] == kept["x-api-key"] == "<redacted>"
    )
    assert kept["x-harmless"] == "hello world"
    log = server.log.read_text()
    assert "GET /v1/models?" in log  # the access log did write the request
    for secret in (KEY, TOKEN, "api_token=plain"):
        assert secret not in log
    assert "page=2" in log


def test_record_mode_redacts_keys_in_bodies_and_file_names(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    upstream = start_server(tmp_path, "--latency", "instant")
    recorder = start_server(
        tmp_path,
        "--record-mode",
        "new_episodes",
        "--upstream",
        upstream.base_url,
        "--recordings",
        str(recordings),
    )
    ask = {
        "model": "claude-haiku-4-5",
        "max_tokens": 40,
        "messages": [{"role": "user", "content": f"{KEY} is my key, keep it safe"}],
    }
    try:
        client = anthropic.Anthropic(
            base_url=recorder.base_url, api_key="sk-ant-api03-Recorder-0123456789", max_retries=0
        )
        live = client.messages.create(**ask)
    finally:
        stop_server(recorder)
        stop_server(upstream)
    (written,) = list(recordings.glob("*.yaml"))
    assert "promptleak" not in written.name.lower() and "sk-ant" not in written.name
    text = written.read_text()
    assert KEY not in text and "PromptLeak" not in text
    assert "<redacted:secret:" in text
    replay = start_server(tmp_path, "--record-mode", "none", "--recordings", str(recordings))
    try:
        again = anthropic.Anthropic(base_url=replay.base_url, api_key="sk-ant-test", max_retries=0)
        assert again.messages.create(**ask).id == live.id  # the redacted recording still matches
    finally:
        stop_server(replay)
