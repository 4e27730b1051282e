"""The official TypeScript SDK (``@anthropic-ai/sdk`` from npm) against a live mock: create and stream.

``make ts-sdk`` (run by ``make test``) installs the SDK into ``MOCKCLAUDE_TS_SDK_DIR`` (default
``~/.cache/mockclaude/ts-sdk``); without node, or when npm could not install it, the test is skipped
with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anthropic

from tests.support.node import SDK_DIR, run_script

SCRIPT = Path(__file__).with_name("ts_sdk_smoke.cjs")


def test_typescript_sdk_create_and_stream(mockclaude_server: Any) -> None:
    result = run_script(SCRIPT, mockclaude_server.base_url)

    created = anthropic.types.Message.model_validate(result["created"])
    assert created.content[0].text == "Hello! It's nice to meet you. How can I help you today?"  # type: ignore[union-attr]
    assert result["streamed"] == result["final"]["content"][0]["text"] == created.content[0].text  # type: ignore[union-attr]
    assert result["events"][0] == "message_start" and result["events"][-1] == "message_stop"
    assert "content_block_delta" in result["events"]
    assert result["error"] == {"name": "NotFoundError", "status": 404, "message": "model: claude-nonexistent"}

    entries = mockclaude_server.journal.entries("/v1/messages")
    assert [e["stream"] for e in entries] == [False, True, False]
    user_agent = entries[0]["request"]["headers"]["user-agent"]
    assert user_agent.startswith("Anthropic/JS "), user_agent


def test_the_typescript_sdk_is_pinned_exactly() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    pin = next(line for line in makefile.splitlines() if line.startswith("TS_SDK "))
    assert re.fullmatch(r"TS_SDK\s+\?= @anthropic-ai/sdk@\d+\.\d+\.\d+", pin), pin  # a version, not a range
    install = next(line for line in makefile.splitlines() if "npm install" in line)
    assert "--save-exact" in install
    manifest = SDK_DIR / "package.json"
    if manifest.exists():  # what `make ts-sdk` wrote records the exact version too
        wanted = json.loads(manifest.read_text()).get("dependencies", {}).get("@anthropic-ai/sdk", "")
        assert not wanted or wanted == pin.rsplit("@", 1)[1], wanted
