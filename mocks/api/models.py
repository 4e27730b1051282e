"""``/v1/models``: the dated catalog, newest first, with cursor pagination and lifecycle filters."""

from __future__ import annotations

from mockclaude.api.pagination import paginate, parse_limit
from mockclaude.errors import invalid, not_found
from mockclaude.protocol.catalog import ModelCatalog, ModelSpec
from mockclaude.wire.reply import JsonReply, Reply
from mockclaude.wire.request import Request

LIFECYCLES = ("active", "deprecated", "retired")


class ModelRoutes:
    def __init__(self, catalog: ModelCatalog) -> None:
        self.catalog = catalog

    def list(self, request: Request, params: dict[str, str]) -> Reply:
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
        return JsonReply(payload=page)

    def retrieve(self, request: Request, params: dict[str, str]) -> Reply:
        model = self.catalog.get(params["model_id"])
        if model is None:
            raise not_found(f"model: {params['model_id']}")
        return JsonReply(payload=model.info())
