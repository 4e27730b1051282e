"""Beta server-side fallback (``fallbacks``, ``server-side-fallback-2026-07-01``): when the requested model
declines (``stop_reason: "refusal"``, e.g. scripted by a rule), the next entry's model answers in its place,
as the SDK's types describe it: a ``fallback`` block per hop where a model declined (``from``: the model
string the caller sent for the first hop, canonical ids after; ``to``: the canonical id), the serving
model's content after it, ``model`` the serving model, and ``usage.iterations`` with one ``message`` entry
per declined hop and a ``fallback_message`` entry for the one that served (top-level counts are their sums).
An entry's ``max_tokens``, ``thinking``, ``output_config`` and ``speed`` apply to its attempt only. When
every model declines, the first refusal is the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from mockclaude.protocol.catalog import ModelSpec
from mockclaude.sources.base import Answer, MessageAnswer

OVERRIDES = ("max_tokens", "thinking", "output_config", "speed")
COUNTS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def _refused(answer: Answer) -> bool:
    return isinstance(answer, MessageAnswer) and answer.message.get("stop_reason") == "refusal"


def _iteration(message: dict[str, Any], kind: str) -> dict[str, Any]:
    usage = message.get("usage") or {}
    return {"type": kind, "model": message.get("model"), **{k: int(usage.get(k) or 0) for k in COUNTS}}


def _trigger(message: dict[str, Any]) -> dict[str, Any]:
    details = message.get("stop_details") or {}
    return {"type": "refusal", "category": details.get("category") if isinstance(details, dict) else None}


def serve(
    body: dict[str, Any],
    answer: Answer,
    ask: Callable[[dict[str, Any], ModelSpec], Answer],
    lookup: Callable[[str], ModelSpec | None],
) -> Answer:
    """The answer after the fallback chain: ``answer`` itself unless it is a refusal and ``fallbacks`` names
    a model that does not decline. ``ask`` answers a request with a model; ``lookup`` finds a usable model."""
    chain = body.get("fallbacks")
    if not isinstance(chain, list) or not chain or not _refused(answer):
        return answer
    assert isinstance(answer, MessageAnswer)
    declined, blocks = [answer.message], []
    source = str(body.get("model"))
    base = {k: v for k, v in body.items() if k != "fallbacks"}
    for entry in chain:
        spec = lookup(str(entry.get("model"))) if isinstance(entry, dict) else None
        if spec is None:
            continue
        params = {**base, "model": spec.id}
        params.update({k: entry[k] for k in OVERRIDES if entry.get(k) is not None})
        attempt = ask(params, spec)
        if not isinstance(attempt, MessageAnswer):
            break  # an error, or a recorded stream: not a hop the mock can report
        blocks.append(
            {
                "type": "fallback",
                "from": {"model": source},
                "to": {"model": spec.id},
                "trigger": _trigger(declined[-1]),
            }
        )
        if _refused(attempt):
            declined.append(attempt.message)
            source = spec.id
            continue
        served = attempt.message
        iterations = [*(_iteration(m, "message") for m in declined), _iteration(served, "fallback_message")]
        usage = {
            **served["usage"],
            **{k: sum(i[k] for i in iterations) for k in ("input_tokens", "output_tokens")},
        }
        usage["iterations"] = iterations
        message = {**served, "model": spec.id, "content": [*blocks, *served["content"]], "usage": usage}
        return dataclasses.replace(attempt, message=message)
    return answer
