"""``@anthropic-ai/bedrock-sdk`` (npm) against the mock's Bedrock routes on a live port: create, stream and an
error, with SigV4 and dummy AWS credentials. ``make ts-bedrock-sdk`` (run by ``make test``) installs it next to
the TypeScript SDK; without node or the package the test is skipped with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import pytest

from tests.support.node import node_modules, run_script

SCRIPT = Path(__file__).with_name("ts_bedrock_smoke.cjs")
SEED = "Hello! It's nice to meet you. How can I help you today?"


def test_typescript_bedrock_sdk_create_and_stream(mockclaude_server: Any) -> None:
    if not (node_modules() / "@anthropic-ai" / "bedrock-sdk" / "package.json").exists():
        pytest.skip("@anthropic-ai/bedrock-sdk is not installed: run `make ts-bedrock-sdk` (needs npm)")
    result = run_script(SCRIPT, mockclaude_server.base_url)

    created = anthropic.types.Message.model_validate(result["created"])
    assert created.content[0].text == SEED  # type: ignore[union-attr]
    assert result["streamed"] == result["final"]["content"][0]["text"] == SEED
    assert result["events"][0] == "message_start" and result["events"][-1] == "message_stop"
    assert result["error"] == {
        "name": "BadRequestError",
        "status": 400,
        "message": "The provided model identifier is invalid.",
    }
    entries = mockclaude_server.journal.entries()
    routes = [e["path"].rsplit("/", 1)[1] for e in entries]
    assert routes == ["invoke", "invoke-with-response-stream", "invoke"]
    assert [e["origin"] for e in entries[:2]] == ["recording:hello.yaml"] * 2
    headers = entries[0]["request"]["headers"]
    assert headers["authorization"] == "<redacted>"
    assert headers["user-agent"].startswith("AnthropicBedrock/JS")
