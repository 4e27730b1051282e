"""The one token estimator: used for usage.input_tokens, count_tokens, output_tokens and caching.

Rule (documented in the README):
- text: one token per word piece, where a word piece is a run of up to 4 letters/digits, or one
  punctuation or symbol character (regex ``[^\\W_]{1,4}|[^\\w\\s]|_``). English prose comes out near
  the usual 1 token per 0.75 word;
- each message adds 3 tokens of framing, the request adds 5, each tool adds 10 plus its name,
  description and JSON-encoded input schema;
- an image costs 1,600 tokens when it is a URL or a file id, otherwise 1 per 750 base64 bytes
  (at least 85); a base64 PDF costs 1 per 300 base64 bytes (at least 250); other blocks are counted
  from their JSON text.
The real tokenizers differ (and differ by model); this estimator is deterministic and consistent, which
is what tests need: the same request always counts the same, in every endpoint.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PIECE = re.compile(r"[^\W_]{1,4}|[^\w\s]|_")

REQUEST_OVERHEAD = 5
MESSAGE_OVERHEAD = 3
TOOL_OVERHEAD = 10


def text_tokens(text: str) -> int:
    return len(_PIECE.findall(text))


def split_pieces(text: str) -> list[str]:
    """Split text into token-sized pieces that join back to the exact text (whitespace kept)."""
    pieces: list[str] = []
    pos = 0
    for m in _PIECE.finditer(text):
        pieces.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        if pieces:
            pieces[-1] += text[pos:]
        else:
            pieces.append(text[pos:])
    return pieces


def block_tokens(block: Any) -> int:
    """Tokens of one content block (request side)."""
    if isinstance(block, str):
        return text_tokens(block)
    if not isinstance(block, dict):
        return 0
    kind = block.get("type")
    if kind == "text":
        return text_tokens(block.get("text", ""))
    if kind == "image":
        return _media_tokens(block.get("source") or {}, per_bytes=750, floor=85, flat=1600)
    if kind == "document":
        source = block.get("source") or {}
        if source.get("type") == "text":
            return text_tokens(str(source.get("data", "")))
        if source.get("type") == "content":
            content = source.get("content")
            return sum(block_tokens(b) for b in (content if isinstance(content, list) else [content]))
        return _media_tokens(source, per_bytes=300, floor=250, flat=1500)
    if kind == "thinking":
        return text_tokens(block.get("thinking", ""))
    if kind == "redacted_thinking":
        return max(1, len(block.get("data", "")) // 16)
    if kind == "compaction":  # beta: the summary the block carries
        return text_tokens(block.get("content") or "")
    if kind in ("tool_result", "mcp_tool_result"):
        content = block.get("content")
        inner = text_tokens(content) if isinstance(content, str) else sum(map(block_tokens, content or []))
        return 4 + inner
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        return 4 + text_tokens(str(block.get("name", ""))) + text_tokens(json_text(block.get("input", {})))
    clean = {k: v for k, v in block.items() if k != "cache_control"}
    return text_tokens(json_text(clean))


def json_text(value: Any) -> str:
    """``json.dumps(value, sort_keys=True)``; past the depth the C encoder can recurse to, the same text
    written by a loop over a stack (a body nested 1,000 deep counts, it does not crash)."""
    try:
        return json.dumps(value, sort_keys=True)
    except RecursionError:
        pass
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, dict):
            keys = sorted(item)
            parts: list[Any] = [_Raw("{")]
            for n, key in enumerate(keys):
                parts += [_Raw((", " if n else "") + json.dumps(str(key)) + ": "), item[key]]
            stack.extend(reversed([*parts, _Raw("}")]))
        elif isinstance(item, list):
            parts = [_Raw("[")]
            for n, element in enumerate(item):
                parts += [_Raw(", ")] if n else []
                parts.append(element)
            stack.extend(reversed([*parts, _Raw("]")]))
        else:
            out.append(json.dumps(item))
    return "".join(out)


class _Raw:
    """Text :func:`json_text` writes as it stands (punctuation and keys between the values)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _media_tokens(source: dict[str, Any], per_bytes: int, floor: int, flat: int) -> int:
    data = source.get("data")
    if source.get("type") == "base64" and isinstance(data, str):
        return max(floor, len(data) // per_bytes)
    return flat


def tool_tokens(tool: dict[str, Any]) -> int:
    clean = {k: v for k, v in tool.items() if k not in ("cache_control", "name", "description")}
    return (
        TOOL_OVERHEAD
        + text_tokens(str(tool.get("name", "")))
        + text_tokens(str(tool.get("description", "")))
        + text_tokens(json_text(clean))
    )


def content_blocks(content: Any) -> list[Any]:
    """A message's or system prompt's content as a list of blocks (a string is one text block)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content or [])


def prompt_segments(body: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
    """The prompt in cache render order (tools, system, messages): each block with its token count.

    Framing overheads are folded into the first block of each message so the sum is the total.
    """
    segments: list[tuple[dict[str, Any], int]] = []
    for tool in body.get("tools") or []:
        segments.append((tool, tool_tokens(tool)))
    for block in content_blocks(body.get("system")):
        segments.append((block, block_tokens(block)))
    for message in body.get("messages") or []:
        blocks = content_blocks(message.get("content"))
        if not blocks:
            segments.append(({"type": "_empty"}, MESSAGE_OVERHEAD))
            continue
        for i, block in enumerate(blocks):
            segments.append((block, block_tokens(block) + (MESSAGE_OVERHEAD if i == 0 else 0)))
    return segments


def input_tokens(body: dict[str, Any]) -> int:
    """Total prompt tokens of a create or count_tokens request."""
    return REQUEST_OVERHEAD + sum(n for _, n in prompt_segments(body))
