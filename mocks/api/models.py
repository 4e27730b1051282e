"""``/v1/models``: the dated catalog, newest first, with cursor pagination and lifecycle filters."""

from __future__ import annotations

from mockclaude.api.pagination import paginate, parse_limit, permissive_cursors
from mockclaude.errors import invalid, not_found
from mockclaude.protocol.catalog import ModelCatalog, ModelSpec
from mockclaude.wire.reply import JsonReply, Reply
from mockclaude.wire.request import Request

LIFECYCLES = ("active", "deprecated", "retired")


class ModelRoutes:
    def __init__(self, catalog: ModelCatalog, permissive: bool = False) -> None:
        self.catalog = catalog
        self.permissive = permissive  # a schema mock: unknown ids get a plausible ModelInfo, any cursors

    def list(self, request: Request, params: dict[str, str]) -> Reply:
        wanted = request.query.get("lifecycle[]", []) + request.query.get("lifecycle", [])
        if len(wanted) > len(LIFECYCLES):  # the spec's maxItems (a schema rule: permissive mode keeps it)
            raise invalid(
                f"lifecycle: List should have at most {len(LIFECYCLES)} items after validation, not {len(wanted)}"
            )
        for value in wanted:
            if value not in LIFECYCLES:
                raise invalid(
                    f"lifecycle: Input should be 'active', 'deprecated' or 'retired', got '{value}'"
                )
        lifecycles = set(wanted or ("active", "deprecated"))
        models = [m for m in self.catalog.models if m.lifecycle in lifecycles]
        after_id, before_id = request.query_one("after_id"), request.query_one("before_id")
        if self.permissive:
            after_id, before_id = permissive_cursors(after_id, before_id, [m.id for m in models])
        page = paginate(
            models,
            lambda m: m.id,
            ModelSpec.info,
            parse_limit(request.query_one("limit")),
            after_id,
            before_id,
        )
        return JsonReply(payload=page)

    def retrieve(self, request: Request, params: dict[str, str]) -> Reply:
        name = params["model_id"]
        model = self.catalog.get(name)
        if model is None:
            if not self.permissive:
                raise not_found(f"model: {name}")
            # A plausible ModelInfo for any id: the newest model's facts under the name asked for.
            model = self.catalog.placeholder(name)
        return JsonReply(payload=model.info())
