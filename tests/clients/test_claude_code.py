"""The Claude Code CLI (npm ``@anthropic-ai/claude-code``, pinned in the Makefile) against a real mock.

``make claude-code`` (run once by ``make test``) installs it into ``MOCKCLAUDE_CLAUDE_CODE_DIR`` (default
``~/.cache/mockclaude/claude-code``); when npm or its registry could not install it, these tests are
skipped with that reason. The CLI runs unchanged, with all its betas: only its base URL, a key, a
temporary HOME and the switches for telemetry, error reports and auto-updates are set.

A rule file scripts the answers: the synthesizer would call Claude Code's many tools on its own (it
offers ~10 tools, some of which spawn sub-agents), so plain prompts get a plain text answer, and the
tool-loop prompt gets a ``Bash`` call that writes a file, then a final answer.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from tests.support.server import Server, start_server, stop_server

CLI_DIR = Path(
    os.environ.get("MOCKCLAUDE_CLAUDE_CODE_DIR", Path.home() / ".cache" / "mockclaude" / "claude-code")
)
HELLO = "Hello from the mock, as scripted."
DONE = "I wrote the marker file."
BASH_CALL = {"command": "printf 'written by Bash' > marker.txt", "description": "Write the marker file"}
RULES = {
    "rules": [
        {
            "name": "claude-code-tool-loop",
            "when": {"tools": ["Bash"], "last_user": {"contains": "write the marker file"}},
            "answers": [
                # Claude Code asks for adaptive thinking: the turn that calls a tool starts with a thinking
                # block, which the CLI sends back with the tool's result (the API refuses the next turn
                # without it).
                {
                    "thinking": "The user wants a marker file; one Bash command writes it.",
                    "text": "I'll write it with Bash.",
                    "tool_use": [{"name": "Bash", "input": BASH_CALL}],
                },
                {"text": DONE},
            ],
        },
        {"name": "claude-code-plain", "when": {"last_user": {"matches": "(?s)."}}, "answer": {"text": HELLO}},
    ]
}


def claude_binary() -> Path:
    binary = CLI_DIR / "node_modules" / ".bin" / "claude"
    if not binary.exists():
        pytest.skip(
            f"@anthropic-ai/claude-code is not installed in {CLI_DIR}: run `make claude-code` (needs npm and its registry)"
        )
    return binary


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    claude_binary()
    tmp = tmp_path_factory.mktemp("claude-code-mock")
    (tmp / "rules").mkdir()
    (tmp / "rules" / "claude-code.yaml").write_text(yaml.safe_dump(RULES))
    server = start_server(tmp, "--latency", "instant", "--rules", str(tmp / "rules"))
    yield server
    stop_server(server)


def run_claude(server: Server, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = workdir.parent / f"{workdir.name}-home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": server.base_url,
        "ANTHROPIC_API_KEY": "sk-ant-mock-claude-code",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }
    return subprocess.run(
        [str(claude_binary()), *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


def journal(server: Server) -> list[dict[str, Any]]:
    """What the CLI sent since the journal was last emptied (oldest first)."""
    entries = httpx2.get(server.base_url + "/_mock/journal", timeout=30).json()["data"]
    return [e for e in entries if e["path"].startswith("/v1/")]


def empty_journal(server: Server) -> None:
    httpx2.delete(server.base_url + "/_mock/journal", timeout=30).raise_for_status()


def assert_clean(entries: list[dict[str, Any]]) -> None:
    assert entries, "Claude Code sent nothing to the mock"
    errors = [(e["method"], e["path"], e["status"]) for e in entries if e["status"] >= 400]
    assert not errors, errors
    betas = entries[-1]["request"]["headers"].get("anthropic-beta", "")
    assert "claude-code-20250219" in betas  # its betas stayed on


def test_print_json(mock: Server, tmp_path: Path) -> None:
    empty_journal(mock)
    done = run_claude(mock, tmp_path, "-p", "say hello", "--output-format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["type"] == "result" and result["is_error"] is False, result
    assert result["result"] == HELLO
    assert_clean(journal(mock))


def test_stream_json(mock: Server, tmp_path: Path) -> None:
    empty_journal(mock)
    done = run_claude(mock, tmp_path, "-p", "say hello", "--output-format", "stream-json", "--verbose")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert lines[0]["type"] == "system" and lines[-1]["type"] == "result"
    assert lines[-1]["result"] == HELLO and lines[-1]["is_error"] is False
    said = [
        block["text"]
        for line in lines
        if line["type"] == "assistant"
        for block in line["message"]["content"]
        if block["type"] == "text"
    ]
    assert HELLO in said
    assert_clean(journal(mock))


def test_bash_tool_loop_writes_a_file(mock: Server, tmp_path: Path) -> None:
    empty_journal(mock)
    prompt = "Please write the marker file in this folder."
    done = run_claude(mock, tmp_path, "-p", prompt, "--output-format", "json", "--allowedTools", "Bash")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "marker.txt").read_text() == "written by Bash"
    result = json.loads(done.stdout)
    assert result["result"] == DONE and result["is_error"] is False, result
    entries = journal(mock)
    assert_clean(entries)
    # The second turn carried the tool's result back: the loop went through the mock twice.
    loop = [
        e
        for e in entries
        if e["request"]["body"]["messages"][0]["role"] == "user" and e["request"]["body"].get("tools")
    ]
    assert any(
        block.get("type") == "tool_result"
        for e in loop
        for m in e["request"]["body"]["messages"]
        if m["role"] == "user" and isinstance(m["content"], list)
        for block in m["content"]
    )
