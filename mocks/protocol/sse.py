"""Streams: a Message as the API's SSE event sequence, the reverse accumulation, and the wire encoding.

One stored answer serves both shapes: :func:`message_events` turns a Message into the exact event
grammar of facts §4 (message_start → per block start/deltas/stop → message_delta → message_stop, a ping
after the first block start), and :func:`accumulate` folds events back into the Message, as the SDK does.
Each event carries ``tokens``: how many output tokens it represents, which is what pacing spends time on.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import orjson

from mockclaude.protocol.tokens import split_pieces, text_tokens


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]
    tokens: int = 0


_STREAMED_BLOCKS = ("text", "tool_use", "server_tool_use", "thinking")


def _chunks(pieces: list[str], seed: int) -> list[tuple[str, int]]:
    """Group token pieces into deltas of 1-3 tokens, deterministically: (text, tokens) pairs."""
    out: list[tuple[str, int]] = []
    i, n = 0, 0
    while i < len(pieces):
        group = pieces[i : i + 1 + (seed + n) % 3]
        out.append(("".join(group), len(group)))
        i += len(group)
        n += 1
    return out


def _json_fragments(value: dict[str, Any]) -> list[str]:
    text = json.dumps(value, ensure_ascii=False)
    # Fragments of ~12 characters: every prefix of the concatenation is a valid partial JSON prefix.
    return [""] + [text[i : i + 12] for i in range(0, len(text), 12)]


def _start_block(block: dict[str, Any]) -> dict[str, Any]:
    kind = block["type"]
    if kind == "text":
        start: dict[str, Any] = {"type": "text", "text": ""}
        if block.get("citations") is not None:
            start["citations"] = []
        return start
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        start = {k: v for k, v in block.items() if k != "input"}
        start["input"] = {}
        return start
    if kind == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    if kind == "compaction":  # beta: the summary comes in one delta
        return {**copy.deepcopy(block), "content": None, "encrypted_content": None}
    return copy.deepcopy(block)


def _block_deltas(block: dict[str, Any], seed: int) -> list[tuple[dict[str, Any], int]]:
    kind = block["type"]
    if kind == "text":
        deltas = [
            ({"type": "text_delta", "text": c}, n) for c, n in _chunks(split_pieces(block["text"]), seed)
        ]
        for citation in block.get("citations") or []:
            deltas.append(({"type": "citations_delta", "citation": citation}, 0))
        return deltas
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        return [
            ({"type": "input_json_delta", "partial_json": f}, text_tokens(f))
            for f in _json_fragments(block["input"])
        ]
    if kind == "thinking":
        deltas = [
            ({"type": "thinking_delta", "thinking": c}, n)
            for c, n in _chunks(split_pieces(block["thinking"]), seed)
        ]
        deltas.append(({"type": "signature_delta", "signature": block["signature"]}, 0))
        return deltas
    if kind == "compaction":
        content, encrypted = block.get("content"), block.get("encrypted_content")
        delta = {"type": "compaction_delta", "content": content, "encrypted_content": encrypted}
        return [(delta, text_tokens(content or ""))]
    return []


def message_events(message: dict[str, Any], seed: int = 0) -> list[Event]:
    """The SSE events that stream ``message`` (a complete Message object)."""
    usage = dict(message["usage"])
    start_message = {
        **{
            k: v
            for k, v in message.items()
            if k not in ("content", "stop_reason", "stop_sequence", "stop_details", "context_management")
        },
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "stop_details": None,
        "usage": {**usage, "output_tokens": min(1, usage.get("output_tokens", 0))},
    }
    events = [Event("message_start", {"type": "message_start", "message": start_message})]
    for index, block in enumerate(message["content"]):
        events.append(
            Event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": _start_block(block)},
            )
        )
        if index == 0:
            events.append(Event("ping", {"type": "ping"}))
        for block_delta, tokens in _block_deltas(block, seed + index):
            events.append(
                Event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": block_delta},
                    tokens,
                )
            )
        events.append(Event("content_block_stop", {"type": "content_block_stop", "index": index}))
    final_usage = {
        k: usage[k]
        for k in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
            "iterations",  # beta: fallbacks and compaction report each pass
        )
        if k in usage
    }
    delta: dict[str, Any] = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message.get("stop_sequence"),
    }
    if message.get("stop_details") is not None:
        delta["stop_details"] = message["stop_details"]
    end: dict[str, Any] = {"type": "message_delta", "delta": delta, "usage": final_usage}
    if message.get("context_management") is not None:  # beta: the edits applied, on the last event as the API
        end["context_management"] = message["context_management"]
    events.append(Event("message_delta", end))
    events.append(Event("message_stop", {"type": "message_stop"}))
    return events


def accumulate(events: list[Event] | list[dict[str, Any]]) -> dict[str, Any]:
    """Fold stream events (Event objects or their data dicts) into the Message they describe."""
    message: dict[str, Any] = {}
    partial_json: dict[int, str] = {}
    for item in events:
        data = item.data if isinstance(item, Event) else item
        kind = data.get("type")
        if kind == "message_start":
            message = copy.deepcopy(data["message"])
        elif kind == "content_block_start":
            block = copy.deepcopy(data["content_block"])
            if block.get("type") == "text":
                block.setdefault("citations", None)  # as the SDK's TextBlock model defaults it
            message["content"].append(block)
        elif kind == "content_block_delta":
            block, delta = message["content"][data["index"]], data["delta"]
            dtype = delta["type"]
            if dtype == "text_delta":
                block["text"] += delta["text"]
            elif dtype == "input_json_delta":
                partial_json[data["index"]] = partial_json.get(data["index"], "") + delta["partial_json"]
            elif dtype == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif dtype == "signature_delta":
                block["signature"] = delta["signature"]
            elif dtype == "compaction_delta":
                block.update(content=delta.get("content"), encrypted_content=delta.get("encrypted_content"))
            elif dtype == "citations_delta":
                block.setdefault("citations", [])
                block["citations"] = [*(block["citations"] or []), delta["citation"]]
        elif kind == "content_block_stop":
            raw = partial_json.pop(data["index"], None)
            if raw is not None:
                message["content"][data["index"]]["input"] = json.loads(raw) if raw else {}
        elif kind == "message_delta":
            message.update({k: v for k, v in data["delta"].items()})
            message["usage"].update({k: v for k, v in data["usage"].items() if v is not None})
            if data.get("context_management") is not None:
                message["context_management"] = data["context_management"]
    return message


def encode_event(event: Event) -> bytes:
    return b"event: " + event.name.encode() + b"\ndata: " + orjson.dumps(event.data) + b"\n\n"


def parse_sse(raw: bytes | str) -> list[tuple[str, dict[str, Any]]]:
    """Parse an SSE body into (event name, data) pairs. Used by tests and recordings."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    out: list[tuple[str, dict[str, Any]]] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        name, data_lines = "", []
        for line in chunk.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data_lines.append(line[5:].removeprefix(" "))
        if data_lines:  # an event without data carries nothing (the SDK skips it too)
            out.append((name, json.loads("\n".join(data_lines))))
    return out
