"""docs/how-to/bedrock.md's Python examples run as written against a live mock (its `curl` runs with the
other documented commands in tests/plugin/test_plugin_readme.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.readme_blocks import block


def run(marker: str, server: Any) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    code = re.sub(r"127\.0\.0\.1:4010", f"127.0.0.1:{port}", block("python", marker))
    exec(compile(code, "docs/how-to/bedrock.md", "exec"), {})


def test_anthropic_bedrock_example(mockclaude_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run("Say hello from Bedrock", mockclaude_server)
    hello, counted = capsys.readouterr().out.strip().split("\n", 1)
    assert hello and counted
    entries = mockclaude_server.journal.entries()
    assert [e["path"] for e in entries] == [
        "/model/us.anthropic.claude-haiku-5-5/invoke",
        "/model/global.anthropic.claude-haiku-5-5/invoke-with-response-stream",
    ]
    assert [e["status"] for e in entries] == [200, 200]


def test_haiku_4_5_example(mockclaude_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run("Hello, Haiku 4.5 on Bedrock", mockclaude_server)
    assert capsys.readouterr().out.split() == ["claude-haiku-4-5-20251001", "end_turn"]


def test_boto3_example(mockclaude_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run("Hello through InvokeModel", mockclaude_server)
    out = capsys.readouterr().out
    assert "tool_use get_weather {'city':" in out and "'totalTokens':" in out
    statuses = [(e["path"].rsplit("/", 1)[1], e["status"]) for e in mockclaude_server.journal.entries()]
    assert statuses == [
        ("invoke", 200),
        ("invoke-with-response-stream", 200),
        ("converse", 200),
        ("converse-stream", 200),
    ]
