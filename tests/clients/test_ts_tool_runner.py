"""The TypeScript SDK's beta tool runner (``client.beta.messages.toolRunner``) with one tool, against a mock.

The runner keeps the conversation in a server-side message thread: its first request says
``thread: {type: "create"}``, the next one ``{type: "continue", previous_message_id}`` with only the tool's
result, so the mock must hold the thread. Uses the SDK that ``make ts-sdk`` installs (skipped, saying why,
without node or that install), like ``tests/plugin/test_plugin_typescript.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.node import run_script

SCRIPT = Path(__file__).with_name("ts_tool_runner.cjs")


def test_tool_runner_completes_a_threaded_tool_loop(mockclaude_server: Any) -> None:
    result = run_script(SCRIPT, mockclaude_server.base_url)
    assert result["calls"] == [{"city": "Paris"}]  # the tool ran once, with the input the mock chose
    first, last = result["turns"][0], result["turns"][-1]
    assert first["stop_reason"] == "tool_use" and last["stop_reason"] == "end_turn"
    assert "Sunny, 21°C in Paris" in last["content"][0]["text"]  # the answer saw the tool's result

    entries = mockclaude_server.journal.entries("/v1/messages")
    assert [e["status"] for e in entries] == [200, 200]
    threads = [e["request"]["body"]["thread"] for e in entries]
    assert threads == [{"type": "create"}, {"type": "continue", "previous_message_id": first["id"]}]
    assert len(entries[1]["request"]["body"]["messages"]) == 1  # only the new turn: the mock held the rest
