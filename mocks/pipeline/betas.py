"""The beta surface: which requests are beta requests, the schema each meets, and how the mock treats every
beta field (emulated, accepted only, or as on a stable request), for the journal and the docs.

``FIELDS`` is the registry: one row per field path of SDK 2.16's beta message create params (every top-level
field, and the beta-only parts below the fields the stable params share). ``docs/reference/beta.md`` shows
the same table; ``tests/server/test_beta_fields.py`` checks that the two agree and that every field of the
installed SDK has a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from mockclaude.wire.request import Request

Treatment = Literal["emulated", "accepted only", "stable"]


def names_betas(request: Request) -> bool:
    """A beta request, as the API tells them apart: an ``anthropic-beta`` header naming any beta, or
    ``?beta=true`` (the SDKs' beta clients always send it). Such a request is validated against the beta
    schema, which takes every beta field whichever betas are named (what the API does with a beta field
    whose beta is not named is not known: the SDK sends none of them itself). Unknown beta names are
    accepted and ignored."""
    return bool(request.headers.get("anthropic-beta", "").strip(" ,")) or request.query_one("beta") == "true"


# The schema a request meets, stable or beta (generated from the SDK's beta types).
CREATE_SCHEMAS = {False: "MessageCreateParams", True: "BetaMessageCreateParams"}
COUNT_SCHEMAS = {False: "MessageCountTokensParams", True: "BetaMessageCountTokensParams"}
BATCH_SCHEMAS = {False: "MessageBatchCreateParams", True: "BetaMessageBatchCreateParams"}
BATCH_REQUEST_SCHEMAS = {False: "MessageBatchRequest", True: "BetaMessageBatchRequest"}


@dataclass(frozen=True)
class BetaField:
    """One field path and how the mock treats it. A path is dotted keys; ``key[]`` is every item of a list,
    ``key[name]`` the items whose ``type`` (or ``role``) is ``name``."""

    path: str
    treatment: Treatment

    def present(self, body: Any) -> bool:
        return any(True for _ in _walk(body, self.path.split(".")))


def _walk(node: Any, parts: list[str]) -> Iterator[Any]:
    if not parts:
        yield node
        return
    if not isinstance(node, dict):
        return
    key, _, selector = parts[0].partition("[")
    if key not in node or node[key] is None:
        return
    value = node[key]
    if not selector:
        yield from _walk(value, parts[1:])
        return
    wanted = selector.rstrip("]")
    for item in value if isinstance(value, list) else ():
        if not wanted or (isinstance(item, dict) and wanted in (item.get("type"), item.get("role"))):
            yield from _walk(item, parts[1:])


FIELDS: tuple[BetaField, ...] = (
    # The fields the stable params share: as on a stable request.
    *(
        BetaField(name, "stable")
        for name in (
            "model",
            "max_tokens",
            "messages",
            "system",
            "tools",
            "tool_choice",
            "stop_sequences",
            "metadata",
            "cache_control",
            "container",
            "inference_geo",
            "service_tier",
            "speed",
            "output_config",
            "temperature",
            "top_p",
            "top_k",
            "stream",
        )
    ),
    # Beta-only, emulated: the answer shows them.
    BetaField("thinking", "emulated"),
    BetaField("thinking.display", "emulated"),
    BetaField("thread", "emulated"),
    BetaField("context_management", "emulated"),
    BetaField("context_management.edits[clear_tool_uses_20250919]", "emulated"),
    BetaField("context_management.edits[clear_thinking_20251015]", "emulated"),
    BetaField("messages[system]", "emulated"),
    BetaField("tools[].defer_loading", "emulated"),
    BetaField("fallbacks", "emulated"),
    BetaField("context_management.edits[compact_20260112]", "emulated"),
    BetaField("compaction", "emulated"),
    BetaField("mcp_servers", "emulated"),
    # Beta-only, accepted only: validated, then answered as if absent.
    BetaField("fallback_credit_token", "accepted only"),
    BetaField("billing_policy", "accepted only"),
    BetaField("diagnostics", "accepted only"),
    BetaField("output_format", "accepted only"),
    BetaField("output_config.task_budget", "accepted only"),
    BetaField("messages[system].output_config", "accepted only"),
    BetaField("messages[system].clear_at", "accepted only"),
)

NOT_EMULATED = tuple(f for f in FIELDS if f.treatment == "accepted only")


def not_emulated(body: Any) -> list[str]:
    """The accepted-only beta field paths a request carries, for its journal entry."""
    return [f.path for f in NOT_EMULATED if f.present(body)]


def batch_not_emulated(body: Any) -> list[str]:
    """The same for each request of a batch: ``requests[i].params.<path>``."""
    items = body.get("requests") if isinstance(body, dict) else None
    return [
        f"requests[{i}].params.{path}"
        for i, item in enumerate(items if isinstance(items, list) else ())
        if isinstance(item, dict)
        for path in not_emulated(item.get("params"))
    ]
