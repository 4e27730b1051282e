"""Running a Node.js script of the official TypeScript SDK against a mock (tests skip with the reason when
node or the SDK is missing). ``make ts-sdk`` (run by ``make test``) installs the SDK into
``MOCKCLAUDE_TS_SDK_DIR`` (default ``~/.cache/mockclaude/ts-sdk``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SDK_DIR = Path(os.environ.get("MOCKCLAUDE_TS_SDK_DIR", Path.home() / ".cache" / "mockclaude" / "ts-sdk"))


def node_modules() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the TypeScript SDK tests need node (>= 18)")
    modules = SDK_DIR / "node_modules"
    if not (modules / "@anthropic-ai" / "sdk" / "package.json").exists():
        pytest.skip(
            f"@anthropic-ai/sdk is not installed in {SDK_DIR}: run `make ts-sdk` (needs npm and its registry)"
        )
    return modules


def run_script(script: Path, base_url: str) -> Any:
    """Run ``node script base_url`` with the SDK on NODE_PATH (bounded: 120 s); its stdout parsed as JSON."""
    modules = node_modules()
    done = subprocess.run(
        ["node", str(script), base_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)
