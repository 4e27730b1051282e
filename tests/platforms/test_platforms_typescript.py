"""The TypeScript platform clients (``@anthropic-ai/vertex-sdk``, ``@anthropic-ai/foundry-sdk`` from npm) against a
live mock: create, stream, an error, count tokens on Vertex.

``make ts-platforms`` (run by ``make test``) installs them beside the SDK in ``MOCKCLAUDE_TS_SDK_DIR``; without
node, or when npm could not install them, the test is skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import pytest

from tests.support.node import node_modules, run_script

SCRIPT = Path(__file__).with_name("ts_platforms_smoke.cjs")


def test_typescript_vertex_and_foundry_clients(mockclaude_server: Any) -> None:
    for package in ("vertex-sdk", "foundry-sdk"):
        if not (node_modules() / "@anthropic-ai" / package / "package.json").exists():
            pytest.skip(
                f"@anthropic-ai/{package} is not installed: run `make ts-platforms` (needs npm and its registry)"
            )
    result = run_script(SCRIPT, mockclaude_server.base_url)

    for name in ("vertex", "foundry"):
        run = result[name]
        created = anthropic.types.Message.model_validate(run["created"])
        # the shipped first-party recording hello.yaml answers both platforms
        assert created.content[0].text == "Hello! It's nice to meet you. How can I help you today?"  # type: ignore[union-attr]
        assert run["streamed"] == run["final"]["content"][0]["text"] == created.content[0].text  # type: ignore[union-attr]
        assert run["events"][0] == "message_start" and run["events"][-1] == "message_stop"
        assert run["error"]["name"] == "NotFoundError" and run["error"]["status"] == 404
    assert result["vertex"]["error"]["body"]["error"]["status"] == "NOT_FOUND"
    assert result["foundry"]["error"]["body"]["error"]["code"] == "DeploymentNotFound"
    assert result["vertex"]["counted"]["input_tokens"] > 0

    entries = mockclaude_server.journal.entries()
    vertex = [e for e in entries if e["platform"] == "vertex"]
    assert [e["path"].rsplit("/", 1)[-1] for e in vertex] == [
        "claude-haiku-4-5:rawPredict",
        "claude-haiku-4-5:streamRawPredict",
        "claude-nonexistent:rawPredict",
        "count-tokens:rawPredict",
    ]
    assert [e["status"] for e in vertex] == [200, 200, 404, 200]
    assert vertex[0]["request"]["headers"]["user-agent"].startswith("AnthropicVertex/JS ")
    foundry = [e for e in entries if e["platform"] == "foundry"]
    assert [(e["path"], e["status"], e["stream"]) for e in foundry] == [
        ("/anthropic/v1/messages", 200, False),
        ("/anthropic/v1/messages", 200, True),
        ("/anthropic/v1/messages", 404, False),
    ]
