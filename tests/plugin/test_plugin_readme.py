"""The README's usage sections are run: the pytest example in a sample project, the `responses`
example, the examples' commands, and every `curl` command against a live mock."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anthropic
import pytest

from tests.support.readme_blocks import block, blocks, followed_by

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_quick_start_python_streams_from_the_mock(
    mockclaude_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    exec(compile(block("python", "Explain TCP slow start"), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    entry = mockclaude_server.journal.last()
    assert entry["status"] == 200 and entry["stream"]
    assert entry["request"]["body"]["messages"][0]["content"] == "Explain TCP slow start"
    assert printed.strip() and "slow start" in printed.lower()


def test_pytest_section_runs_as_a_test_file(pytester: pytest.Pytester) -> None:
    code = block("python", "# test_support_bot.py")
    pytester.makepyfile(test_support_bot=code)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", code, flags=re.M)))


def test_responses_section(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(block("python", "add_mockclaude(rsps) as mock"), "README.md", "exec"), {})
    text, events = capsys.readouterr().out.splitlines()
    assert text.startswith("17 * 23 = 391.")
    assert events == "b'event: message_start' b'event: message_stop'"


def test_examples_section_lists_every_example_with_what_it_prints(
    mockclaude_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = block("sh", "python examples/hello_world.py")
    listed = re.findall(r"^python examples/(\S+\.py)\s+# (.*)$", commands, flags=re.M)
    assert sorted(name for name, _ in listed) == sorted(p.name for p in EXAMPLES.glob("*.py"))
    said = dict(listed)["hello_world.py"]
    runpy.run_path(str(EXAMPLES / "hello_world.py"), run_name="__main__")
    assert capsys.readouterr().out.strip() == said


def curl_commands() -> list[tuple[str, str | None]]:
    """Every `curl` command of the README's sh blocks (with the block's `export` lines), and the
    output the README shows for it (a json block right after a block with one command)."""
    commands = []
    for code in blocks("sh"):
        lines = code.replace("\\\n", " ").splitlines()
        exports = [line for line in lines if line.startswith("export ")]
        curls = [line for line in lines if line.startswith("curl ")]
        shown = followed_by(code, "json") if len(curls) == 1 else None
        commands += [("\n".join([*exports, line]), shown) for line in curls]
    return commands


CURLS = curl_commands()


def test_readme_has_curl_commands() -> None:
    assert len(CURLS) >= 3


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(("command", "documented"), CURLS, ids=[f"curl-{i}" for i in range(len(CURLS))])
def test_curl_command_works_against_the_mock(
    command: str, documented: str | None, mockclaude_server: Any
) -> None:
    port = mockclaude_server.base_url.rsplit(":", 1)[1]
    script = re.sub(r"(127\.0\.0\.1|localhost):4010", f"127.0.0.1:{port}", command)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer.get("type") != "error", answer
    if answer.get("type") == "message":
        message = anthropic.types.Message.model_validate(answer)
        assert mockclaude_server.journal.last(None)["status"] == 200  # /v1/messages or a platform route
        if documented is not None:  # the output shown in the README is what the mock answers
            shown = json.loads(documented)
            for key in ("model", "content", "stop_reason", "usage"):
                assert answer[key] == shown[key], key
            assert message.id.startswith("msg_")
