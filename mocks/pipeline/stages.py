"""The pipeline's shared stages: parse → validate → model and rules → answer source → encode → pace.

Every route uses these; routes differ only in the schema and rules they name and what they do with
the validated body. ``Reply`` is what a route hands back to the app for rendering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from mockclaude.config import MockConfig, RecordMode, ReplayTiming, ValidationMode
from mockclaude.errors import ApiError, invalid, not_found
from mockclaude.files import default_cache_dir
from mockclaude.pipeline import semantic as rules_semantic
from mockclaude.pipeline.pacing import schedule
from mockclaude.pipeline.ratelimits import Admission, LimitTable, RateLimiter
from mockclaude.protocol.cache import PromptCache, asks_for_caching
from mockclaude.protocol.catalog import LatencyProfile, ModelCatalog, ModelSpec
from mockclaude.protocol.contract import Contract
from mockclaude.protocol.ids import IdSource
from mockclaude.protocol.sse import Event, accumulate, encode_event, message_events
from mockclaude.protocol.tokens import input_tokens
from mockclaude.sources.base import Answer, AnswerSource, Exchange, RecordingSource, RuleSource, Synthesizer
from mockclaude.sources.rules import load_rules
from mockclaude.sources.synthesis.message import conversation_seed
from mockclaude.sources.upstream import Recorder, spec_digest
from mockclaude.store.recordings import RecordingStore
from mockclaude.store.redaction import Redactor
from mockclaude.wire.http import Request

log = logging.getLogger("mockclaude")


@dataclass
class Reply:
    """What a route answers; it renders as JSON/bytes after ``delay`` seconds, or as a paced stream."""

    status: int = 200
    payload: Any = None
    body: bytes | None = None
    content_type: str = "application/json"
    events: list[Event] | None = None
    offsets: list[float] | None = None
    delay: float = 0.0
    forward: Any = None  # a parsed body to forward to the upstream (record mode)
    headers: tuple[tuple[str, str], ...] = ()  # extra response headers (rate limits, retry-after)
    # What stats, the journal and rate limits need to know about a Messages answer.
    model: str | None = None
    usage: dict[str, Any] | None = None
    origin: str | None = None
    admission: Admission | None = None


Handler = Callable[[Request, dict[str, str]], Reply]


class Pipeline:
    """The stages and the state they share: contract, catalog, answer sources, prompt cache, recorder."""

    def __init__(self, config: MockConfig, contract: Contract, catalog: ModelCatalog) -> None:
        self.config = config
        self.contract = contract
        self.catalog = catalog
        self.ids = IdSource()
        self.prompt_cache = PromptCache()
        self.redactor = Redactor(config.redact)
        self.recordings = RecordingStore(
            config.recordings_dir,
            skip_bad=config.skip_bad_recordings,
            redactor=self.redactor,
            cache_dir=default_cache_dir(),
        )
        for problem in self.recordings.skipped:
            log.warning("skipped %s", problem)
        self.rules = RuleSource(load_rules(config.rules_dir), self.prompt_cache)
        self.sources: list[AnswerSource] = [
            RecordingSource(self.recordings),
            self.rules,
            Synthesizer(self.prompt_cache),
        ]
        self.limiter: RateLimiter | None = None
        if config.rate_limits:
            self.limiter = RateLimiter(LimitTable.parse(config.rate_limits), config.organization_id)
        self.recorder: Recorder | None = None
        if config.record_mode is not RecordMode.OFF:
            directory = config.recordings_dir or Path("recordings")
            self.recorder = Recorder(
                self.recordings, directory, config.upstream, config.record_mode, spec_digest(config.spec_path)
            )
            if config.record_mode in (RecordMode.NONE, RecordMode.ONCE):
                self.sources = [RecordingSource(self.recordings)]  # replay only: a miss is an error

    # -- parse and validate ----------------------------------------------------------------------------
    def parse(self, request: Request) -> Any:
        try:
            return orjson.loads(request.body)
        except orjson.JSONDecodeError as exc:
            raise invalid(f"The request body is not valid JSON: {exc}") from None

    def validate(self, schema: str, body: Any) -> None:
        message = self.contract.validators[schema].error(body)
        if message is not None:
            raise invalid(message)

    def model(self, body: dict[str, Any]) -> ModelSpec:
        name = str(body.get("model"))
        model = self.catalog.usable(name)
        if model is not None:
            return model
        if self.config.validation is ValidationMode.PERMISSIVE:
            return replace(self.catalog.models[0], id=name, aliases=())
        raise not_found(f"model: {name}")

    def check_rules(
        self, body: dict[str, Any], model: ModelSpec, rules: tuple[rules_semantic.Rule, ...]
    ) -> None:
        if self.config.validation is ValidationMode.STRICT:
            rules_semantic.check(body, model, rules)

    def admit(self, request: Request, body: dict[str, Any], model: ModelSpec) -> Admission | None:
        """Rate limits (when on): take this request's share of its buckets, or raise the API's 429."""
        if self.limiter is None:
            return None
        if asks_for_caching(request.body):  # what a cache hit would read is not counted, as in the API
            usage = self.prompt_cache.usage(body, model.id, model.min_cacheable_tokens, commit=False)
            counted = usage["input_tokens"] + usage["cache_creation_input_tokens"]
        else:
            counted = input_tokens(body)
        return self.limiter.admit(
            request.api_key, model.line or model.id, model.id, counted, int(body.get("max_tokens") or 0)
        )

    # -- answer and encode -----------------------------------------------------------------------------
    def answer(self, exchange: Exchange) -> Answer:
        for source in self.sources:
            answer = source.answer(exchange)
            if answer is not None:
                return answer
        raise self._miss(exchange)

    def _miss(self, exchange: Exchange) -> ApiError:
        """Replay-only mode and nothing matched: say so, naming the closest recordings and what differs."""
        closest = self.recordings.closest(exchange.method, exchange.path, exchange.body)
        near = "; ".join(
            f"{r.path.name} (differs in: {', '.join(fields[:6]) or 'nothing'})" for r, fields in closest
        )
        message = (
            f"no recording matches {exchange.method} {exchange.path} (record mode {self.config.record_mode.value!r}, "
            f"recordings in {self.config.recordings_dir}, matcher {self.recordings.matcher.kind!r}). "
            + (f"Closest: {near}. " if near else "The set is empty. ")
            + "Record it with --record-mode new_episodes."
        )
        log.warning(message)
        return ApiError(400, message, invented=True)

    def forwarding(self, request: Request) -> Reply | None:
        """In record mode, a request to forward to the upstream (it validates; we only record)."""
        if self.recorder is None:
            return None
        body = self.parse(request)
        hit = self.recordings.find(request.method, request.path, body) is not None
        return Reply(forward=body) if self.recorder.forwards(hit) else None

    def profile(self, model: ModelSpec) -> LatencyProfile:
        if self.config.latency == "model":
            return model.profile
        return self.catalog.profiles[self.config.latency]

    def encode(
        self, body: dict[str, Any], model: ModelSpec, answer: Answer, request_id: str, cache: dict[str, bytes]
    ) -> Reply:
        """The answer in the shape the request asked for (JSON or SSE), paced by its profile or recording.

        ``cache`` keeps encoded bytes of instant answers, for requests answered again from memory.
        """
        if answer.error is not None:
            return Reply(status=answer.status, payload={"request_id": request_id, **answer.error})
        streaming = bool(body.get("stream"))
        profile = answer.profile or self.profile(model)
        if answer.events and self.config.replay_timing is ReplayTiming.PROFILE:
            answer = Answer(message=accumulate([e.data for e in answer.events]), origin=answer.origin)
        if answer.events:
            events = [Event(e.event, e.data) for e in answer.events]
            instant = profile.instant or self.config.replay_timing is ReplayTiming.INSTANT
            offsets = [0.0 if instant else e.at_ms / 1000 / self.config.speed for e in answer.events]
            if streaming:
                return Reply(events=events, offsets=offsets)
            return Reply(payload=accumulate(events), delay=offsets[-1] if offsets else 0.0)
        message = answer.message or {}
        if profile.instant:
            kind = "sse" if streaming else "json"
            encoded = cache.get(kind)
            if encoded is None:
                encoded = (
                    b"".join(encode_event(e) for e in message_events(message))
                    if streaming
                    else orjson.dumps(message)
                )
                cache[kind] = encoded
            content_type = "text/event-stream; charset=utf-8" if streaming else "application/json"
            return Reply(body=encoded, content_type=content_type)
        seed = int.from_bytes(conversation_seed(body)[:4], "big")
        events = message_events(message, seed)
        usage = message["usage"]
        prompt = (
            usage["input_tokens"]
            + (usage.get("cache_creation_input_tokens") or 0)
            + (usage.get("cache_read_input_tokens") or 0)
        )
        offsets = schedule(events, profile, prompt, self.config.speed, seed)
        if streaming:
            return Reply(events=events, offsets=offsets)
        return Reply(body=orjson.dumps(message), delay=offsets[-1] if offsets else 0.0)
