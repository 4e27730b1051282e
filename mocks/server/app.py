"""The ASGI application, made by :func:`create_app`; no import-time side effects.

The app owns the HTTP side (routing, body limits, version and auth headers, rendering, error
envelopes); route groups own their nouns (messages, batches, models) and share one pipeline
(:mod:`mockclaude.pipeline.stages`): parse → validate → auth → answer source → encode → pace.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import orjson

from mockclaude.api.batches import BatchRoutes
from mockclaude.api.messages import MessageRoutes
from mockclaude.api.models import ModelRoutes
from mockclaude.api.recorded import RecordedRoutes
from mockclaude.config import AuthMode, MockConfig, ValidationMode
from mockclaude.errors import ApiError, invalid, not_found
from mockclaude.pipeline.faults import Fault, FaultBook
from mockclaude.pipeline.faults import load_rules as load_fault_rules
from mockclaude.pipeline.ratelimits import Admission
from mockclaude.pipeline.stages import Handler, Pipeline
from mockclaude.platforms import PlatformRoute, platform_routes
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.protocol.contract import Contract
from mockclaude.server.admin import AdminRoutes
from mockclaude.server.journal import Journal, Outcome, kept, redact_headers
from mockclaude.server.stats import Stats
from mockclaude.sources.reloading import ContentWatcher
from mockclaude.sources.upstream import KeyPolicy
from mockclaude.wire.reply import Drain, JsonReply, Reply
from mockclaude.wire.request import (
    LargeBodies,
    Receive,
    Request,
    Scope,
    Send,
    headers_of,
    parse_query,
    read_body,
)

log = logging.getLogger("mockclaude")


class MockApp:
    def __init__(
        self,
        config: MockConfig,
        contract: Contract,
        catalog: ModelCatalog,
        *,
        key_policy: KeyPolicy | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.pipeline = Pipeline(config, contract, catalog, key_policy)
        self.limiter = self.pipeline.limiter
        self.faults = FaultBook(load_fault_rules(config.faults, config.faults_file))
        self.stats = Stats(self.cost)
        self.journal = Journal(config.journal_size, self.cost)
        self.watcher = ContentWatcher(config, self.pipeline.recordings, self.pipeline.rules)
        self.messages = MessageRoutes(self.pipeline, self.watcher)
        self.batches = BatchRoutes(self.pipeline, self.stats.observe_batch_result)
        self.models = ModelRoutes(catalog, permissive=config.validation is ValidationMode.PERMISSIVE)
        self.recorded = RecordedRoutes(self.pipeline)  # batches and models recorded and replayed
        self.admin = AdminRoutes(self)
        self.large_bodies = LargeBodies(contract.limits)
        self.drain = Drain()  # started by stop(): answers in flight end with the overloaded error
        self.versions = _header_enum(contract.document, "anthropic-version")
        batch_path = r"/v1/messages/batches/(?P<batch_id>[^/]+)"
        self._routes: list[tuple[str, re.Pattern[str], Handler, int]] = []
        for method, pattern, handler in (
            ("POST", "/v1/messages", self.messages.create),
            ("POST", "/v1/messages/count_tokens", self.messages.count_tokens),
            ("POST", "/v1/messages/batches", self.batches.create),
            ("GET", "/v1/messages/batches", self.batches.list),
            ("GET", batch_path, self.batches.retrieve),
            ("DELETE", batch_path, self.batches.delete),
            ("POST", batch_path + "/cancel", self.batches.cancel),
            ("GET", batch_path + "/results", self.batches.results),
            ("GET", "/v1/models", self.models.list),
            ("GET", r"/v1/models/(?P<model_id>[^/]+)", self.models.retrieve),
            *self.admin.routes(),
            *platform_routes(config, catalog, self.messages),  # -- platform adapters --
        ):
            limit = config.max_batch_body_bytes if handler == self.batches.create else config.max_body_bytes
            if pattern.startswith(("/v1/messages/batches", "/v1/models")):
                handler = self.recorded.wrap(handler)
            self._routes.append((method, re.compile(pattern + "$"), handler, limit))

    # -- ASGI ------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        client = scope.get("client")
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=parse_query(scope.get("query_string", b"")),
            headers=headers_of(scope),
            body=b"",
            request_id=self.pipeline.ids.new("req"),
            client=client[0] if client else None,
        )
        if self.config.latency != "instant":
            # Let every request that arrived together take its start time before any is processed,
            # so one request's processing is not charged to the next one's time to first token.
            await asyncio.sleep(0)
        admin = request.path.startswith("/_mock/")
        fault: Fault | None = None
        platform: PlatformRoute | None = (
            None  # -- platform adapters: the request as the first-party route takes it
        )
        route = request
        try:
            handler, params, limit = self._route(request)
            if isinstance(handler, PlatformRoute):
                platform, request.platform = handler, handler.name
            request.body = await read_body(receive, limit)
            if platform is not None:
                route = platform.enter(request, params)
            if admin:
                self.admin.check_access(request, request.client)
            else:
                self._check_headers(route)
                fault = self.faults.select(route.path, self._model_names(route), route.headers)
                error = fault.error() if fault is not None else None
                if error is not None:
                    raise self._with_rate_headers(error, route)
            reply = await self.large_bodies.run(route, handler, route, params)
        except ApiError as error:
            error.message = _capped(error.message)  # it may echo a request's value (a fault header...)
            reply = JsonReply(
                status=error.status, payload=error.envelope(request.request_id), headers=error.headers
            )
        except Exception:
            log.exception("internal error on %s %s", request.method, request.path)
            internal = ApiError(500, "internal error in the mock; see the server log", invented=True)
            reply = JsonReply(status=500, payload=internal.envelope(request.request_id))
        if platform is not None:  # -- platform adapters: the answer in the platform's form
            reply = platform.leave(reply, route)
        if admin:
            await self._render(reply, request, send, None, self.drain)
            return
        fault = _applied(fault, reply)
        outcome = self._observe(request, reply, fault)
        drain = self.drain  # the server's stop in force while this answer is sent
        try:
            outcome.cut = await self._render(reply, request, send, fault, drain)
        except asyncio.CancelledError:
            if not drain.started:
                raise
            outcome.cut = "shutdown"  # the shutdown grace ran out: ended quietly, no traceback
        finally:
            self._finish(request, reply, outcome)

    def stop(self) -> None:
        """The server is stopping: streams in flight end now with the overloaded error event."""
        if not self.drain.started:
            log.info("stopping: answers in flight end with the overloaded error")
        self.drain.start()

    def resume(self) -> None:
        """The server has stopped; the app may be served again (or in-process): answers are paced again."""
        self.drain = Drain()

    # -- bookkeeping: stats, journal, rate-limit settlement ----------------------------------------------
    def _observe(self, request: Request, reply: Reply, fault: Fault | None) -> Outcome:
        summary = reply.summary()
        outcome = Outcome(
            request.request_id,
            request.method,
            request.path,
            reply.status,
            time.time() - (time.monotonic() - request.started),
            redact_headers(request.headers),
            kept(request.body),
            kept(summary) if isinstance(summary, bytes) else summary,
            model=reply.model,
            usage=reply.usage,
            origin=reply.origin,
            rules=reply.rules,
            not_emulated=reply.not_emulated,
            error_type=reply.error_type,
            fault=fault.kind if fault is not None else None,
            stream=reply.is_stream,
            platform=request.platform,
        )
        self.stats.observe(outcome)
        self.journal.add(outcome)
        return outcome

    def _finish(self, request: Request, reply: Reply, outcome: Outcome) -> None:
        self.stats.finished(outcome)
        outcome.duration_ms = round((time.monotonic() - request.started) * 1000, 3)
        if self.limiter is not None and isinstance(reply.admission, Admission):
            usage = reply.usage or {}
            counted = (usage.get("input_tokens") or 0) + (usage.get("cache_creation_input_tokens") or 0)
            self.limiter.settle(reply.admission, counted, usage.get("output_tokens") or 0)

    def cost(self, model_id: str | None, usage: dict[str, Any] | None, batch: bool = False) -> float:
        """Dollars for an answer's usage at the answering model's dated list price (0 when unknown)."""
        model = self.catalog.usable(model_id) if model_id and usage else None
        return model.price.cost(usage, batch=batch) if model is not None and usage else 0.0

    def _model_names(self, request: Request) -> frozenset[str]:
        """The names the body's model goes by, read only when some fault rule matches on a model."""
        if not self.faults.needs_model:
            return frozenset()
        name = _body_model(request.body)
        if name is None:
            return frozenset()
        model = self.catalog.usable(name)
        return frozenset((name, model.id, *model.aliases) if model is not None else (name,))

    def _with_rate_headers(self, error: ApiError, request: Request) -> ApiError:
        """An injected 429 shows the rate-limit headers too, as a real one does (when limits are on)."""
        if error.status != 429 or self.limiter is None:
            return error
        model = self.catalog.usable(_body_model(request.body) or "")
        if model is not None:
            error.headers += self.limiter.peek(request.api_key, model.line or model.id)
        return error

    def reload_fault_rules(self) -> None:
        """Read the configured fault rules again (flags and --faults FILE); raises if the file is bad."""
        self.faults.configure(load_fault_rules(self.config.faults, self.config.faults_file))

    def reset(self) -> None:
        """Back to the start-up state: stats, journal, armed faults, rate-limit buckets, batches, caches, rule
        scenarios."""
        self.stats.reset()
        self.journal.clear()
        self.faults.reset()
        if self.limiter is not None:
            self.limiter.reset()
        self.batches.store.clear()
        self.recorded.reset()
        self.pipeline.prompt_cache.clear()
        self.messages.forget()
        self.pipeline.rules.reset_states()

    # -- rendering ---------------------------------------------------------------------------------------
    async def _render(
        self, reply: Reply, request: Request, send: Send, fault: Fault | None, drain: Drain
    ) -> str | None:
        """Send the answer; returns how a fault cut it ("error_event", "drop") or None."""
        shaping = fault.shaping() if fault is not None and fault.status is None else None
        return await reply.render(send, request, self.config.organization_id, shaping, drain)

    def _route(self, request: Request) -> tuple[Handler, dict[str, str], int]:
        allowed: list[str] = []
        for method, pattern, handler, limit in self._routes:
            match = pattern.match(request.path)
            if match:
                if method == request.method:
                    return handler, match.groupdict(), limit
                allowed.append(method)
        mine = request.path.startswith("/_mock/")  # the mock's own routes: its own errors, marked
        if allowed:
            message = f"Method Not Allowed: {request.method} {request.path}"
            raise ApiError(405, message, invented=mine, headers=(("allow", ", ".join(allowed)),))
        raise ApiError(404, "Not Found", invented=mine) if mine else not_found("Not Found")

    def _check_headers(self, request: Request) -> None:
        """Key, then version, as the API checks them (facts §1.2, §8.2): the key is ``x-api-key`` or
        ``Authorization: Bearer``; when both are sent, ``x-api-key`` wins. No key is the API's 401 unless
        ``--auth off``; a key sent outside ``--api-key`` (when given) is its other 401, in either mode."""
        headers = request.headers
        key = headers.get("x-api-key") or ""
        if not key:
            auth = headers.get("authorization", "")
            if auth[:7].lower() == "bearer ":
                key = auth[7:].strip()
        request.api_key = key
        if not key:
            if self.config.auth is AuthMode.ON:
                raise ApiError(401, "x-api-key header is required")
        elif self.config.api_keys and key not in self.config.api_keys:
            raise ApiError(401, "invalid x-api-key")
        version = headers.get("anthropic-version")
        if version is None:
            raise invalid("anthropic-version: header is required")
        if self.versions and version not in self.versions:
            raise invalid(f'anthropic-version: "{version}" is not a valid version')


