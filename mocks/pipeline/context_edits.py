"""Beta ``context_management`` edits, applied to a request's conversation before it is answered, so the
counted input shrinks as with the API, and reported as the API reports them
(``context_management.applied_edits`` on the Message; ``original_input_tokens`` on a token count).

Emulated: ``clear_tool_uses_20250919`` (once ``trigger`` is passed, the results of the oldest tool uses are
cleared, keeping the newest ``keep`` and any named in ``exclude_tools``; ``clear_tool_inputs`` clears their
inputs too; nothing happens unless at least ``clear_at_least`` tokens go) and ``clear_thinking_20251015``
(thinking blocks of all but the newest ``keep`` assistant turns are removed). Defaults as the API documents
them: trigger 100,000 input tokens, keep 3 tool uses, keep 1 thinking turn. ``compact_20260112`` is
:mod:`mockclaude.pipeline.compaction`'s (it changes the answer, not only the context). Tools with ``defer_loading`` stay out of the
context until a tool search discovers them (:func:`loaded`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mockclaude.protocol.tokens import input_tokens
from mockclaude.sources.base import Answer, MessageAnswer

CLEARED = "[cleared to save context]"
DEFAULT_TRIGGER: dict[str, Any] = {"type": "input_tokens", "value": 100_000}
DEFAULT_KEEP_TOOL_USES = 3
DEFAULT_KEEP_THINKING_TURNS = 1


def _blocks(message: dict[str, Any]) -> list[Any]:
    content = message.get("content")
    return content if isinstance(content, list) else []


def _tool_uses(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        block
        for m in messages
        if m.get("role") == "assistant"
        for block in _blocks(m)
        if isinstance(block, dict) and block.get("type") == "tool_use"
    ]


def _clear_tool_uses(
    body: dict[str, Any], edit: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    messages = body.get("messages") or []
    uses = _tool_uses(messages)
    trigger: dict[str, Any] = edit.get("trigger") or DEFAULT_TRIGGER
    if trigger.get("type") == "tool_uses":
        if len(uses) <= int(trigger.get("value", 0)):
            return body, None
    elif input_tokens(body) <= int(trigger.get("value", 0)):
        return body, None
    keep = int((edit.get("keep") or {}).get("value", DEFAULT_KEEP_TOOL_USES))
    excluded = set(edit.get("exclude_tools") or ())
    cleared = {u.get("id") for u in uses[: max(0, len(uses) - keep)] if u.get("name") not in excluded}
    if not cleared:
        return body, None
    inputs = edit.get("clear_tool_inputs")

    def clear_block(block: Any) -> Any:
        if not isinstance(block, dict):
            return block
        if block.get("type") == "tool_result" and block.get("tool_use_id") in cleared:
            return {**block, "content": CLEARED}
        clears_input = inputs is True or (isinstance(inputs, list) and block.get("name") in inputs)
        if block.get("type") == "tool_use" and block.get("id") in cleared and clears_input:
            return {**block, "input": {}}
        return block

    edited = {
        **body,
        "messages": [
            {**m, "content": [clear_block(b) for b in m["content"]]} if _blocks(m) else m for m in messages
        ],
    }
    saved = max(0, input_tokens(body) - input_tokens(edited))
    least = edit.get("clear_at_least") or {}
    if saved < int(least.get("value", 0)):
        return body, None
    applied = {
        "type": "clear_tool_uses_20250919",
        "cleared_tool_uses": len(cleared),
        "cleared_input_tokens": saved,
    }
    return edited, applied


def _clear_thinking(
    body: dict[str, Any], edit: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    keep = edit.get("keep", {"type": "thinking_turns", "value": DEFAULT_KEEP_THINKING_TURNS})
    if keep == "all" or (isinstance(keep, dict) and keep.get("type") == "all"):
        return body, None
    messages = body.get("messages") or []
    turns = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    kept = set(turns[len(turns) - int(keep.get("value", 0)) :]) if int(keep.get("value", 0)) else set()
    thinking = ("thinking", "redacted_thinking")
    edited_messages, count = [], 0
    for i, m in enumerate(messages):
        blocks = _blocks(m)
        if (
            i in turns
            and i not in kept
            and any(isinstance(b, dict) and b.get("type") in thinking for b in blocks)
        ):
            rest = [b for b in blocks if not (isinstance(b, dict) and b.get("type") in thinking)]
            if rest:  # a turn that was only thinking keeps it (an empty turn is refused)
                edited_messages.append({**m, "content": rest})
                count += 1
                continue
        edited_messages.append(m)
    if not count:
        return body, None
    edited = {**body, "messages": edited_messages}
    saved = max(0, input_tokens(body) - input_tokens(edited))
    return edited, {
        "type": "clear_thinking_20251015",
        "cleared_thinking_turns": count,
        "cleared_input_tokens": saved,
    }


def _referenced(node: Any, names: set[str]) -> set[str]:
    """Tool names a conversation has discovered: every ``tool_reference`` block, however deep (in a client
    ``tool_result`` or a server ``tool_search_tool_result``)."""
    if isinstance(node, list):
        for item in node:
            _referenced(item, names)
    elif isinstance(node, dict):
        if node.get("type") == "tool_reference" and isinstance(node.get("tool_name"), str):
            names.add(node["tool_name"])
        for value in node.values():
            if isinstance(value, dict | list):
                _referenced(value, names)
    return names


def loaded(body: dict[str, Any]) -> dict[str, Any]:
    """What the model sees of the tools (beta ``defer_loading``, tool search): a deferred tool is not in its
    context, so it is neither counted nor called, until a ``tool_reference`` to it appears in the
    conversation (a tool search result). A deferred tool that ``tool_choice`` names stays."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not any(isinstance(t, dict) and t.get("defer_loading") for t in tools):
        return body
    found = _referenced(body.get("messages"), set())
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("name"), str):
        found.add(choice["name"])
    kept = [
        t for t in tools if not (isinstance(t, dict) and t.get("defer_loading")) or t.get("name") in found
    ]
    return {**body, "tools": kept}


EDITS = {"clear_tool_uses_20250919": _clear_tool_uses, "clear_thinking_20251015": _clear_thinking}


def apply(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """The context the model sees: deferred tools left out (:func:`loaded`), then the request's edits; and
    the edits that changed it (``None``: the request asked for no context management)."""
    body = loaded(body)
    management = body.get("context_management")
    if not isinstance(management, dict):
        return body, None
    applied: list[dict[str, Any]] = []
    for edit in management.get("edits") or ():
        run = EDITS.get(str(edit.get("type"))) if isinstance(edit, dict) else None
        if run is None:
            continue
        body, done = run(body, edit)
        if done is not None:
            applied.append(done)
    return body, applied


def reported(answer: Answer, applied: list[dict[str, Any]] | None) -> Answer:
    """The answer with ``context_management.applied_edits`` when the request asked for context management
    (a recorded or scripted stream is served as it is)."""
    if applied is None or not isinstance(answer, MessageAnswer):
        return answer
    message = {**answer.message, "context_management": {"applied_edits": applied}}
    return dataclasses.replace(answer, message=message)
