"""Wire adapters for cloud platforms onto the one pipeline: Google Vertex AI (:mod:`.vertex`), Microsoft
Foundry (:mod:`.foundry`); Amazon Bedrock plugs in the same way.

A :class:`Platform` owns its routes. For a request on one of them the app calls, in order:

1. :meth:`Platform.admit`: the credentials as the platform's clients send them (its own 401 when they are
   missing, or not among ``--api-key`` when keys are configured; never verified otherwise), then the request
   rewritten in place into the first-party form (path ``/v1/messages`` or ``/v1/messages/count_tokens``, the
   body with ``model``, the ``anthropic-version``); the platform and the path as sent stay on the request,
   and the journal shows both;
2. the first-party route, unchanged: recordings, rules, synthesis, faults, rate limits, stats, cost and
   pacing work as for a first-party request, so one recording answers a request from any platform;
3. :meth:`Platform.answer`: the reply as the platform sends it (headers it does not send removed);
4. :meth:`Platform.error` for an error the mock raised (a fault, a rate limit, a refusal): the platform's own
   error body where the platform answers itself, the API's envelope where it relays the model's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mockclaude.api.messages import MessageRoutes
from mockclaude.config import AuthMode, MockConfig
from mockclaude.errors import ApiError
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.wire.reply import Reply
from mockclaude.wire.request import Request

Handler = Callable[[Request, dict[str, str]], Reply]
# Headers the mock's own markers: kept on a platform's error (they say the error was injected or invented).
MARKERS = ("x-mockclaude-fault", "x-mockclaude-error")


@dataclass
class PlatformError(ApiError):
    """An error in a platform's own body (Google's ``{"error": {"code", "message", "status"}}``, Azure's
    ``{"error": {"code", "message"}}``) instead of the API's envelope."""

    body: dict[str, Any] = field(default_factory=dict)

    def envelope(self, request_id: str) -> dict[str, object]:
        return self.body


def marked(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The mock's markers among ``headers`` (an injected or invented error stays marked on any platform)."""
    return tuple((name, value) for name, value in headers if name in MARKERS)


class Platform:
    """A platform's wire format: its routes, credentials, request and answer translation, error bodies."""

    name: ClassVar[str]

    def __init__(self, config: MockConfig, catalog: ModelCatalog) -> None:
        self.config = config
        self.catalog = catalog

    def routes(self, messages: MessageRoutes) -> list[tuple[str, str, Handler]]:
        """``(method, path pattern, handler)`` rows for the app's route table."""
        raise NotImplementedError

    def admit(self, request: Request, params: dict[str, str]) -> None:
        """Check the credentials, then rewrite ``request`` into the first-party form (in place)."""
        raise NotImplementedError

    def error(self, error: ApiError, request: Request) -> ApiError:
        """An error the mock raised, as this platform sends it (default: the API's envelope)."""
        return error

    def answer(self, reply: Reply, request: Request) -> Reply:
        """The first-party route's reply as this platform sends it (default: as it is)."""
        return reply

    # -- helpers for the adapters ----------------------------------------------------------------------
    def credential_refused(self, credential: str) -> str | None:
        """Why ``credential`` is refused: "missing" (with ``--auth on``), "invalid" (not among ``--api-key``
        when keys are configured), or None."""
        if not credential:
            return "missing" if self.config.auth is AuthMode.ON else None
        if self.config.api_keys and credential not in self.config.api_keys:
            return "invalid"
        return None

    def route(self, handler: Handler) -> PlatformRoute:
        return PlatformRoute(self, handler)


def first_party(request: Request, platform: str, path: str, body: bytes | None = None) -> None:
    """Rewrite ``request`` in place to the first-party ``path`` (and ``body``), remembering where it came."""
    request.platform, request.sent_path, request.path = platform, request.path, path
    if body is not None:
        request.body = body


def bearer(headers: dict[str, str]) -> str:
    """The token of ``Authorization: Bearer <token>``, or ""."""
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


@dataclass(frozen=True)
class PlatformRoute:
    """A route of a platform: the first-party ``handler`` answers, the platform shapes its reply.
    The app finds the platform here (``handler.platform``) to admit the request and shape its errors."""

    platform: Platform
    handler: Handler

    def __call__(self, request: Request, params: dict[str, str]) -> Reply:
        return self.platform.answer(self.handler(request, params), request)


def platform_routes(
    config: MockConfig, catalog: ModelCatalog, messages: MessageRoutes
) -> list[tuple[str, str, Handler]]:
    """The routes of every platform adapter, for the app's route table."""
    from mockclaude.platforms.foundry import Foundry
    from mockclaude.platforms.vertex import Vertex

    rows: list[tuple[str, str, Handler]] = []
    for platform in (Vertex(config, catalog), Foundry(config, catalog)):
        rows.extend(platform.routes(messages))
    return rows
