"""Wire adapters for cloud platforms onto the one pipeline: Google Vertex AI (:mod:`.vertex`), Microsoft
Foundry (:mod:`.foundry`), Amazon Bedrock (:mod:`.bedrock`: InvokeModel and Converse).

A platform's route is a :class:`PlatformRoute`: the handler of the app's route table for a platform path.
For a request on it the app calls, in order:

1. :meth:`PlatformRoute.enter`: the credentials as the platform's clients send them (the platform's own 401
   when they are missing, or not among ``--api-key`` when keys are configured; never verified otherwise),
   then a copy of the request in the first-party form (path ``/v1/messages`` or
   ``/v1/messages/count_tokens``, the body with ``model``, ``anthropic-version``, the credential as
   ``x-api-key``). The original stays what the journal shows, with the platform's name;
2. the app's own checks and the first-party route, unchanged, on that copy: recordings, rules, synthesis,
   faults, rate limits, stats, cost and pacing work as for a first-party request, so one recording answers
   a request from any platform;
3. :meth:`PlatformRoute.leave`: the answer, or the error, as the platform sends it: its own error body
   where the platform answers itself, the API's envelope where it relays the model's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockclaude.api.messages import MessageRoutes
from mockclaude.config import AuthMode, MockConfig
from mockclaude.errors import ApiError
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.wire.reply import JsonReply, Reply
from mockclaude.wire.request import Request

Handler = Callable[[Request, dict[str, str]], Reply]
MARKERS = ("x-mockclaude-fault", "x-mockclaude-error")  # the mock's marks, kept on a platform's error


@dataclass
class PlatformError(ApiError):
    """An error in a platform's own body (Google's ``{"error": {"code", "message", "status"}}``, Azure's
    ``{"error": {"code", "message"}}``) instead of the API's envelope."""

    body: dict[str, Any] = field(default_factory=dict)

    def envelope(self, request_id: str) -> dict[str, object]:
        return self.body


def api_error(reply: Reply) -> tuple[str, str] | None:
    """``(type, message)`` of an error answer in the API's envelope, or None (a success, a platform's body)."""
    if reply.status < 400 or not isinstance(reply, JsonReply) or not isinstance(reply.payload, dict):
        return None
    detail = reply.payload.get("error")
    if reply.payload.get("type") != "error" or not isinstance(detail, dict):
        return None
    return str(detail.get("type") or ""), str(detail.get("message") or "")


def platform_reply(error: PlatformError, reply: Reply) -> JsonReply:
    """``error`` in place of the error answer ``reply``, keeping the mock's marks and the journal's facts."""
    marks = tuple((name, value) for name, value in reply.headers if name in MARKERS)
    out = JsonReply(status=error.status, payload=error.body, headers=(*error.headers, *marks))
    out.model, out.origin, out.rules = reply.model, reply.origin, reply.rules
    return out


def bearer(headers: dict[str, str]) -> str:
    """The token of ``Authorization: Bearer <token>``, or ""."""
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


class PlatformRoute:
    """A platform's route: ``enter`` (the request in first-party form), the first-party ``handler``,
    ``leave`` (the answer in the platform's form). Subclasses set ``name`` and override both."""

    name = ""

    def __init__(self, config: MockConfig, catalog: ModelCatalog, handler: Handler) -> None:
        self.config, self.catalog, self.handler = config, catalog, handler

    def __call__(self, request: Request, params: dict[str, str]) -> Reply:
        return self.handler(request, params)

    def enter(self, request: Request, params: dict[str, str]) -> Request:
        """A copy of ``request`` in the first-party form, or the platform's error (raised)."""
        raise NotImplementedError

    def leave(self, reply: Reply, route: Request) -> Reply:
        """The answer (or error) to ``route``, the first-party copy, as this platform sends it."""
        return reply

    def credential_refused(self, credential: str) -> str | None:
        """Why ``credential`` is refused: "missing" (with ``--auth on``), "invalid" (not among ``--api-key``
        when keys are configured), or None."""
        if not credential:
            return "missing" if self.config.auth is AuthMode.ON else None
        if self.config.api_keys and credential not in self.config.api_keys:
            return "invalid"
        return None


def first_party_headers(headers: dict[str, str], credential: str, version: str | None) -> dict[str, str]:
    """``headers`` as the first-party route takes them: the credential as ``x-api-key`` (none other), and
    ``anthropic-version`` when given."""
    out = {k: v for k, v in headers.items() if k not in ("authorization", "x-api-key", "api-key")}
    if credential:
        out["x-api-key"] = credential
    if version is not None:
        out["anthropic-version"] = version
    return out


def platform_routes(
    config: MockConfig, catalog: ModelCatalog, messages: MessageRoutes
) -> list[tuple[str, str, Handler]]:
    """The routes of the platform adapters, for the app's route table."""
    from mockclaude.platforms import foundry, vertex
    from mockclaude.platforms.bedrock.routes import Bedrock

    return [
        *vertex.routes(config, catalog, messages),
        *foundry.routes(config, catalog, messages),
        *Bedrock(messages.pipeline, messages.create).routes(),
    ]
