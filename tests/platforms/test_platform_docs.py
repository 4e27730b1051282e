"""The Vertex AI and Foundry how-to pages' examples, run as written against a live mock (the port replaced)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.readme_blocks import block


def _run(marker: str, server: Any) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    code = re.sub(r"127\.0\.0\.1:4010", f"127.0.0.1:{port}", block("python", marker))
    exec(compile(code, marker, "exec"), {})


def test_the_vertex_page_example(mockclaude_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _run("from anthropic import AnthropicVertex", mockclaude_server)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] and int(lines[-1]) > 0  # the answer, the story, the token count
    entries = mockclaude_server.journal.entries()
    assert [e["path"].rsplit("/", 1)[-1] for e in entries] == [
        "claude-haiku-4-5@20251001:rawPredict",
        "claude-haiku-4-5@20251001:streamRawPredict",
        "count-tokens:rawPredict",
    ]
    assert all(e["status"] == 200 and e["platform"] == "vertex" for e in entries)


def test_the_foundry_page_example(mockclaude_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _run("from anthropic import AnthropicFoundry", mockclaude_server)
    printed = capsys.readouterr().out
    assert "input_tokens=" in printed
    entries = mockclaude_server.journal.entries()
    assert [(e["path"], e["stream"], e["status"]) for e in entries] == [
        ("/anthropic/v1/messages", False, 200),
        ("/anthropic/v1/messages", True, 200),
        ("/anthropic/v1/messages/count_tokens", False, 200),
    ]


def test_the_vertex_page_pytest_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_vertex_example=block("python", "def test_my_code(mockclaude_vertex_client"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
