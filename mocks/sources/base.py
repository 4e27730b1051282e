"""Answer sources: where the content of an answer comes from.

The pipeline asks each source in turn; the first that answers wins: recordings, rules, synthesis
(record mode puts the upstream, :mod:`mockclaude.sources.upstream`, in place of the last two). A
source returns an :class:`Answer`: a complete Message, a recorded stream (events with their time
offsets), an API error, or an upstream's relay. The encoder turns any of them into the shape the
client asked for, so one stored answer serves JSON and SSE alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from mockclaude.errors import ERROR_TYPES
from mockclaude.protocol.cache import PromptCache
from mockclaude.protocol.catalog import LatencyProfile, ModelSpec
from mockclaude.protocol.sse import accumulate
from mockclaude.sources.rules import Rule, answer_profile, build_message, explain_rules
from mockclaude.sources.synthesis.message import synthesize
from mockclaude.store.recordings import RecordedEvent, RecordingStore


@dataclass(frozen=True)
class Exchange:
    """What a source sees: the validated request body, the model, the route and the request's headers."""

    body: dict[str, Any]
    model: ModelSpec
    headers: dict[str, str]
    service_tier: str = "standard"
    method: str = "POST"
    path: str = "/v1/messages"


@dataclass(frozen=True, kw_only=True)
class Answer:
    """An answer before encoding; one of the variants below."""

    origin: str = "synthesis"
    reusable: bool = True  # may be kept and served again for an identical request
    profile: LatencyProfile | None = None  # its own pacing (a rule's latency), else the model's

    def usage(self) -> dict[str, Any] | None:
        return None


@dataclass(frozen=True, kw_only=True)
class MessageAnswer(Answer):
    """A complete Message."""

    message: dict[str, Any]

    def usage(self) -> dict[str, Any] | None:
        usage: dict[str, Any] | None = self.message.get("usage")
        return usage


@dataclass(frozen=True, kw_only=True)
class RecordedStream(Answer):
    """A recorded stream: its events with their time offsets."""

    events: tuple[RecordedEvent, ...]

    @cached_property
    def message(self) -> dict[str, Any]:
        """The Message the stream adds up to (worked out once: the answer is kept and served again)."""
        return accumulate([e.data for e in self.events])

    def usage(self) -> dict[str, Any] | None:
        usage: dict[str, Any] | None = self.message.get("usage")
        return usage


@dataclass(frozen=True, kw_only=True)
class ErrorAnswer(Answer):
    """An API error: its status and envelope."""

    status: int
    envelope: dict[str, Any]


class AnswerSource(Protocol):
    def answer(self, exchange: Exchange) -> Answer | None: ...


class RecordingSource:
    """Replays a recording whose request matches exactly (see :mod:`mockclaude.store.recordings`)."""

    def __init__(self, store: RecordingStore) -> None:
        self.store = store

    def answer(self, exchange: Exchange) -> Answer | None:
        recording = self.store.find(exchange.method, exchange.path, exchange.body)
        if recording is None:
            return None
        origin = f"recording:{recording.path.name}"
        if recording.status != 200:
            return ErrorAnswer(status=recording.status, envelope=recording.body, origin=origin)
        if recording.is_stream:
            return RecordedStream(events=recording.events, origin=origin)
        return MessageAnswer(message=recording.body, origin=origin)


class RuleSource:
    """Answers from the first rule whose conditions hold (see :mod:`mockclaude.sources.rules`)."""

    def __init__(self, rules: list[Rule], cache: PromptCache) -> None:
        self.cache = cache
        self.set_rules(rules)

    def set_rules(self, rules: list[Rule]) -> None:
        self.rules = rules
        # Headers some rule looks at: an answer then depends on them, not on the body alone.
        self.header_names = tuple(sorted({k.lower() for r in rules for k in (r.when.get("headers") or {})}))
        self.stateful = any(r.scenario is not None for r in rules)
        self.reset_states()

    def reset_states(self) -> None:
        """Every scenario back to ``Started`` (new rules, or the admin reset)."""
        self.states: dict[str, str] = {}

    def snapshot(self) -> dict[str, str] | None:
        """A copy of the scenarios' states (None when no rule has a scenario)."""
        return dict(self.states) if self.stateful else None

    def state_key(self) -> bytes:
        """The scenarios' states, for the memo key: with scenarios, the same body may get another answer."""
        if not self.stateful:
            return b""
        return b"\0s" + "\0".join(f"{k}={v}" for k, v in sorted(self.states.items())).encode()

    def explain(
        self,
        body: dict[str, Any],
        model: ModelSpec,
        headers: dict[str, str],
        states: dict[str, str] | None = None,
    ) -> list[dict[str, object]]:
        """The rules tried for this request, in order, and why each did or did not fire (for the journal);
        ``states``: the scenarios' states when the request came (else the current ones)."""
        names = {model.id, *model.aliases, str(body.get("model"))}
        return [
            {"rule": name, "matched": result.matched, "reason": result.reason}
            for name, result in explain_rules(
                self.rules, body, headers, names, self.states if states is None else states
            )
        ]

    def answer(self, exchange: Exchange) -> Answer | None:
        if exchange.path != "/v1/messages" or not self.rules:
            return None
        body, model = exchange.body, exchange.model
        names = {model.id, *model.aliases, str(body.get("model"))}
        rule = next((r for r in self.rules if r.match(body, exchange.headers, names, self.states)), None)
        if rule is None:
            return None
        spec = rule.answer_for(body)
        origin = f"rule:{rule.name}"
        if rule.scenario is not None and rule.new_state is not None:
            self.states[rule.scenario] = rule.new_state
        # An answer that moves a scenario must run again on the same request: it is never kept.
        reusable = rule.scenario is None
        if spec.get("error"):
            error = spec["error"]
            status = int(error["status"])
            kind = error.get("type") or ERROR_TYPES.get(status, "api_error")
            envelope = {"type": "error", "error": {"type": kind, "message": str(error.get("message", ""))}}
            return ErrorAnswer(status=status, envelope=envelope, origin=origin, reusable=reusable)
        usage = self.cache.usage(body, model.id, model.min_cacheable_tokens)
        message = build_message(spec, body, model.id, usage)
        return MessageAnswer(message=message, origin=origin, profile=answer_profile(spec), reusable=reusable)


class Synthesizer:
    """The last source: a deterministic synthesized answer, with prompt-cache accounting."""

    def __init__(self, cache: PromptCache) -> None:
        self.cache = cache

    def answer(self, exchange: Exchange) -> Answer:
        model = exchange.model
        usage = self.cache.usage(exchange.body, model.id, model.min_cacheable_tokens)
        message = synthesize(
            exchange.body,
            model.id,
            usage,
            always_thinks=model.feature("always_thinks"),
            service_tier=exchange.service_tier,
        )
        return MessageAnswer(message=message)
