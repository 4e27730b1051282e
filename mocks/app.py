"""The ASGI application, made by :func:`create_app`; no import-time side effects.

The app owns the HTTP side (routing, body limits, version and auth headers, rendering, error
envelopes); route groups own their nouns (messages, batches, models) and share one pipeline
(:mod:`mockclaude.pipeline`): parse → validate → auth → answer source → encode → pace.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import orjson

from .batch_routes import BatchRoutes
from .catalog import ModelCatalog
from .config import MockConfig
from .contract import Contract
from .errors import ApiError, invalid, not_found
from .http import Receive, Request, Scope, Send, headers_of, parse_query, read_body, send_bytes, send_stream
from .messages import MessageRoutes
from .model_routes import ModelRoutes
from .pacing import sleep_until
from .pipeline import Handler, Pipeline, Reply
from .reloading import ContentWatcher

log = logging.getLogger("mockclaude")


class MockApp:
    def __init__(self, config: MockConfig, contract: Contract, catalog: ModelCatalog) -> None:
        self.config = config
        self.pipeline = Pipeline(config, contract, catalog)
        self.watcher = ContentWatcher(config, self.pipeline.recordings, self.pipeline.rules)
        self.messages = MessageRoutes(self.pipeline, self.watcher)
        self.batches = BatchRoutes(self.pipeline)
        self.models = ModelRoutes(catalog)
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
            ("POST", "/_mock/reload", self.mock_reload),
        ):
            limit = config.max_batch_body_bytes if handler == self.batches.create else config.max_body_bytes
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
            request_id=self.pipeline.ids.new("req"),
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
            reply = Reply(status=error.status, payload=error.envelope(request.request_id))
        except Exception:
            log.exception("internal error on %s %s", request.method, request.path)
            internal = ApiError(500, "internal error in the mock; see the server log", invented=True)
            reply = Reply(status=500, payload=internal.envelope(request.request_id))
        await self._render(reply, request, send)

    async def _render(self, reply: Reply, request: Request, send: Send) -> None:
        org = self.config.organization_id
        extra = _retry_headers(reply.status)
        recorder = self.pipeline.recorder
        if reply.forward is not None and recorder is not None:
            await recorder.forward(request, reply.forward, send)
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

    # -- the mock's own routes -------------------------------------------------------------------------
    def mock_reload(self, request: Request, params: dict[str, str]) -> Reply:
        result = self.watcher.reload()
        if not result["reloaded"]:
            raise ApiError(400, str(result["error"]), invented=True)
        return Reply(payload=result)


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
