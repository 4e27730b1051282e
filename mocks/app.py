"""The ASGI application, made by :func:`create_app`; no import-time side effects.

One pipeline for every route: parse → validate → auth → answer source → encode (JSON or SSE) → pace.
Routes only name the request schema and rules that apply and what to do with the validated body.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from . import rules_semantic
from .batches import BatchStore
from .cache import PromptCache
from .catalog import LatencyProfile, ModelCatalog, ModelSpec
from .config import MockConfig
from .contract import Contract
from .errors import ApiError, invalid, not_found
from .http import Receive, Request, Scope, Send, headers_of, parse_query, read_body, send_bytes, send_stream
from .ids import IdSource
from .pacing import schedule, sleep_until
from .pagination import paginate, parse_limit
from .recorder import Recorder, spec_digest
from .recordings import RecordingError, RecordingStore
from .redaction import Redactor
from .rules import RuleError, load_rules
from .sources import Answer, AnswerSource, Exchange, RecordingSource, RuleSource, Synthesizer
from .sse import Event, accumulate, encode_event, message_events
from .synthesis import conversation_seed
from .tokens import input_tokens

log = logging.getLogger("mockclaude")

LIFECYCLES = ("active", "deprecated", "retired")


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


@dataclass
class _Stored:
    """A validated request and its answer, kept so an identical request is answered from memory."""

    body: dict[str, Any]
    model: ModelSpec
    answer: Answer
    encoded: dict[str, bytes]


Handler = Callable[[Request, dict[str, str]], Reply]


class MockApp:
    def __init__(self, config: MockConfig, contract: Contract, catalog: ModelCatalog) -> None:
        self.config = config
        self.contract = contract
        self.catalog = catalog
        self.ids = IdSource()
        self.prompt_cache = PromptCache()
        self.redactor = Redactor(config.redact)
        self.recordings = RecordingStore(
            config.recordings_dir, skip_bad=config.skip_bad_recordings, redactor=self.redactor
        )
        for problem in self.recordings.skipped:
            log.warning("skipped %s", problem)
        self.recorder: Recorder | None = None
        self.rules = RuleSource(load_rules(config.rules_dir), self.prompt_cache)
        self.sources: list[AnswerSource] = [
            RecordingSource(self.recordings),
            self.rules,
            Synthesizer(self.prompt_cache),
        ]
        self._watched = self._signature()
        self._next_watch = time.monotonic() + 1.0
        if config.record_mode:
            directory = config.recordings_dir or Path("recordings")
            self.recorder = Recorder(
                self.recordings, directory, config.upstream, config.record_mode, spec_digest(config.spec_path)
            )
            if config.record_mode in ("none", "once"):
                self.sources = [RecordingSource(self.recordings)]  # replay only: a miss is an error
        self.batches = BatchStore(self._batch_answer, config.batch_processing_s)
        self.versions = _header_enum(contract.document, "anthropic-version")
        self._stored: OrderedDict[bytes, _Stored] = OrderedDict()
        self._routes: list[tuple[str, re.Pattern[str], Handler, int]] = []
        batch_path = r"/v1/messages/batches/(?P<batch_id>[^/]+)"
        for method, pattern, handler in (
            ("POST", "/v1/messages", self.messages_create),
            ("POST", "/v1/messages/count_tokens", self.messages_count_tokens),
            ("POST", "/v1/messages/batches", self.batches_create),
            ("GET", "/v1/messages/batches", self.batches_list),
            ("GET", batch_path, self.batches_retrieve),
            ("DELETE", batch_path, self.batches_delete),
            ("POST", batch_path + "/cancel", self.batches_cancel),
            ("GET", batch_path + "/results", self.batches_results),
            ("GET", "/v1/models", self.models_list),
            ("GET", r"/v1/models/(?P<model_id>[^/]+)", self.models_retrieve),
            ("POST", "/_mock/reload", self.mock_reload),
        ):
            limit = config.max_batch_body_bytes if handler == self.batches_create else config.max_body_bytes
            self._routes.append((method, re.compile(pattern + "$"), handler, limit))

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=parse_query(scope.get("query_string", b"")),
            headers=headers_of(scope),
            body=b"",
            request_id=self.ids.new("req"),
        )
        if self.config.latency != "instant":
            # Let every request that arrived together take its start time before any is processed,
            # so one request's processing is not charged to the next one's time to first token.
            await asyncio.sleep(0)
        try:
            handler, params, limit = self._route(request)
            request.body = await read_body(receive, limit)
            self._check_headers(request)
            reply = handler(request, params)
        except ApiError as error:
            reply = self._error_reply(error, request)
        except Exception:
            log.exception("internal error on %s %s", request.method, request.path)
            reply = self._error_reply(
                ApiError(500, "internal error in the mock; see the server log", invented=True), request
            )
        await self._render(reply, request, send)

    async def _render(self, reply: Reply, request: Request, send: Send) -> None:
        org = self.config.organization_id
        extra = _retry_headers(reply.status)
        if reply.forward is not None and self.recorder is not None:
            await self.recorder.forward(request, reply.forward, send)
            return
        if reply.events is not None:
            await send_stream(
                send, reply.events, reply.offsets or [], request.started, request.request_id, org, extra
            )
            return
        if reply.delay:
            await sleep_until(request.started + reply.delay)
        body = reply.body if reply.body is not None else orjson.dumps(reply.payload)
        await send_bytes(send, reply.status, body, reply.content_type, request.request_id, org, extra)

    def _route(self, request: Request) -> tuple[Handler, dict[str, str], int]:
        allowed = False
        for method, pattern, handler, limit in self._routes:
            match = pattern.match(request.path)
            if match:
                if method == request.method:
                    return handler, match.groupdict(), limit
                allowed = True
        if allowed:
            raise ApiError(405, f"Method Not Allowed: {request.method} {request.path}")
        raise not_found("Not Found")

    def _error_reply(self, error: ApiError, request: Request) -> Reply:
        return Reply(status=error.status, payload=error.envelope(request.request_id))

    # -- shared pipeline stages ------------------------------------------------------------------------
    def _check_headers(self, request: Request) -> None:
        if request.path.startswith("/_mock/"):
            return  # the mock's own admin routes are not the API's
        headers = request.headers
        if self.config.api_keys:
            key = headers.get("x-api-key")
            auth = headers.get("authorization", "")
            if key is None and auth.lower().startswith("bearer "):
                key = auth[7:].strip()
            if not key:
                raise ApiError(401, "x-api-key header is required")
            if key not in self.config.api_keys:
                raise ApiError(401, "invalid x-api-key")
        version = headers.get("anthropic-version")
        if version is None:
            raise invalid("anthropic-version: header is required")
        if self.versions and version not in self.versions:
            raise invalid(f'anthropic-version: "{version}" is not a valid version')

    def _parse(self, request: Request) -> Any:
        try:
            return orjson.loads(request.body)
        except orjson.JSONDecodeError as exc:
            raise invalid(f"The request body is not valid JSON: {exc}") from None

    def _validate(self, schema: str, body: Any) -> None:
        message = self.contract.validators[schema].error(body)
        if message is not None:
            raise invalid(message)

    def _model(self, body: dict[str, Any]) -> ModelSpec:
        name = str(body.get("model"))
        model = self.catalog.usable(name)
        if model is not None:
            return model
        if self.config.validation == "permissive":
            return replace(self.catalog.models[0], id=name, aliases=())
        raise not_found(f"model: {name}")

    def _rules(self, body: dict[str, Any], model: ModelSpec, rules: tuple[rules_semantic.Rule, ...]) -> None:
        if self.config.validation == "strict":
            rules_semantic.check(body, model, rules)

    def _answer(self, exchange: Exchange) -> Answer:
        for source in self.sources:
            answer = source.answer(exchange)
            if answer is not None:
                return answer
        raise ApiError(
            400,
            f"no recording matches this request (record mode {self.config.record_mode!r}, "
            f"recordings in {self.config.recordings_dir}); record it with --record-mode new_episodes",
            invented=True,
        )

    # -- hot reload of recordings and rules ------------------------------------------------------------
    def _signature(self) -> tuple[tuple[str, float], ...]:
        """Modification times that change when a rule file or a recording directory changes."""
        stamps: list[tuple[str, float]] = []
        rules_dir, recordings_dir = self.config.rules_dir, self.config.recordings_dir
        if rules_dir is not None and rules_dir.exists():
            stamps += [(str(p), p.stat().st_mtime) for p in sorted(rules_dir.glob("*.yaml"))]
            stamps.append((str(rules_dir), rules_dir.stat().st_mtime))
        if recordings_dir is not None and recordings_dir.exists():
            stamps += [
                (str(d), d.stat().st_mtime) for d in [recordings_dir, *sorted(recordings_dir.rglob("*/"))]
            ]
        return tuple(stamps)

    def _reload_if_changed(self) -> None:
        self._next_watch = time.monotonic() + 1.0
        signature = self._signature()
        if signature != self._watched:
            self._watched = signature
            self.reload()

    def reload(self) -> dict[str, Any]:
        """Reload rules and recordings from disk; on a bad file keep the old ones and say which file."""
        try:
            rules = load_rules(self.config.rules_dir)
            recordings = RecordingStore(
                self.config.recordings_dir, skip_bad=self.config.skip_bad_recordings, redactor=self.redactor
            )
        except (RuleError, RecordingError) as exc:
            log.error("reload refused, keeping the previous rules and recordings: %s", exc)
            return {"reloaded": False, "error": str(exc)}
        self.rules.set_rules(rules)
        self.recordings._by_key = recordings._by_key
        self._stored.clear()
        log.info("reloaded %d rules and %d recordings", len(rules), len(recordings))
        return {"reloaded": True, "rules": len(rules), "recordings": len(recordings)}

    def mock_reload(self, request: Request, params: dict[str, str]) -> Reply:
        result = self.reload()
        if not result["reloaded"]:
            raise ApiError(400, str(result["error"]), invented=True)
        return Reply(payload=result)

    def profile(self, model: ModelSpec) -> LatencyProfile:
        if self.config.latency == "model":
            return model.profile
        return self.catalog.profiles[self.config.latency]

    # -- /v1/messages ----------------------------------------------------------------------------------
    def messages_create(self, request: Request, params: dict[str, str]) -> Reply:
        forward = self._forwarding(request)
        if forward is not None:
            return forward
        if time.monotonic() >= self._next_watch:
            self._reload_if_changed()
        memo_key = self._memo_key(request)
        stored = self._stored.get(memo_key)
        if stored is None:
            body = self._parse(request)
            self._validate("MessageCreateParams", body)
            model = self._model(body)
            self._rules(body, model, rules_semantic.CREATE_RULES)
            answer = self._answer(
                Exchange(body, model, request.headers, method=request.method, path=request.path)
            )
            stored = _Stored(body, model, answer, {})
            if answer.reusable and b'"cache_control"' not in request.body and self.config.answer_cache_size:
                self._stored[memo_key] = stored
                if len(self._stored) > self.config.answer_cache_size:
                    self._stored.popitem(last=False)
        return self._encode(stored, request.request_id)

    def _memo_key(self, request: Request) -> bytes:
        """What identifies an answer: the body, plus the headers that some rule looks at."""
        names = self.rules.header_names
        if not names:
            return request.body
        return request.body + b"".join(b"\0" + request.headers.get(n, "").encode() for n in names)

    def _encode(self, stored: _Stored, request_id: str) -> Reply:
        """The answer in the shape the request asked for (JSON or SSE), paced by its profile or its recording."""
        answer = stored.answer
        if answer.error is not None:
            return Reply(status=answer.status, payload={"request_id": request_id, **answer.error})
        streaming = bool(stored.body.get("stream"))
        if answer.events:
            events = [Event(e.event, e.data) for e in answer.events]
            offsets = [e.at_ms / 1000 / self.config.speed for e in answer.events]
            if self.profile(stored.model).instant:
                offsets = [0.0] * len(events)
            if streaming:
                return Reply(events=events, offsets=offsets)
            return Reply(payload=accumulate(events), delay=offsets[-1] if offsets else 0.0)
        message = answer.message or {}
        profile = answer.profile or self.profile(stored.model)
        if profile.instant:
            kind = "sse" if streaming else "json"
            encoded = stored.encoded.get(kind)
            if encoded is None:
                encoded = (
                    b"".join(encode_event(e) for e in message_events(message))
                    if streaming
                    else orjson.dumps(message)
                )
                stored.encoded[kind] = encoded
            content_type = "text/event-stream; charset=utf-8" if streaming else "application/json"
            return Reply(body=encoded, content_type=content_type)
        seed = int.from_bytes(conversation_seed(stored.body)[:4], "big")
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

    def _forwarding(self, request: Request) -> Reply | None:
        """In record mode, a request to forward to the upstream (it validates; we only record)."""
        if self.recorder is None:
            return None
        body = self._parse(request)
        hit = self.recordings.find(request.method, request.path, body) is not None
        return Reply(forward=body) if self.recorder.forwards(hit) else None

    def messages_count_tokens(self, request: Request, params: dict[str, str]) -> Reply:
        forward = self._forwarding(request)
        if forward is not None:
            return forward
        body = self._parse(request)
        self._validate("MessageCountTokensParams", body)
        recording = self.recordings.find(request.method, request.path, body)
        if recording is not None:
            return Reply(status=recording.status, payload=recording.body)
        model = self._model(body)
        self._rules(body, model, rules_semantic.COUNT_RULES)
        return Reply(payload={"input_tokens": input_tokens(body)})

    # -- /v1/messages/batches --------------------------------------------------------------------------
    def batches_create(self, request: Request, params: dict[str, str]) -> Reply:
        body = self._parse(request)
        error = self.contract.validators["MessageBatchCreateParams"].error(body)
        pre_errors: dict[int, dict[str, Any]] = {}
        if error is not None:
            items = body.get("requests") if isinstance(body, dict) else None
            if not isinstance(items, list) or not items or set(body) != {"requests"}:
                raise invalid(error)
            for i, item in enumerate(items):
                item_error = self.contract.validators["MessageBatchRequest"].error(item)
                if item_error is None:
                    continue
                if not item_error.startswith("params"):
                    raise invalid(f"requests.{i}.{item_error}")
                pre_errors[i] = self._errored(invalid(item_error.removeprefix("params.")))
            if not pre_errors:
                raise invalid(error)
        seen: set[str] = set()
        for i, item in enumerate(body["requests"]):
            if item["custom_id"] in seen:
                raise invalid(f"requests.{i}.custom_id: Duplicate custom_id '{item['custom_id']}' in batch")
            seen.add(item["custom_id"])
        batch = self.batches.create(
            self.ids.new("msgbatch"), [(r["custom_id"], r["params"]) for r in body["requests"]], pre_errors
        )
        return Reply(payload=self.batches.render(batch, request.base_url))

    def _errored(self, error: ApiError) -> dict[str, Any]:
        return {"type": "errored", "error": error.envelope(self.ids.new("req"))}

    def _batch_answer(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            model = self._model(params)
            self._rules(params, model, rules_semantic.CREATE_RULES)
            answer = self._answer(Exchange(params, model, {}, "batch"))
            if answer.error is not None:
                return {"type": "errored", "error": answer.error}
            message = (
                answer.message if answer.message is not None else accumulate([e.data for e in answer.events])
            )
            return {"type": "succeeded", "message": message}
        except ApiError as error:
            return self._errored(error)

    def _batch(self, params: dict[str, str]) -> Any:
        batch = self.batches.get(params["batch_id"])
        if batch is None:
            raise not_found(f"message_batch: {params['batch_id']}")
        return batch

    def batches_list(self, request: Request, params: dict[str, str]) -> Reply:
        page = paginate(
            self.batches.newest_first(),
            lambda b: b.id,
            lambda b: self.batches.render(b, request.base_url),
            parse_limit(request.query_one("limit")),
            request.query_one("after_id"),
            request.query_one("before_id"),
        )
        return Reply(payload=page)

    def batches_retrieve(self, request: Request, params: dict[str, str]) -> Reply:
        return Reply(payload=self.batches.render(self._batch(params), request.base_url))

    def batches_cancel(self, request: Request, params: dict[str, str]) -> Reply:
        batch = self._batch(params)
        self.batches.cancel(batch)
        return Reply(payload=self.batches.render(batch, request.base_url))

    def batches_delete(self, request: Request, params: dict[str, str]) -> Reply:
        batch = self._batch(params)
        if not self.batches.is_ended(batch):
            raise invalid(
                f"Batch {batch.id} cannot be deleted while it is still processing; cancel it first."
            )
        self.batches.delete(batch)
        return Reply(payload={"id": batch.id, "type": "message_batch_deleted"})

    def batches_results(self, request: Request, params: dict[str, str]) -> Reply:
        batch = self._batch(params)
        if not self.batches.is_ended(batch):
            raise invalid(f"Batch {batch.id} has not finished processing; results are not available yet.")
        return Reply(body=self.batches.results_jsonl(batch), content_type="application/x-jsonl")

    # -- /v1/models ------------------------------------------------------------------------------------
    def models_list(self, request: Request, params: dict[str, str]) -> Reply:
        wanted = request.query.get("lifecycle[]", []) + request.query.get("lifecycle", [])
        for value in wanted:
            if value not in LIFECYCLES:
                raise invalid(
                    f"lifecycle: Input should be 'active', 'deprecated' or 'retired', got '{value}'"
                )
        lifecycles = set(wanted or ("active", "deprecated"))
        models = [m for m in self.catalog.models if m.lifecycle in lifecycles]
        page = paginate(
            models,
            lambda m: m.id,
            ModelSpec.info,
            parse_limit(request.query_one("limit")),
            request.query_one("after_id"),
            request.query_one("before_id"),
        )
        return Reply(payload=page)

    def models_retrieve(self, request: Request, params: dict[str, str]) -> Reply:
        model = self.catalog.get(params["model_id"])
        if model is None:
            raise not_found(f"model: {params['model_id']}")
        return Reply(payload=model.info())


def _retry_headers(status: int) -> tuple[tuple[str, str], ...]:
    if status < 400:
        return ()
    retry = status in (408, 409, 429) or status >= 500
    return (("x-should-retry", "true" if retry else "false"),)


def _header_enum(document: dict[str, Any], name: str) -> tuple[str, ...]:
    """The allowed values of a header parameter, read from the spec (never repeated in code)."""
    for param in (document.get("components", {}).get("parameters") or {}).values():
        if param.get("name", "").lower() == name and param.get("in") == "header":
            schema = param.get("schema") or {}
            return tuple(schema.get("enum") or ())
    return ()


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(config: MockConfig | None = None) -> MockApp:
    """Build the mock: load the spec and the catalog named by ``config`` (defaults otherwise)."""
    config = config or MockConfig()
    started = time.perf_counter()
    app = MockApp(config, Contract(config.spec_path), ModelCatalog.load(config.catalog_path))
    log.debug("mock built in %.2fs", time.perf_counter() - started)
    return app
