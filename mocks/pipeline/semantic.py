"""Validation beyond the schema: the API's semantic rules, with its exact message texts (facts §2, §5.4).

Each rule is a small function ``(body, model) -> ApiError | None``; :func:`check` runs them in order
and raises the first error. The schema checks (types, ranges, extra fields) come from the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockclaude.errors import ApiError, invalid
from mockclaude.pipeline import output_schemas
from mockclaude.protocol.catalog import ModelSpec
from mockclaude.protocol.tokens import content_blocks, input_tokens

Rule = Callable[[dict[str, Any], ModelSpec], ApiError | None]

THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


def max_tokens_cap(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    value = body.get("max_tokens")
    if isinstance(value, int) and value > model.max_tokens:
        return invalid(
            f"max_tokens: {value} > {model.max_tokens}, which is the maximum allowed number of output tokens for {model.id}"
        )
    return None


def non_empty_content(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        content = message.get("content")
        if content in ("", []):
            if message.get("role") == "user":
                return invalid(f"messages.{i}: user messages must have non-empty content")
            if i != len(messages) - 1:
                return invalid(
                    f"messages.{i}: all messages must have non-empty content except for the optional final assistant message"
                )
    for where, blocks in _text_sources(body):
        for block in blocks:
            if isinstance(block, dict) and block.get("type") == "text":
                text = block.get("text", "")
                if text == "":
                    return invalid(f"{where}: text content blocks must be non-empty")
                if not text.strip():
                    return invalid(f"{where}: text content blocks must contain non-whitespace text")
    return None


def _text_sources(body: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    sources: list[tuple[str, list[Any]]] = []
    if body.get("system") not in (None, ""):
        sources.append(("system", content_blocks(body["system"])))
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        content = message.get("content")
        final_assistant = i == len(messages) - 1 and message.get("role") == "assistant"
        if isinstance(content, str) and content and not final_assistant:
            sources.append(("messages", [{"type": "text", "text": content}]))
        elif isinstance(content, list):
            sources.append(("messages", content))
    return sources


def tool_pairing(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    messages = body.get("messages") or []
    previous_ids: list[str] = []
    for i, message in enumerate(messages):
        blocks = content_blocks(message.get("content"))
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        for k, block in enumerate(blocks):
            if (
                isinstance(block, dict)
                and block.get("type") == "tool_result"
                and block.get("tool_use_id") not in previous_ids
            ):
                return invalid(
                    f"messages.{i}.content.{k}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message."
                )
        if previous_ids and i > 0:
            answered = {b.get("tool_use_id") for b in results}
            missing = [t for t in previous_ids if t not in answered]
            if missing:
                return invalid(
                    f"messages.{i - 1}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                    f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block "
                    "in the next message."
                )
        previous_ids = (
            [str(b.get("id")) for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"]
            if message.get("role") == "assistant"
            else []
        )
    return None


def thinking_rules(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    thinking = body.get("thinking") or {}
    kind = thinking.get("type")
    if kind == "enabled" and not model.feature("thinking_enabled"):
        return invalid(
            '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
            '"output_config.effort" to control thinking behavior.'
        )
    if kind not in ("enabled", "adaptive"):
        return None
    budget = thinking.get("budget_tokens")
    if kind == "enabled" and isinstance(budget, int) and budget >= int(body.get("max_tokens", 0)):
        return invalid(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
            f"{THINKING_DOCS}#max-tokens-and-context-window-size"
        )
    if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
        return invalid("Thinking may not be enabled when tool_choice forces tool use.")
    if body.get("temperature") not in (None, 1, 1.0):
        return invalid(
            "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
            "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking"
        )
    messages = body.get("messages") or []
    ends_with_results = (
        len(messages) >= 2
        and messages[-1].get("role") == "user"
        and any(
            isinstance(b, dict) and b.get("type") == "tool_result"
            for b in content_blocks(messages[-1].get("content"))
        )
    )
    if not ends_with_results or kind == "adaptive":
        # Under adaptive thinking the model may skip thinking (documented), so the API takes back a tool
        # call made without a thinking block; under manual thinking every answer starts with one.
        return None
    i = len(messages) - 2
    first = (content_blocks(messages[i].get("content")) or [{}])[0]
    found = first.get("type") if isinstance(first, dict) else "text"
    if found not in ("thinking", "redacted_thinking"):
        return invalid(
            f"messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. "
            "When `thinking` is enabled, a final `assistant` message must start with a thinking block "
            "(preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include "
            "thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please "
            f"consult our documentation at {THINKING_DOCS}"
        )
    return None


def cache_breakpoints(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    count = sum(1 for t in body.get("tools") or [] if t.get("cache_control"))
    count += sum(
        1 for b in content_blocks(body.get("system")) if isinstance(b, dict) and b.get("cache_control")
    )
    for message in body.get("messages") or []:
        count += sum(
            1
            for b in content_blocks(message.get("content"))
            if isinstance(b, dict) and b.get("cache_control")
        )
    if count > 4:
        return invalid(f"A maximum of 4 blocks with cache_control may be provided. Found {count}.")
    return None


def sampling(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    if model.feature("sampling_locked") and body.get("temperature") not in (None, 1, 1.0):
        return invalid("`temperature` is deprecated for this model.")
    if (
        model.feature("temperature_xor_top_p")
        and body.get("temperature") is not None
        and body.get("top_p") is not None
    ):
        return invalid(
            "`temperature` and `top_p` cannot both be specified for this model. Please use only one."
        )
    return None


def prefill(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "assistant" and not model.feature("prefill"):
        return invalid(
            "This model does not support assistant message prefill. The conversation must end with a user message."
        )
    return None


def context_window(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    total = input_tokens(body)
    if total > model.max_input_tokens:
        return invalid(f"prompt is too long: {total} tokens > {model.max_input_tokens} maximum")
    return None


def structured_output_schemas(body: dict[str, Any], model: ModelSpec) -> ApiError | None:
    """Schemas structured outputs cannot follow (``output_config.format``, ``output_format``, strict tools)."""
    return output_schemas.refusal(body)


CREATE_RULES: tuple[Rule, ...] = (
    max_tokens_cap,
    non_empty_content,
    tool_pairing,
    thinking_rules,
    cache_breakpoints,
    sampling,
    prefill,
    context_window,
    structured_output_schemas,
)
COUNT_RULES: tuple[Rule, ...] = (non_empty_content, tool_pairing, cache_breakpoints, context_window)


# -- version rules: what an ``anthropic-version`` removed (facts §8.2) -------------------------------------

SAMPLING_FIELDS = ("temperature", "top_p", "top_k")
# Bytes a body must contain for a 2026-10-21 rule to apply: bodies without any are not parsed for them.
VERSION_MARKERS = (*(f'"{name}"'.encode() for name in SAMPLING_FIELDS), b'"document"', b'"citations"')


def removed_in_2026_10_21(body: dict[str, Any]) -> ApiError | None:
    """Under ``anthropic-version: 2026-10-21`` the API refuses the sampling parameters (even at their
    defaults), a ``document`` block directly in an assistant message, and non-empty ``citations`` on a
    user text block (facts §8.2, the API's migration page). Under ``2023-06-01`` all are accepted."""
    for name in SAMPLING_FIELDS:
        if name in body:
            # ⚠ the text is from third-party reports of the live 400 (facts §8.2), not an official page.
            return invalid(f"{name}: Extra inputs are not permitted")
    messages = body.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, dict):
            continue
        role, content = message.get("role"), message.get("content")
        for k, block in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(block, dict):
                continue
            if role == "assistant" and block.get("type") == "document":
                # ⚠ not verified: the migration page names the refusal, not its text; written in the API's style.
                return invalid(
                    f"messages.{i}.content.{k}: `document` blocks are not permitted in `assistant` messages"
                )
            if role == "user" and block.get("type") == "text" and block.get("citations"):
                # ⚠ not verified, as above.
                return invalid(
                    f"messages.{i}.content.{k}.citations: citations are not permitted on `text` blocks "
                    "in `user` messages"
                )
    return None


VERSION_RULES: dict[str, Callable[[dict[str, Any]], ApiError | None]] = {
    "2026-10-21": removed_in_2026_10_21,
}


def check_version(body: Any, version: str) -> None:
    """Raise the API's 400 for what ``version`` removed (nothing for versions without rules, or a body
    that is not an object: the schema judges that)."""
    rule = VERSION_RULES.get(version)
    if rule is not None and isinstance(body, dict):
        error = rule(body)
        if error is not None:
            raise error


def check(body: dict[str, Any], model: ModelSpec, rules: tuple[Rule, ...]) -> None:
    for rule in rules:
        error = rule(body, model)
        if error is not None:
            raise error
