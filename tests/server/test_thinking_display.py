"""Beta ``thinking.display`` through the SDK's beta client, strict (each answer also checked against the beta
schemas by the ``client`` fixture's hook): ``omitted`` answers an empty thinking text with a signature, as
the API does; ``summarized`` and ``updates`` show the thinking.
"""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

if tuple(int(p) for p in anthropic.__version__.split(".")[:2]) < (2, 16):
    pytest.skip(f"needs SDK 2.16's beta types; installed {anthropic.__version__}", allow_module_level=True)

from anthropic.types.beta import BetaThinkingBlock

MODEL = "claude-haiku-4-5"
BETAS = ["thinking-display-updates-2026-08-18"]


def params(display: str) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 2048,
        "messages": [{"role": "user", "content": "Why is the sky blue? Think it through."}],
        "thinking": {"type": "enabled", "budget_tokens": 1024, "display": display},
        "betas": BETAS,
    }


@pytest.mark.parametrize("display", ["summarized", "omitted", "updates"])
def test_the_thinking_block_follows_the_display_mode(client: anthropic.Anthropic, display: str) -> None:
    created = client.beta.messages.create(**params(display))
    with client.beta.messages.stream(**params(display)) as stream:
        kinds = [event.type for event in stream]
        streamed = stream.get_final_message()
    for message in (created, streamed):
        block = message.content[0]
        assert isinstance(block, BetaThinkingBlock) and block.signature
        assert (block.thinking == "") is (display == "omitted")
        assert message.content[-1].type == "text"
    assert ("thinking" in kinds) is (display != "omitted")  # no thinking_delta when the text is omitted
    assert "signature" in kinds
