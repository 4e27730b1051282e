"""Answer sources: where the content of an answer comes from.

The pipeline asks each source in turn; the first that answers wins. Recordings and rules (a later
issue) plug in before synthesis, which always answers. A source returns a complete Message; the
encoder turns it into JSON or an SSE stream, so one stored answer serves both shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .cache import PromptCache
from .catalog import ModelSpec
from .synthesis import synthesize


@dataclass(frozen=True)
class Exchange:
    """What a source sees: the validated request body, the model and the request's headers."""

    body: dict[str, Any]
    model: ModelSpec
    headers: dict[str, str]
    service_tier: str = "standard"


class AnswerSource(Protocol):
    def answer(self, exchange: Exchange) -> dict[str, Any] | None: ...


class Synthesizer:
    """The last source: a deterministic synthesized answer, with prompt-cache accounting."""

    def __init__(self, cache: PromptCache) -> None:
        self.cache = cache

    def answer(self, exchange: Exchange) -> dict[str, Any]:
        model = exchange.model
        usage = self.cache.usage(exchange.body, model.id, model.min_cacheable_tokens)
        return synthesize(
            exchange.body,
            model.id,
            usage,
            always_thinks=model.feature("always_thinks"),
            service_tier=exchange.service_tier,
        )
