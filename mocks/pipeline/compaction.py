"""Beta compaction (``compact-2026-01-12``): a conversation summarized into a ``compaction`` block, as the
SDK's types describe it.

- The ``compact_20260112`` context-management edit: once the context the model sees passes ``trigger``
  (default 150,000 input tokens) the answer starts with a ``compaction`` block summarizing it, and the model
  answers from the summary and the last user turn; with ``pause_after_compaction`` the block is the whole
  answer (``stop_reason: "compaction"``).
- The ``compaction`` field (``{"type": "summarize"}``): the whole conversation is summarized and the answer
  is the block alone (``stop_reason: "compaction"``); it cannot be combined with ``context_management``.

``usage.iterations`` has a ``compaction`` entry (the summarizing pass: the tokens it read and wrote) and a
``message`` entry for the answer after it, when there is one; the top-level counts are the ``message``
entry's (a compaction's tokens are not in them, as the SDK documents). A ``compaction`` block sent back in
``messages`` stands for everything before it: :func:`resumed` drops that content (a block with ``content``
null is a failed compaction, a no-op). The summary is the mock's own: the conversation's requests quoted,
the tools it used named.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from mockclaude.errors import ApiError
from mockclaude.protocol.catalog import ModelSpec
from mockclaude.protocol.ids import seeded_id
from mockclaude.protocol.tokens import content_blocks, input_tokens, text_tokens
from mockclaude.sources.base import Answer, MessageAnswer
from mockclaude.sources.synthesis.message import conversation_seed, sign

EDIT = "compact_20260112"
DEFAULT_TRIGGER = 150_000
QUOTED_WORDS = 24
COUNTS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def _is_boundary(block: Any) -> bool:
    return isinstance(block, dict) and block.get("type") == "compaction" and block.get("content") is not None


def resumed(body: dict[str, Any]) -> dict[str, Any]:
    """The conversation from its last ``compaction`` block on: what comes before it is not sent to the model
    (nor counted). The body itself when it carries none."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    for i in range(len(messages) - 1, -1, -1):
        blocks = content_blocks(messages[i].get("content")) if isinstance(messages[i], dict) else []
        at = next((j for j in range(len(blocks) - 1, -1, -1) if _is_boundary(blocks[j])), None)
        if at is not None:
            return {**body, "messages": [{**messages[i], "content": blocks[at:]}, *messages[i + 1 :]]}
    return body


def _words(text: str) -> str:
    words = text.split()
    return " ".join(words[:QUOTED_WORDS]) + (" …" if len(words) > QUOTED_WORDS else "")


def summary(body: dict[str, Any], instructions: str | None = None) -> str:
    """A plausible summary of the conversation: each user request quoted (shortened), the tools used named,
    a summary carried over from an earlier compaction kept."""
    requests, tools, earlier = [], [], []
    for message in body.get("messages") or ():
        for block in content_blocks(message.get("content")) if isinstance(message, dict) else ():
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text" and message.get("role") == "user" and block.get("text", "").strip():
                requests.append(_words(str(block["text"])))
            elif kind in ("tool_use", "server_tool_use", "mcp_tool_use") and block.get("name") not in tools:
                tools.append(str(block.get("name")))
            elif _is_boundary(block):
                earlier.append(str(block["content"]))
    lines = ["Summary of the conversation so far."]
    lines += [f"Earlier: {text}" for text in earlier]
    lines += [f"{n}. The user asked: {text}" for n, text in enumerate(requests, 1)]
    if tools:
        lines.append(f"Tools used: {', '.join(tools)}.")
    if instructions and instructions.strip():
        lines.append(f"(Summarized following the instructions: {_words(instructions)})")
    if requests:
        lines.append(f"Open request: {requests[-1]}")
    return "\n".join(lines)


def _block(body: dict[str, Any], instructions: str | None) -> dict[str, Any]:
    text = summary(body, instructions)
    return {"type": "compaction", "content": text, "signature": sign(text, conversation_seed(body))}


def _iteration(kind: str, input_count: int, output_count: int) -> dict[str, Any]:
    return {
        "type": kind,
        "input_tokens": input_count,
        "output_tokens": output_count,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _alone(body: dict[str, Any], model: ModelSpec, block: dict[str, Any]) -> Answer:
    """The block as the whole answer: nothing is sampled after it."""
    compacting = _iteration("compaction", input_tokens(body), text_tokens(block["content"]))
    message = {
        "id": seeded_id("msg", conversation_seed(body), "compaction"),
        "type": "message",
        "role": "assistant",
        "model": model.id,
        "content": [block],
        "stop_reason": "compaction",
        "stop_sequence": None,
        "stop_details": None,
        "usage": {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "service_tier": "standard",
            "inference_geo": "global",
            "iterations": [compacting],
        },
    }
    return MessageAnswer(message=message)


def _edit(body: dict[str, Any]) -> dict[str, Any] | None:
    management = body.get("context_management")
    edits = management.get("edits") if isinstance(management, dict) else None
    return next((e for e in edits or () if isinstance(e, dict) and e.get("type") == EDIT), None)


def serve(
    body: dict[str, Any], model: ModelSpec, ask: Callable[[dict[str, Any], ModelSpec], Answer]
) -> Answer | None:
    """The answer when this request compacts (``ask`` answers the compacted context), else ``None``.
    ``body`` is the context the model sees (after :func:`resumed` and the other edits)."""
    config = body.get("compaction")
    if isinstance(config, dict):
        if body.get("context_management") is not None:
            raise ApiError(400, "compaction: cannot be combined with context_management", invented=True)
        return _alone(body, model, _block(body, config.get("instructions")))
    edit = _edit(body)
    if edit is None:
        return None
    trigger = edit.get("trigger") or {}
    before = input_tokens(body)
    if before <= int(trigger.get("value") or DEFAULT_TRIGGER):
        return None
    block = _block(body, edit.get("instructions"))
    if edit.get("pause_after_compaction"):
        return _alone(body, model, block)
    messages = body.get("messages") or []
    last = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"), None)
    rest = [{"role": "assistant", "content": [block]}, *([last] if last is not None else [])]
    compacted = {**body, "messages": rest}
    answer = ask(compacted, model)
    if not isinstance(answer, MessageAnswer):
        return answer  # an error, or a recorded stream: served as it is
    served = answer.message
    usage = served.get("usage") or {}
    iterations = [
        _iteration("compaction", before, text_tokens(block["content"])),
        {**_iteration("message", 0, 0), **{k: int(usage.get(k) or 0) for k in COUNTS}},
    ]
    message = {**served, "content": [block, *served["content"]], "usage": {**usage, "iterations": iterations}}
    return dataclasses.replace(answer, message=message)
