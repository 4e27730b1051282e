"""The pipeline's shared stages: parse → validate → model and rules → answer source → encode → pace.

Every route uses these; routes differ only in the schema and rules they name and what they do with
the validated body. A route hands back a :mod:`mockclaude.wire.reply` variant for the app to render.

Which answer sources are asked is decided once, from the record mode:
off → recordings, rules, synthesis; none → recordings; once → recordings then the upstream if the set
was empty at start, else recordings; new_episodes → recordings, upstream; all → upstream. The upstream
judges a request itself, so :meth:`Pipeline.run` asks it for a request as sent (no recording matching
it, in every mode but ``all``), before the mock's own checks; every other answer comes after them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from mockclaude.sources.base import (
    Answer,
    AnswerSource,
    ErrorAnswer,
    Exchange,
    MessageAnswer,
    RecordedStream,
    RecordingSource,
    RuleSource,
    Synthesizer,
)
from mockclaude.sources.rules import load_rules
from mockclaude.sources.synthesis.message import conversation_seed
from mockclaude.sources.upstream import KeyPolicy, UpstreamAnswer, UpstreamSource, spec_digest
from mockclaude.store.recordings import RecordingStore
from mockclaude.store.redaction import Redactor
from mockclaude.wire.reply import (
    JSON_TYPE,
    STREAM_TYPE,
    BytesReply,
    JsonReply,
    RelayReply,
    Reply,
    StreamReply,
)
from mockclaude.wire.request import Request

log = logging.getLogger("mockclaude")


Handler = Callable[[Request, dict[str, str]], Reply]


class Pipeline:
    """The stages and the state they share: contract, catalog, answer sources, prompt cache, upstream."""

    def __init__(
        self,
        config: MockConfig,
        contract: Contract,
        catalog: ModelCatalog,
        key_policy: KeyPolicy | None = None,
    ) -> None:
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
        replay = RecordingSource(self.recordings)
        mode = config.record_mode
        # What the mock answers from once it has checked a request (batches too: never forwarded).
        self.sources: list[AnswerSource] = [replay, self.rules, Synthesizer(self.prompt_cache)]
        if mode in (RecordMode.NONE, RecordMode.ONCE):
            self.sources = [replay]  # replay only: a miss is an error
        self.limiter: RateLimiter | None = None
        if config.rate_limits:
            self.limiter = RateLimiter(LimitTable.parse(config.rate_limits), config.organization_id)
        # The upstream, when this mode asks it; in every mode but ``all`` only for requests no
        # recording matches (those are replayed, after the mock's checks).
        self.upstream: UpstreamSource | None = None
        self.replays_first = mode is not RecordMode.ALL
        if mode in (RecordMode.NEW_EPISODES, RecordMode.ALL) or (
            mode is RecordMode.ONCE and len(self.recordings) == 0
        ):
            self.upstream = UpstreamSource(
                self.recordings,
                config.recordings_dir or Path("recordings"),
                config.upstream,
                spec_digest(config.spec_path),
                key_policy,
            )

    def run(self, request: Request, checked: Callable[[Request], Reply]) -> Reply:
        """A Messages request: the upstream's relay when it answers this request (record mode), else
        ``checked(request)``, the route's own stages (validate, model, rules, limits, sources, encode)."""
        if self.upstream is None:
            self.check_version(request)
            return checked(request)
        body = self.parse(request)
        if self.replays_first and self.recordings.find(request.method, request.path, body) is not None:
            self.check_version(request)
            return checked(request)
        answer: UpstreamAnswer = self.upstream.answer(request, body)
        return RelayReply(relay=answer.relay, upstream=answer.upstream)

    # -- parse and validate ----------------------------------------------------------------------------
    def parse(self, request: Request) -> Any:
        try:
            return orjson.loads(request.body)
        except orjson.JSONDecodeError as exc:
            raise invalid(f"The request body is not valid JSON: {exc}") from None

    def check_version(self, request: Request) -> None:
        """What the request's ``anthropic-version`` removed gets the API's 400 (strict mode; before the
        answer memo, whose key is the body alone). Bodies with none of the fields involved are not parsed."""
        if self.config.validation is not ValidationMode.STRICT:
            return
        version = request.headers.get("anthropic-version", "")
        if version in rules_semantic.VERSION_RULES and any(
            marker in request.body for marker in rules_semantic.VERSION_MARKERS
        ):
            rules_semantic.check_version(self.parse(request), version)

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
            return self.catalog.placeholder(name)
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
            + "Record it with record mode new_episodes (the server's --record-mode new_episodes; in pytest "
            "--mockclaude-record-mode new_episodes or @pytest.mark.mockclaude(record_mode='new_episodes'))."
        )
        log.warning(message)
        return ApiError(400, message, invented=True)

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
        streaming = bool(body.get("stream"))
        profile = answer.profile or self.profile(model)
        match answer:
            case ErrorAnswer(status=status, envelope=envelope):
                return JsonReply(status=status, payload={"request_id": request_id, **envelope})
            case RecordedStream() if answer.events and self.config.replay_timing is not ReplayTiming.PROFILE:
                return self._replay(answer, profile, streaming)
            case MessageAnswer() | RecordedStream():
                return self._message(body, answer.message, profile, streaming, cache)
        raise TypeError(f"the pipeline cannot encode {type(answer).__name__}")

    def _replay(self, answer: RecordedStream, profile: LatencyProfile, streaming: bool) -> Reply:
        """A recorded stream on its recorded time line (or at once)."""
        events = [Event(e.event, e.data) for e in answer.events]
        instant = profile.instant or self.config.replay_timing is ReplayTiming.INSTANT
        offsets = [0.0 if instant else e.at_ms / 1000 / self.config.speed for e in answer.events]
        if streaming:
            return StreamReply(events=events, offsets=offsets)
        return JsonReply(payload=accumulate(events), delay=offsets[-1] if offsets else 0.0)

    def _message(
        self,
        body: dict[str, Any],
        message: dict[str, Any],
        profile: LatencyProfile,
        streaming: bool,
        cache: dict[str, bytes],
    ) -> Reply:
        """A Message, paced by ``profile`` (instant: encoded once, kept in ``cache``)."""
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
            return BytesReply(body=encoded, content_type=STREAM_TYPE if streaming else JSON_TYPE)
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
            return StreamReply(events=events, offsets=offsets)
        return BytesReply(body=orjson.dumps(message), delay=offsets[-1] if offsets else 0.0)
