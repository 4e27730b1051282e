"""The Bedrock routes on the one pipeline: InvokeModel (``/model/{modelId}/invoke``,
``/invoke-with-response-stream``) and Converse (``/converse``, ``/converse-stream``).

Each :class:`BedrockRoute` turns the request into the first-party request the Messages route takes
(:meth:`~BedrockRoute.enter`: credentials, model id, body), lets the app run it as any other (header
checks, faults, rate limits, recordings, rules, synthesis, pacing, journal, stats), and turns the answer
back into Bedrock's (:meth:`~BedrockRoute.leave`: JSON, event-stream frames, Bedrock's errors). A recording
made through ``/v1/messages`` serves the same request sent through Bedrock, and the other way round.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Literal

import orjson

from mockclaude.config import AuthMode, ValidationMode
from mockclaude.pipeline.faults import HEADER as FAULT_HEADER
from mockclaude.pipeline.stages import Handler, Pipeline
from mockclaude.platforms import PlatformRoute
from mockclaude.platforms.bedrock import converse, eventstream
from mockclaude.platforms.bedrock.auth import caller
from mockclaude.platforms.bedrock.errors import EXCEPTIONS, HINT, error, from_api
from mockclaude.platforms.bedrock.models import BedrockModels
from mockclaude.platforms.bedrock.replies import Answer, EventStreamReply, carried, read
from mockclaude.protocol.catalog import ModelSpec
from mockclaude.protocol.sse import Event
from mockclaude.wire.reply import BytesReply, JsonReply, Reply
from mockclaude.wire.request import Request

log = logging.getLogger("mockclaude")
Kind = Literal["invoke", "converse"]
MODEL = r"/model/(?P<model_id>.+)"
# anthropic_version in the body -> the API version the pipeline applies (facts §8.2, §8.3).
VERSIONS = {"bedrock-2023-05-31": "2023-06-01", "2026-10-21": "2026-10-21"}
MALFORMED = "Malformed input request: {}, please reformat your input and try again."
STREAM_ERROR = {"message": "Overloaded", "originalStatusCode": 529, "originalMessage": "Overloaded"}


class BedrockRoute(PlatformRoute):
    """One Bedrock route: ``enter`` (the request in first-party form), the Messages route's own handler,
    ``leave`` (the answer in Bedrock's form)."""

    name = "bedrock"

    def __init__(self, bedrock: Bedrock, kind: Kind, stream: bool) -> None:
        self.bedrock, self.kind, self.stream = bedrock, kind, stream

    def __call__(self, request: Request, params: dict[str, str]) -> Reply:
        return self.bedrock.create(request, params)

    def enter(self, request: Request, params: dict[str, str]) -> Request:
        b = self.bedrock
        if b.records:
            raise error(
                "ValidationException",
                "Bedrock routes answer from recordings, rules and synthesis; record through /v1/messages "
                "(its recordings serve Bedrock requests too)",
                invented=True,
            )
        key = caller(request.headers, required=b.config.auth is AuthMode.ON)
        model_id = params["model_id"]
        strict = b.config.validation is not ValidationMode.PERMISSIVE
        model = b.models.resolve(model_id) if strict else b.models.find(model_id)
        body = _object_body(request.body)
        if self.kind == "invoke":
            takes_new = model is None or not strict or model.created_at >= b.models.new_version_since
            body, version, betas = _invoke_body(body, takes_new)
        else:
            body, betas = converse.to_messages(body)
            version = "2023-06-01"
        body = {"model": b.first_party_name(model, body) if model is not None else model_id, **body}
        if self.stream:
            body["stream"] = True
        headers = {k: v for k, v in request.headers.items() if k not in ("authorization", "x-api-key")}
        headers["anthropic-version"] = version
        if key:
            headers["x-api-key"] = key
        if betas:
            headers["anthropic-beta"] = ",".join(betas)
        _bedrock_fault(headers)
        return replace(request, path="/v1/messages", query={}, headers=headers, body=orjson.dumps(body))

    def leave(self, reply: Reply, route: Request) -> Reply:
        """The pipeline's answer in Bedrock's form (an answer it cannot read, such as a hand-written
        recording missing a field, is Bedrock's 500, logged)."""
        try:
            return self._leave(reply, route)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.exception("Bedrock: cannot translate the answer to %s %s", route.method, route.path)
            return from_api(500, None, "", ())

    def _leave(self, reply: Reply, route: Request) -> Reply:
        if reply.status >= 400:
            injected = any(k == FAULT_HEADER for k, _ in reply.headers)
            return _error(reply, route.headers.get(HINT) if injected else None)
        answer = read(reply)
        if answer is None:
            return reply
        latency_ms = round(max(answer.offsets[-1:] or [answer.delay]) * 1000)
        amzn: tuple[tuple[str, str], ...] = (("x-amzn-requestid", route.request_id),)
        if self.kind == "converse":
            if not self.stream:
                payload = orjson.dumps(converse.from_message(answer.whole(), latency_ms))
                return carried(reply, BytesReply(body=payload, delay=answer.delay), amzn)
            return carried(reply, _converse_stream(answer, latency_ms), amzn)
        if not self.stream:
            message = answer.whole()
            usage = message.get("usage")
            counts = usage if isinstance(usage, dict) else {}
            amzn += (
                ("x-amzn-bedrock-input-token-count", str(counts.get("input_tokens") or 0)),
                ("x-amzn-bedrock-output-token-count", str(counts.get("output_tokens") or 0)),
                ("x-amzn-bedrock-invocation-latency", str(latency_ms)),
            )
            return carried(reply, reply, amzn)
        return carried(reply, _invoke_stream(answer), amzn)


class Bedrock:
    """The Bedrock adapter: its routes, the catalog's Bedrock ids, and the Messages route it runs on."""

    def __init__(self, pipeline: Pipeline, create: Handler) -> None:
        self.config = pipeline.config
        self.models = BedrockModels(pipeline.catalog)
        self.recordings = pipeline.recordings
        self.create = create
        self.records = pipeline.upstream is not None

    def first_party_name(self, model: ModelSpec, body: dict[str, Any]) -> str:
        """The name a recording of this request was made under (the model's id or an alias: one recording
        serves a request whatever route it came through), else the model's id."""
        for name in (model.id, *model.aliases):
            if self.recordings.find("POST", "/v1/messages", {**body, "model": name}) is not None:
                return name
        return model.id

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", MODEL + "/invoke", BedrockRoute(self, "invoke", False)),
            ("POST", MODEL + "/invoke-with-response-stream", BedrockRoute(self, "invoke", True)),
            ("POST", MODEL + "/converse", BedrockRoute(self, "converse", False)),
            ("POST", MODEL + "/converse-stream", BedrockRoute(self, "converse", True)),
        ]


