"""The shipped example ``examples/claude-code-agent/``: the real Claude Code CLI, scripted by the example's
rules, reads a file, edits it, runs it and answers (skipped, with the reason, only when the CLI could not
be installed: see ``test_claude_code.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.test_claude_code import assert_clean, claude_binary, journal, run_claude
from tests.support.server import REPO, Server, start_server, stop_server

EXAMPLE = REPO / "examples" / "claude-code-agent"
PROMPT = "Please fix the greeting in hello.py, then run it."


@pytest.fixture
def agent_mock(tmp_path: Path) -> Iterator[Server]:
    claude_binary()
    server = start_server(tmp_path, "--latency", "instant", "--rules", str(EXAMPLE))
    yield server
    stop_server(server)


def test_the_example_run_reads_edits_runs_and_answers(agent_mock: Server, tmp_path: Path) -> None:
    work = tmp_path / "project"
    work.mkdir()
    (work / "hello.py").write_text("print('Helo, world')\n")
    done = run_claude(
        agent_mock, work, "-p", PROMPT, "--output-format", "json", "--allowedTools", "Read,Edit,Bash"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (work / "hello.py").read_text() == "print('Hello, world')\n"  # Claude Code's Edit tool did it
    result = json.loads(done.stdout)
    assert result["is_error"] is False, result
    assert result["result"] == "Fixed the typo in hello.py. It now prints: Hello, world", result
    entries = journal(agent_mock)
    assert_clean(entries)
    steps = [e["origin"] for e in entries if e["path"] == "/v1/messages"]
    assert steps == ["rule:read-the-file", "rule:edit-the-typo", "rule:run-it", "rule:report-success"]


def test_the_example_branches_when_there_is_nothing_to_fix(agent_mock: Server, tmp_path: Path) -> None:
    work = tmp_path / "project"
    work.mkdir()
    (work / "hello.py").write_text("print('Hello, world')\n")
    done = run_claude(
        agent_mock, work, "-p", PROMPT, "--output-format", "json", "--allowedTools", "Read,Edit,Bash"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["result"] == "hello.py already greets correctly; nothing to fix."
    assert (work / "hello.py").read_text() == "print('Hello, world')\n"
