"""Synthesis: a deterministic answer that honours the request the way the model would.

Seeded from the conversation (model, system, messages, tools, tool_choice, thinking), so the same
request gets the same answer, and the same conversation with another ``max_tokens``,
``stop_sequences`` or ``stream`` gets the same text, cut where those say.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from mockclaude.protocol.ids import seeded_id
from mockclaude.protocol.tokens import content_blocks, split_pieces, text_tokens
from mockclaude.sources.synthesis import writer
from mockclaude.sources.synthesis.intent import choose_tools, user_words
from mockclaude.sources.synthesis.structured import json_answer, output_schema
from mockclaude.sources.synthesis.values import build_input

_SEED_KEYS = ("model", "system", "messages", "tools", "tool_choice", "thinking", "output_config")


def conversation_seed(body: dict[str, Any]) -> bytes:
    subset = {k: body.get(k) for k in _SEED_KEYS}
    if body.get("output_format") is not None:  # the beta's form of output_config.format
        subset["output_format"] = body["output_format"]
    return hashlib.blake2b(orjson.dumps(subset, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def _text_of(content: Any) -> str:
    parts = []
    for block in content_blocks(content):
        if isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "\n".join(parts)


def _last_user(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in reversed(messages) if m.get("role") == "user"), None)


def tool_results(messages: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """(tool name, result text, is_error) for the tool_result blocks of the final user turn."""
    if not messages or messages[-1].get("role") != "user":
        return []
    names: dict[str, str] = {}
    for message in messages:
        for block in content_blocks(message.get("content")):
            if isinstance(block, dict) and block.get("type") in ("tool_use", "server_tool_use"):
                names[str(block.get("id"))] = str(block.get("name"))
    out = []
    for block in content_blocks(messages[-1].get("content")):
        if isinstance(block, dict) and block.get("type") == "tool_result":
            content = block.get("content")
            text = content if isinstance(content, str) else _text_of(content or [])
            out.append((names.get(str(block.get("tool_use_id")), "tool"), text, bool(block.get("is_error"))))
    return out


def _thinking_on(body: dict[str, Any], always_thinks: bool) -> bool:
    kind = (body.get("thinking") or {}).get("type")
    return kind in ("enabled", "adaptive") or (always_thinks and kind != "disabled")


def synthesize(
    body: dict[str, Any],
    model_id: str,
    input_usage: dict[str, Any],
    *,
    always_thinks: bool = False,
    service_tier: str = "standard",
) -> dict[str, Any]:
    """The complete Message answering ``body`` (already validated)."""
    seed_bytes = conversation_seed(body)
    seed = int.from_bytes(seed_bytes[:4], "big")
    messages: list[dict[str, Any]] = body.get("messages") or []
    user = _last_user(messages)
    # The user's own words, without the blocks a client injects (a turn of only those: all its text).
    user_text = (user_words(user.get("content")) or _text_of(user.get("content"))) if user else ""
    max_tokens = int(body.get("max_tokens", 0))
    budget = max_tokens
    blocks: list[dict[str, Any]] = []
    thinking_tokens = 0
    stop_reason = "end_turn"

    if _thinking_on(body, always_thinks) and budget > 0:
        thought = writer.thinking_text(user_text)
        limit = (body.get("thinking") or {}).get("budget_tokens") or budget
        thought, thinking_tokens = _cut(thought, min(budget, int(limit)))
        omitted = (body.get("thinking") or {}).get("display") == "omitted"
        signature = sign(thought, seed_bytes)
        blocks.append({"type": "thinking", "thinking": "" if omitted else thought, "signature": signature})
        budget -= thinking_tokens

    results = tool_results(messages)
    calls = [] if results else choose_tools(body.get("tools") or [], body.get("tool_choice"), user_text)
    forced = (body.get("tool_choice") or {}).get("type") in ("any", "tool")
    schema = output_schema(body)
    if schema is not None and not calls:
        text = json_answer(schema, user_text, seed_bytes)
    elif results:
        text = writer.tool_result_text(results)
    elif calls:
        text = "" if forced else writer.tool_preamble([t["name"] for t in calls])
    else:
        text = writer.answer_text(user_text, seed)

    stop_sequence = None
    if text:
        text, stop_sequence = _apply_stop_sequences(text, body.get("stop_sequences") or [])
        if stop_sequence is not None:
            stop_reason, calls = "stop_sequence", []
        full = text_tokens(text)
        text, used = _cut(text, budget, full)
        if text:
            blocks.append({"type": "text", "text": text, "citations": None})
        if used < full:
            stop_reason, calls = "max_tokens", []
        budget -= used

    for i, tool in enumerate(calls):
        block = {
            "type": "tool_use",
            "id": seeded_id("toolu", seed_bytes, f"tool{i}"),
            "name": tool["name"],
            "input": build_input(
                tool.get("input_schema") or {}, user_text, seed_bytes + tool["name"].encode()
            ),
        }
        cost = tool_use_tokens(block)
        if cost > budget:
            stop_reason = "max_tokens"
            break
        blocks.append(block)
        budget -= cost
        stop_reason = "tool_use"
    if max_tokens == 0:
        stop_reason = "max_tokens"

    output_tokens = max_tokens - budget
    usage = {
        **input_usage,
        "output_tokens": output_tokens,
        "service_tier": service_tier,
        "inference_geo": "global",
    }
    return {
        "id": seeded_id("msg", seed_bytes, orjson.dumps(body.get("max_tokens")).decode()),
        "type": "message",
        "role": "assistant",
        "model": model_id,
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "stop_details": None,
        "usage": usage,
    }


def sign(thought: str, seed: bytes) -> str:
    """A thinking block's signature: opaque, stable for the same thought and request."""
    return base64.b64encode(hashlib.blake2b(thought.encode() + seed, digest_size=48).digest()).decode()


def tool_use_tokens(block: dict[str, Any]) -> int:
    return 4 + text_tokens(block["name"]) + text_tokens(orjson.dumps(block["input"]).decode())


def _cut(text: str, budget: int, total: int | None = None) -> tuple[str, int]:
    """The longest prefix of ``text`` within ``budget`` tokens, and its token count."""
    total = text_tokens(text) if total is None else total
    if total <= budget:
        return text, total
    if budget <= 0:
        return "", 0
    pieces = split_pieces(text)
    kept = "".join(pieces[:budget]).rstrip()
    return kept, text_tokens(kept)


def _apply_stop_sequences(text: str, stop_sequences: list[str]) -> tuple[str, str | None]:
    best: tuple[int, str] | None = None
    for seq in stop_sequences:
        if seq:
            pos = text.find(seq)
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, seq)
    if best is None:
        return text, None
    return text[: best[0]], best[1]