def _applied(fault: Fault | None, reply: Reply) -> Fault | None:
    """The fault as it applies to this answer: shaping faults shape successful answers only, and a
    JSON answer has no stream for ``error_after`` to cut (error faults were answered already)."""
    if fault is None or fault.status is not None:
        return fault
    return fault if fault.shaping().applies_to(reply) else None


def _body_model(body: bytes) -> str | None:
    """The ``model`` of a JSON request body, or None."""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    name = parsed.get("model") if isinstance(parsed, dict) else None
    return name if isinstance(name, str) else None


def _header_enum(document: dict[str, Any], name: str) -> tuple[str, ...]:
    """The allowed values of a header parameter, read from the spec (never repeated in code)."""
    for param in (document.get("components", {}).get("parameters") or {}).values():
        if param.get("name", "").lower() == name and param.get("in") == "header":
            schema = param.get("schema") or {}
            return tuple(schema.get("enum") or ())
    return ()


async def _lifespan(receive: Receive, send: Send) -> None:
    """Start-up and shutdown have nothing to do: a server stops the app's answers in flight by calling
    :meth:`MockApp.stop` when its shutdown starts (``lifespan.shutdown`` comes after the connections are
    closed, and test clients send it after every request)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


MAX_ECHO = 1024


def _capped(message: str) -> str:
    """An error message of at most ``MAX_ECHO`` characters (what a request sent is echoed capped)."""
    if len(message) <= MAX_ECHO:
        return message
    return f"{message[:MAX_ECHO]}… ({len(message) - MAX_ECHO} more characters not shown)"


def create_app(config: MockConfig | None = None, *, key_policy: KeyPolicy | None = None) -> MockApp:
    """Build the mock: load the spec and the catalog named by ``config`` (defaults otherwise).

    ``key_policy`` (record mode) may refuse a request before it is forwarded to the upstream, by raising
    an ApiError (the test kit refuses placeholder keys)."""
    config = config or MockConfig()
    started = time.perf_counter()
    contract, catalog = Contract(config.spec_path), ModelCatalog.load(config.catalog_path)
    app = MockApp(config, contract, catalog, key_policy=key_policy)
    log.debug("mock built in %.2fs", time.perf_counter() - started)
    return app
