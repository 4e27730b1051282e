"""Bedrock's Converse API for Anthropic models, translated to and from the Messages shapes.

``POST /model/{modelId}/converse`` and ``/converse-stream`` take Converse's own request (``messages`` of
content blocks keyed by kind, ``system``, ``inferenceConfig``, ``toolConfig``,
``additionalModelRequestFields``) and answer with its own shapes (``output.message``, ``stopReason``,
``usage`` in camelCase, ``metrics``). :func:`to_messages` turns the request into a Messages body for the
one pipeline; :func:`from_message` and :func:`stream_events` turn the pipeline's Message (or its stream
events) back. Field names: botocore's ``bedrock-runtime`` service model.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockclaude.errors import ApiError
from mockclaude.platforms.bedrock.errors import error

DEFAULT_MAX_TOKENS = (
    4096  # what the mock assumes when inferenceConfig.maxTokens is left out (⚠ not documented)
)
IMAGE_TYPES = {"png", "jpeg", "gif", "webp"}
STOP_REASONS = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "pause_turn": "end_turn",
    "refusal": "content_filtered",
    "model_context_window_exceeded": "model_context_window_exceeded",
}
_INFERENCE = {
    "maxTokens": "max_tokens",
    "temperature": "temperature",
    "topP": "top_p",
    "stopSequences": "stop_sequences",
}


def _invalid(message: str) -> ApiError:
    return error("ValidationException", message)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(f"{where}: expected an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid(f"{where}: expected a list")
    return value


def _one_key(block: Any, where: str) -> tuple[str, Any]:
    """A Converse union: an object with exactly one member set."""
    block = _object(block, where)
    if len(block) != 1:
        raise _invalid(f"{where}: exactly one member must be set, got {sorted(block) or 'none'}")
    kind, value = next(iter(block.items()))
    return str(kind), value


def _blocks(items: list[Any], where: str, convert: Any) -> list[dict[str, Any]]:
    """Converse blocks as Messages blocks; a ``cachePoint`` marks the block before it."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        kind, value = _one_key(item, f"{where}[{i}]")
        if kind == "cachePoint":
            if not out:
                raise _invalid(f"{where}[{i}].cachePoint: a cache point must follow a block")
            out[-1]["cache_control"] = {"type": "ephemeral"}
            continue
        out.append(convert(kind, value, f"{where}[{i}].{kind}"))
    return out


def _source(value: dict[str, Any], where: str) -> str:
    source = _object(value.get("source"), f"{where}.source")
    data = source.get("bytes")
    if not isinstance(data, str):
        raise _invalid(f"{where}.source: only `bytes` sources are served by the mock")
    return data


def _content(kind: str, value: Any, where: str) -> dict[str, Any]:
    value = value if kind == "text" else _object(value, where)
    if kind == "text":
        if not isinstance(value, str):
            raise _invalid(f"{where}: expected a string")
        return {"type": "text", "text": value}
    if kind == "image":
        fmt = value.get("format")
        if fmt not in IMAGE_TYPES:
            raise _invalid(f"{where}.format: expected one of {', '.join(sorted(IMAGE_TYPES))}")
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": f"image/{fmt}", "data": _source(value, where)},
        }
    if kind == "document":
        if value.get("format") != "pdf":
            raise _invalid(f"{where}.format: the mock serves `pdf` documents")
        document: dict[str, Any] = {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": _source(value, where)},
        }
        if isinstance(value.get("name"), str):
            document["title"] = value["name"]
        return document
    if kind == "toolUse":
        return {
            "type": "tool_use",
            "id": value.get("toolUseId"),
            "name": value.get("name"),
            "input": value.get("input"),
        }
    if kind == "toolResult":
        content = _blocks(
            _list(value.get("content", []), f"{where}.content"), f"{where}.content", _result_content
        )
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": value.get("toolUseId"),
            "content": content,
        }
        if value.get("status") == "error":
            block["is_error"] = True
        return block
    if kind == "reasoningContent":
        if "redactedContent" in value:
            return {"type": "redacted_thinking", "data": value["redactedContent"]}
        text = _object(value.get("reasoningText"), f"{where}.reasoningText")
        return {"type": "thinking", "thinking": text.get("text"), "signature": text.get("signature", "")}
    raise _invalid(f"{where}: the mock does not serve `{kind}` blocks")


def _result_content(kind: str, value: Any, where: str) -> dict[str, Any]:
    if kind == "json":
        return {"type": "text", "text": orjson.dumps(value).decode()}
    if kind in ("text", "image", "document"):
        return _content(kind, value, where)
    raise _invalid(f"{where}: the mock does not serve `{kind}` tool results")


def _system(kind: str, value: Any, where: str) -> dict[str, Any]:
    if kind != "text" or not isinstance(value, str):
        raise _invalid(f"{where}: system blocks are `text` (or `cachePoint`)")
    return {"type": "text", "text": value}


def _tool(kind: str, value: Any, where: str) -> dict[str, Any]:
    if kind != "toolSpec":
        raise _invalid(f"{where}: tools are `toolSpec` (or `cachePoint`)")
    spec = _object(value, where)
    schema = _object(spec.get("inputSchema"), f"{where}.inputSchema")
    tool = {"name": spec.get("name"), "input_schema": schema.get("json")}
    if "description" in spec:
        tool["description"] = spec["description"]
    return tool


def _tool_choice(value: Any) -> dict[str, Any]:
    kind, choice = _one_key(value, "toolConfig.toolChoice")
    if kind == "tool":
        return {"type": "tool", "name": _object(choice, "toolConfig.toolChoice.tool").get("name")}
    if kind in ("auto", "any"):
        return {"type": kind}
    raise _invalid(f"toolConfig.toolChoice: unknown member `{kind}`")


