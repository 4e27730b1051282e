"""Microsoft Foundry: Claude at ``POST /anthropic/v1/messages`` (and ``/anthropic/v1/messages/count_tokens``),
as ``anthropic.AnthropicFoundry`` and ``@anthropic-ai/foundry-sdk`` send it (facts §8.3): the first-party body
(``model`` is the deployment's name, by default the model's), ``anthropic-version``, and the key in both
``api-key`` and ``x-api-key``, or an Entra ID token in ``Authorization: Bearer``.

Foundry answers itself, in Azure's body ``{"error": {"code", "message"}}``: missing or refused credentials
(401) and a deployment it does not have (404, for a model Foundry does not offer). Everything else is the
API's own answer and envelope. The clients refuse batches and the models list before sending.
"""

from __future__ import annotations

from dataclasses import replace

import orjson

from mockclaude.api.messages import MessageRoutes
from mockclaude.config import MockConfig, ValidationMode
from mockclaude.platforms import Handler, PlatformError, PlatformRoute, bearer, first_party_headers
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.wire.request import Request

MESSAGES_ROUTE = "/anthropic/v1/messages"
COUNT_ROUTE = "/anthropic/v1/messages/count_tokens"
# Azure AI services' texts (401: as quoted in anthropics/claude-code#91842 for a Foundry resource).
MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key when making "
    "requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key "
    "for an active subscription and use a correct regional API endpoint for your resource."
)
NO_DEPLOYMENT = (
    "The API deployment for this resource does not exist. If you created the deployment within the last "
    "5 minutes, please wait a moment and try again."
)


def azure_error(status: int, code: str, message: str) -> PlatformError:
    error = PlatformError(status, message)
    error.body = {"error": {"code": code, "message": message}}
    return error


def routes(
    config: MockConfig, catalog: ModelCatalog, messages: MessageRoutes
) -> list[tuple[str, str, Handler]]:
    return [
        ("POST", MESSAGES_ROUTE, FoundryRoute(config, catalog, messages.create)),
        ("POST", COUNT_ROUTE, FoundryRoute(config, catalog, messages.count_tokens)),
    ]


class FoundryRoute(PlatformRoute):
    name = "foundry"

    def enter(self, request: Request, params: dict[str, str]) -> Request:
        headers = request.headers
        key = headers.get("api-key") or headers.get("x-api-key") or bearer(headers)
        refused = self.credential_refused(key)
        if refused is not None:
            raise azure_error(401, "401", MISSING_KEY if refused == "missing" else INVALID_KEY)
        self._check_deployment(request.body)
        path = request.path.removeprefix("/anthropic")
        return replace(request, path=path, headers=first_party_headers(headers, key, None))

    def _check_deployment(self, raw: bytes) -> None:
        """A model Foundry does not offer has no deployment: Azure's 404 (other body problems are the API's)."""
        if self.config.validation is ValidationMode.PERMISSIVE:
            return
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return  # the pipeline answers it in the API's words
        name = body.get("model") if isinstance(body, dict) else None
        if isinstance(name, str) and self.catalog.on_platform(self.name, name) is None:
            raise azure_error(404, "DeploymentNotFound", NO_DEPLOYMENT)
