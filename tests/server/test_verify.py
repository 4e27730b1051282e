"""``mockclaude verify`` accepts the shipped recordings and refuses credentials, bad format and bad bodies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "mocks" / "content" / "recordings" / "seed"


def run_verify(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockclaude", "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_shipped_recordings_verify() -> None:
    done = run_verify()
    assert done.returncode == 0, done.stdout
    assert "0 problem(s)" in done.stderr


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda t: t.replace(
                "anthropic-version: '2023-06-01'", "x-api-key: sk-ant-api03-leaked0123456789"
            ),
            "API key",
        ),
        (lambda t: t + "authorization: Bearer abcdefghijklmnopqrstuvwxyz\n", "bearer token"),
        (lambda t: t.replace("format: mockclaude-recording/1", "format: v0"), "format"),
        (lambda t: t.replace("max_tokens: 1024", "max_tokens: lots"), "request.body: max_tokens"),
        (lambda t: t.replace("role: assistant", "role: robot"), "not a valid Message"),
        (lambda t: t.replace("request:", "request: [", 1), "not valid YAML"),
    ],
    ids=["api-key", "bearer", "format", "request-body", "answer", "yaml"],
)
def test_verify_refuses(tmp_path: Path, edit, problem: str) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "hello.yaml"
    bad.write_text(edit((SEED / "hello.yaml").read_text()))
    done = run_verify(bad)
    assert done.returncode == 1
    assert problem in done.stdout and str(bad) in done.stdout
