"""An older SDK generation (0.x, sends ``x-api-key`` and ``anthropic-version: 2023-06-01``) passes the smoke checks.

``make test`` installs it in its own venv and passes its interpreter as ``OLD_SDK_PYTHON``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.server import Server

SCRIPT = Path(__file__).with_name("old_sdk_smoke.py")


def test_old_sdk_smoke(mock_server: Server) -> None:
    python = os.environ.get("OLD_SDK_PYTHON")
    if not python or not Path(python).exists():
        pytest.skip(
            "OLD_SDK_PYTHON is not set: run through `make test`, which installs the 0.x SDK in .venv-old-sdk"
        )
    done = subprocess.run(
        [python, str(SCRIPT), mock_server.base_url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("sdk 0.")
    for check in ("create", "stream", "tool_use", "count_tokens", "models", "errors", "retries"):
        assert f"ok {check}" in done.stdout