def to_messages(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A Converse request as a Messages body (without ``model``), and the betas it names."""
    out: dict[str, Any] = {}
    messages = []
    for i, message in enumerate(_list(body.get("messages"), "messages")):
        message = _object(message, f"messages[{i}]")
        content = _blocks(
            _list(message.get("content"), f"messages[{i}].content"), f"messages[{i}].content", _content
        )
        if len(content) == 1 and content[0].keys() == {"type", "text"}:
            # One plain text block is the string most clients send first-party: the same request, so the
            # same recording answers it.
            messages.append({"role": message.get("role"), "content": content[0]["text"]})
            continue
        messages.append({"role": message.get("role"), "content": content})
    out["messages"] = messages
    if "system" in body:
        out["system"] = _blocks(_list(body["system"], "system"), "system", _system)
    config = _object(body.get("inferenceConfig", {}), "inferenceConfig")
    out["max_tokens"] = DEFAULT_MAX_TOKENS
    for name, value in config.items():
        if name not in _INFERENCE:
            raise _invalid(f"inferenceConfig.{name}: unknown field")
        out[_INFERENCE[name]] = value
    if "toolConfig" in body:
        tools = _object(body["toolConfig"], "toolConfig")
        out["tools"] = _blocks(_list(tools.get("tools"), "toolConfig.tools"), "toolConfig.tools", _tool)
        if "toolChoice" in tools:
            out["tool_choice"] = _tool_choice(tools["toolChoice"])
    extra = dict(_object(body.get("additionalModelRequestFields", {}), "additionalModelRequestFields"))
    for owned in ("model", "stream"):
        if owned in extra:
            raise _invalid(f"additionalModelRequestFields.{owned}: set by the route, not in the request")
    betas = extra.pop("anthropic_beta", [])
    out.update(extra)
    return out, [str(b) for b in betas] if isinstance(betas, list) else []


def _block(block: dict[str, Any]) -> dict[str, Any] | None:
    kind = block.get("type")
    if kind == "text":
        return {"text": block["text"]}
    if kind == "tool_use":
        return {"toolUse": {"toolUseId": block["id"], "name": block["name"], "input": block["input"]}}
    if kind == "thinking":
        return {
            "reasoningContent": {
                "reasoningText": {"text": block["thinking"], "signature": block["signature"]}
            }
        }
    if kind == "redacted_thinking":
        return {"reasoningContent": {"redactedContent": block["data"]}}
    return None  # server tools' blocks have no Converse form


def usage(usage: dict[str, Any]) -> dict[str, int]:
    """The Messages usage as Converse's TokenUsage."""
    read = usage.get("cache_read_input_tokens") or 0
    write = usage.get("cache_creation_input_tokens") or 0
    counted = {"inputTokens": usage.get("input_tokens") or 0, "outputTokens": usage.get("output_tokens") or 0}
    return {
        **counted,
        "totalTokens": sum(counted.values()) + read + write,
        "cacheReadInputTokens": read,
        "cacheWriteInputTokens": write,
    }


def from_message(message: dict[str, Any], latency_ms: int) -> dict[str, Any]:
    """The pipeline's Message as Converse's answer."""
    content = [b for b in map(_block, message.get("content") or []) if b is not None]
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": STOP_REASONS.get(message.get("stop_reason") or "end_turn", "end_turn"),
        "usage": usage(message.get("usage") or {}),
        "metrics": {"latencyMs": latency_ms},
    }


def stream_events(data: dict[str, Any], state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The Converse stream events (type, payload) for one Messages stream event. ``state`` carries the
    usage of ``message_start`` to the closing ``metadata`` event, and its ``latency_ms``."""
    kind = data.get("type")
    if kind == "message_start":
        state["usage"] = dict(data["message"].get("usage") or {})
        return [("messageStart", {"role": "assistant"})]
    if kind == "content_block_start":
        block = data["content_block"]
        if block.get("type") == "tool_use":
            start = {"toolUse": {"toolUseId": block["id"], "name": block["name"]}}
            return [("contentBlockStart", {"contentBlockIndex": data["index"], "start": start})]
        return []
    if kind == "content_block_delta":
        delta = _delta(data["delta"])
        return (
            []
            if delta is None
            else [("contentBlockDelta", {"contentBlockIndex": data["index"], "delta": delta})]
        )
    if kind == "content_block_stop":
        return [("contentBlockStop", {"contentBlockIndex": data["index"]})]
    if kind == "message_delta":
        state.setdefault("usage", {}).update(
            {k: v for k, v in (data.get("usage") or {}).items() if v is not None}
        )
        reason = data["delta"].get("stop_reason") or "end_turn"
        return [("messageStop", {"stopReason": STOP_REASONS.get(reason, "end_turn")})]
    if kind == "message_stop":
        metadata = {
            "usage": usage(state.get("usage") or {}),
            "metrics": {"latencyMs": state.get("latency_ms", 0)},
        }
        return [("metadata", metadata)]
    return []  # ping


def _delta(delta: dict[str, Any]) -> dict[str, Any] | None:
    kind = delta.get("type")
    if kind == "text_delta":
        return {"text": delta["text"]}
    if kind == "input_json_delta":
        return {"toolUse": {"input": delta["partial_json"]}}
    if kind == "thinking_delta":
        return {"reasoningContent": {"text": delta["thinking"]}}
    if kind == "signature_delta":
        return {"reasoningContent": {"signature": delta["signature"]}}
    return None
