"""Every content block type of the request side is accepted, counted by the one estimator, and
count_tokens agrees with usage.input_tokens."""

from __future__ import annotations

import base64
from typing import Any

import anthropic

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 3000).decode()
PDF = base64.b64encode(b"%PDF-1.4\n" + b"x" * 6000).decode()

HISTORY: list[dict[str, Any]] = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "Look at these."},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
                "title": "Spec",
            },
            {
                "type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": "Plain text doc."},
            },
            {
                "type": "search_result",
                "source": "https://example.com/a",
                "title": "A result",
                "content": [{"type": "text", "text": "Result body."}],
            },
        ],
    },
    {
        "role": "assistant",
        "content": [
            {"type": "redacted_thinking", "data": "ZW5jcnlwdGVkLXRoaW5raW5n"},
            {"type": "text", "text": "Let me search."},
            {
                "type": "server_tool_use",
                "id": "srvtoolu_01A",
                "name": "web_search",
                "input": {"query": "cats"},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_01A",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://example.com/c",
                        "title": "Cats",
                        "encrypted_content": "abc",
                        "page_age": None,
                    }
                ],
            },
            {"type": "tool_use", "id": "toolu_01B", "name": "lookup", "input": {"q": "cats"}},
        ],
    },
    {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "toolu_01B",
                "content": [{"type": "text", "text": "Cats are great."}],
            },
            {"type": "text", "text": "Summarize all of it."},
        ],
    },
]
TOOLS: list[dict[str, Any]] = [
    {
        "name": "lookup",
        "description": "Look something up",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
]


def test_every_block_type_accepted_and_counted(client: anthropic.Anthropic) -> None:
    ask: dict[str, Any] = {
        "model": "claude-haiku-4-5",
        "system": "Be brief.",
        "tools": TOOLS,
        "messages": HISTORY,
    }
    counted = client.messages.count_tokens(**ask).input_tokens
    message = client.messages.create(max_tokens=200, **ask)
    assert message.usage.input_tokens == counted
    text_only = client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "Summarize all of it."}]
    ).input_tokens
    assert counted > text_only + 85 + 250  # images and the PDF count at least their floors
    assert "Cats are great." in message.content[0].text  # the final answer refers to the tool result