def _object_body(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise error("ValidationException", MALFORMED.format("the body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise error("ValidationException", MALFORMED.format("#: expected type: JSONObject"))
    return body


def _invoke_body(body: dict[str, Any], takes_new: bool) -> tuple[dict[str, Any], str, list[str]]:
    """InvokeModel's body (the Messages body without ``model``/``stream``, with ``anthropic_version`` and
    ``anthropic_beta``) as a Messages body, the API version it asks for and its betas. ``takes_new``: the
    model takes ``anthropic_version: "2026-10-21"`` (on Bedrock, Claude 4.7 and later: facts §8.2)."""
    for extraneous in ("model", "stream"):
        if extraneous in body:
            raise error(
                "ValidationException", MALFORMED.format(f"#: extraneous key [{extraneous}] is not permitted")
            )
    body = dict(body)
    version = body.pop("anthropic_version", None)
    if version is None:
        raise error("ValidationException", MALFORMED.format("#: required key [anthropic_version] not found"))
    if version not in VERSIONS:
        raise error(
            "ValidationException",
            f"anthropic_version: {version!r} is not supported; use one of {', '.join(VERSIONS)}",
            invented=True,
        )
    if version == "2026-10-21" and not takes_new:
        raise error(
            "ValidationException",
            'anthropic_version "2026-10-21" is offered on Bedrock for Claude 4.7 and later; this model takes '
            '"bedrock-2023-05-31"',
            invented=True,
        )
    betas = body.pop("anthropic_beta", None) or []
    if not isinstance(betas, list) or not all(isinstance(b, str) for b in betas):
        raise error(
            "ValidationException", MALFORMED.format("#/anthropic_beta: expected type: JSONArray of strings")
        )
    return body, VERSIONS[version], betas


def _bedrock_fault(headers: dict[str, str]) -> None:
    """A fault header may name a Bedrock exception (``ModelNotReadyException; times=2``): the pipeline gets
    its status, and the answer is that exception (carried in a header of the first-party request)."""
    text = headers.get(FAULT_HEADER, "")
    first, sep, rest = text.partition(";")
    name = first.strip()
    if name in EXCEPTIONS:
        headers[FAULT_HEADER] = f"{EXCEPTIONS[name].status}{sep}{rest}"
        headers[HINT] = name


def _error(reply: Reply, hint: str | None) -> Reply:
    kind, message = None, ""
    if isinstance(reply, JsonReply) and isinstance(reply.payload, dict):
        detail = reply.payload.get("error")
        if isinstance(detail, dict):
            kind, message = detail.get("type"), str(detail.get("message") or "")
    bedrock = from_api(reply.status, hint or kind, message, reply.headers)
    bedrock.model, bedrock.origin, bedrock.rules = reply.model, reply.origin, reply.rules
    return bedrock


def _invoke_stream(answer: Answer) -> EventStreamReply:
    """The Messages events as InvokeModel stream chunks; ``message_stop`` carries Bedrock's invocation
    metrics (⚠ as clients quote them)."""
    events, offsets = answer.events, answer.offsets
    usage: dict[str, Any] = {}
    frames = []
    for event, at in zip(events, offsets, strict=True):
        data = event.data
        if event.name == "message_start":
            usage.update(data["message"].get("usage") or {})
        elif event.name == "message_delta":
            usage.update(data.get("usage") or {})
        elif event.name == "message_stop":
            data = {
                **data,
                "amazon-bedrock-invocationMetrics": {
                    "inputTokenCount": usage.get("input_tokens") or 0,
                    "outputTokenCount": usage.get("output_tokens") or 0,
                    "invocationLatency": round(at * 1000),
                    "firstByteLatency": round((offsets[0] if offsets else 0) * 1000),
                },
            }
        frames.append(eventstream.chunk(data))
    error_frame = eventstream.exception("modelStreamErrorException", STREAM_ERROR)
    return EventStreamReply(events=events, offsets=offsets, frames=frames, error_frame=error_frame)


def _converse_stream(answer: Answer, latency_ms: int) -> EventStreamReply:
    state: dict[str, Any] = {"latency_ms": latency_ms}
    frames, offsets = [], []
    for event, at in zip(answer.events, answer.offsets, strict=True):
        for kind, payload in converse.stream_events(event.data, state):
            frames.append(eventstream.event(kind, payload))
            offsets.append(at)
    error_frame = eventstream.exception("modelStreamErrorException", STREAM_ERROR)
    events: list[Event] = answer.events
    return EventStreamReply(events=events, offsets=offsets, frames=frames, error_frame=error_frame)
