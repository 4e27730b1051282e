"""Google Vertex AI: Claude at ``POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{model}:rawPredict``
(``:streamRawPredict`` streams standard SSE; ``…/models/count-tokens:rawPredict`` counts tokens), as
``anthropic.AnthropicVertex`` and ``@anthropic-ai/vertex-sdk`` send it (facts §8.3).

The body is the first-party body without ``model`` (it is in the URL) and with ``anthropic_version``
(``vertex-2023-10-16``, or an API version such as ``2026-10-21``); the credential is an OAuth access token
(``Authorization: Bearer``). Vertex answers some errors itself, in Google's body
``{"error": {"code", "message", "status"}}``: a missing or refused token (401 ``UNAUTHENTICATED``), a model it
does not offer (404 ``NOT_FOUND``), quota (429 ``RESOURCE_EXHAUSTED``: injected 429s and the mock's rate
limits take this form, with no ``retry-after``, so the client's own backoff runs), 403 ``PERMISSION_DENIED``.
The model's own errors (400, 413, 500, 529, ...) come through in the API's envelope, as Vertex relays them.
The texts are Google's as quoted in public issue reports (see docs/how-to/vertex.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson

from mockclaude.api.messages import MessageRoutes
from mockclaude.config import MockConfig, ValidationMode
from mockclaude.errors import invalid
from mockclaude.platforms import (
    Handler,
    PlatformError,
    PlatformRoute,
    api_error,
    bearer,
    first_party_headers,
    platform_reply,
)
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.wire.reply import Reply
from mockclaude.wire.request import Request

PREFIX = r"/v1(?:beta1)?/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/models/"
COUNT_ROUTE = PREFIX + r"count-tokens:rawPredict"
PREDICT_ROUTE = PREFIX + r"(?P<model>[^/:]+):(?P<specifier>rawPredict|streamRawPredict)"
VERTEX_VERSION = "vertex-2023-10-16"  # what 0.x SDKs send; the API's 2023-06-01

STATUS = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
MISSING_TOKEN = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
INVALID_TOKEN = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
QUOTA_DOCS = "https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai"


def google_error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> PlatformError:
    """An error in Google's body."""
    error = PlatformError(status, message, type=STATUS.get(status, "UNKNOWN"), headers=headers)
    error.body = {"error": {"code": status, "message": message, "status": error.type}}
    return error


def routes(
    config: MockConfig, catalog: ModelCatalog, messages: MessageRoutes
) -> list[tuple[str, str, Handler]]:
    return [
        ("POST", COUNT_ROUTE, VertexRoute(config, catalog, messages.count_tokens)),  # before the model route
        ("POST", PREDICT_ROUTE, VertexRoute(config, catalog, messages.create)),
    ]


class VertexRoute(PlatformRoute):
    name = "vertex"

    def enter(self, request: Request, params: dict[str, str]) -> Request:
        token = bearer(request.headers)
        refused = self.credential_refused(token)
        if refused is not None:
            challenge = (("www-authenticate", 'Bearer realm="https://accounts.google.com/"'),)
            raise google_error(401, MISSING_TOKEN if refused == "missing" else INVALID_TOKEN, challenge)
        body = _object(request.body)
        version = body.pop("anthropic_version", None)
        if not isinstance(version, str):
            raise invalid("anthropic_version: Field required")
        counting = "model" not in params
        name = str(body.get("model")) if counting else params["model"]
        body["model"] = self._first_party_name(name, params)
        if not counting:
            body["stream"] = params["specifier"] == "streamRawPredict"
        headers = first_party_headers(
            request.headers, token, "2023-06-01" if version == VERTEX_VERSION else version
        )
        path = "/v1/messages/count_tokens" if counting else "/v1/messages"
        return replace(request, path=path, query={}, headers=headers, body=orjson.dumps(body))

    def _first_party_name(self, name: str, params: dict[str, str]) -> str:
        """The first-party name of the Vertex model ``name``: ``x@YYYYMMDD`` is ``x-YYYYMMDD`` when the API knows
        that name (recordings made first-party match it), else the model's id; Vertex's 404 when not offered."""
        model = self.catalog.on_platform(self.name, name)
        if model is None:
            if self.config.validation is ValidationMode.PERMISSIVE:
                return name
            where = f"projects/{params['project']}/locations/{params['region']}/publishers/anthropic/models/{name}"
            raise google_error(
                404,
                f"Publisher Model `{where}` was not found or your project does not have access to it. Please "
                "ensure you are using a valid model version. For more information, see: "
                "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
            )
        dashed = name.replace("@", "-")
        return dashed if self.catalog.get(dashed) is model else model.id

    def leave(self, reply: Reply, route: Request) -> Reply:
        """Vertex's own errors in Google's body (without ``retry-after``: the client's backoff runs); the
        model's relayed in the API's envelope; no ``anthropic-ratelimit-*`` headers (quotas are Google's)."""
        failed = api_error(reply)
        if failed is not None and reply.status in STATUS:
            return platform_reply(
                google_error(reply.status, self._message(reply.status, failed[1], route)), reply
            )
        if any(name.startswith("anthropic-ratelimit-") for name, _ in reply.headers):
            reply.headers = tuple(
                (n, v) for n, v in reply.headers if not n.startswith("anthropic-ratelimit-")
            )
        return reply

    def _message(self, status: int, message: str, route: Request) -> str:
        if status == 401:
            return INVALID_TOKEN
        if status == 403:
            return "The caller does not have permission"
        if status == 404:
            return "Requested entity was not found."
        kind = next((k for k in ("input_tokens", "output_tokens") if k.replace("_", " ") in message), "")
        quota = f"online_prediction_{kind or 'requests'}{'_per_minute' if kind else ''}_per_base_model"
        return (
            f"Quota exceeded for aiplatform.googleapis.com/{quota} with base model: anthropic-{self._base(route)}. "
            f"Please submit a quota increase request. {QUOTA_DOCS}."
        )

    def _base(self, route: Request) -> str:
        """The base model's name in Google's quota texts: the Vertex name without its date."""
        try:
            name = str(orjson.loads(route.body).get("model"))
        except (orjson.JSONDecodeError, AttributeError):
            return "unknown"
        model = self.catalog.get(name)
        return (model.vertex if model is not None and model.vertex else name).split("@")[0]


def _object(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object")
    return body
