"""The mock's own API under ``/_mock/`` (not the Anthropic API; spec: ``openapi/mock-admin.yaml``).

Health, the effective configuration, stats, Prometheus metrics, the journal, faults (arm, list,
clear), rate-limit levels, reset and reload. Only loopback clients may call it unless
``admin_remote`` is set; with ``admin_token`` set, every call needs ``x-mockclaude-admin-token``.
Its errors are the mock's own, so they carry the ``mockclaude:`` mark.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import orjson

from mockclaude.config import PACKAGE_SPECS
from mockclaude.errors import ApiError, FaultSyntaxError
from mockclaude.netaddr import is_loopback as _is_loopback
from mockclaude.pipeline.faults import parse_fault, rule_text
from mockclaude.wire.reply import BytesReply, JsonReply, Reply
from mockclaude.wire.request import Request

if TYPE_CHECKING:
    from mockclaude.server.app import MockApp

ADMIN_SPEC = PACKAGE_SPECS / "mock-admin.yaml"


def _invented(status: int, message: str) -> ApiError:
    return ApiError(status, message, invented=True)


class AdminRoutes:
    def __init__(self, app: MockApp) -> None:
        self.app = app

    def routes(self) -> list[tuple[str, str, Any]]:
        fault_path = r"/_mock/faults/(?P<fault_id>[^/]+)"
        return [
            ("GET", "/_mock/health", self.health),
            ("GET", "/_mock/config", self.config),
            ("GET", "/_mock/stats", self.stats),
            ("GET", "/_mock/metrics", self.metrics),
            ("GET", "/_mock/journal", self.journal),
            ("DELETE", "/_mock/journal", self.clear_journal),
            ("GET", "/_mock/faults", self.faults),
            ("POST", "/_mock/faults", self.arm),
            ("DELETE", "/_mock/faults", self.disarm_all),
            ("DELETE", fault_path, self.disarm),
            ("GET", "/_mock/ratelimits", self.ratelimits),
            ("POST", "/_mock/reset", self.reset),
            ("POST", "/_mock/reload", self.reload),
            ("GET", "/_mock/openapi.yaml", self.spec),
        ]

    def check_access(self, request: Request, client_host: str | None) -> None:
        config = self.app.config
        if not config.admin_remote and client_host is not None and not _is_loopback(client_host):
            raise _invented(
                403,
                f"the admin API answers loopback clients only (you are {client_host}); "
                "start the mock with --admin-remote to allow others",
            )
        if config.admin_token:
            given = request.headers.get("x-mockclaude-admin-token", "")
            if not hmac.compare_digest(given.encode(), config.admin_token.encode()):
                raise _invented(401, "the admin API needs the x-mockclaude-admin-token header")

    # -- read ------------------------------------------------------------------------------------------
    def health(self, request: Request, params: dict[str, str]) -> Reply:
        app = self.app
        return JsonReply(
            payload={
                "status": "ok",
                "recordings": len(app.pipeline.recordings),
                "rules": len(app.pipeline.rules.rules),
                "faults": len(app.faults.armed),
                "rate_limits": app.limiter.table.name if app.limiter else None,
            }
        )

    def config(self, request: Request, params: dict[str, str]) -> Reply:
        values = asdict(self.app.config)
        values["api_keys"] = [f"<{len(values['api_keys'])} key(s), not shown>"] if values["api_keys"] else []
        values["admin_token"] = "<set, not shown>" if values["admin_token"] else ""
        return JsonReply(payload=orjson.loads(orjson.dumps(values, default=str)))

    def stats(self, request: Request, params: dict[str, str]) -> Reply:
        return JsonReply(payload=self.app.stats.snapshot())

    def metrics(self, request: Request, params: dict[str, str]) -> Reply:
        text = self.app.stats.prometheus()
        return BytesReply(body=text.encode(), content_type="text/plain; version=0.0.4; charset=utf-8")

    def journal(self, request: Request, params: dict[str, str]) -> Reply:
        raw = request.query_one("limit")
        limit = None
        if raw is not None:
            if not (raw.isascii() and raw.isdigit() and len(raw) < 10) or int(raw) < 1:
                raise _invented(400, f"limit: {raw!r} must be a positive integer")
            limit = int(raw)
        data = self.app.journal.entries(limit, request.query_one("path"))
        return JsonReply(payload={"data": data, "count": len(data)})

    def faults(self, request: Request, params: dict[str, str]) -> Reply:
        return JsonReply(payload={"data": [a.describe() for a in self.app.faults.armed]})

    def ratelimits(self, request: Request, params: dict[str, str]) -> Reply:
        limiter = self.app.limiter
        if limiter is None:
            return JsonReply(payload={"enabled": False, "buckets": []})
        return JsonReply(
            payload={"enabled": True, "preset": limiter.table.name, "buckets": limiter.snapshot()}
        )

    def spec(self, request: Request, params: dict[str, str]) -> Reply:
        return BytesReply(body=ADMIN_SPEC.read_bytes(), content_type="application/yaml")

    # -- change ----------------------------------------------------------------------------------------
    def arm(self, request: Request, params: dict[str, str]) -> Reply:
        try:
            body = orjson.loads(request.body or b"null")
            text = rule_text(body)
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise _invented(400, f"POST /_mock/faults: {exc}") from None
        try:
            fault = parse_fault(text, rule=True)
        except FaultSyntaxError as exc:  # the request brought the text: the mock's own 400
            raise ApiError.from_domain(exc) from None
        armed = self.app.faults.arm(fault)
        return JsonReply(status=201, payload=armed.describe())

    def disarm_all(self, request: Request, params: dict[str, str]) -> Reply:
        return JsonReply(payload={"cleared": self.app.faults.disarm()})

    def disarm(self, request: Request, params: dict[str, str]) -> Reply:
        if not self.app.faults.disarm(params["fault_id"]):
            raise _invented(404, f"no armed fault {params['fault_id']!r}")
        return JsonReply(payload={"cleared": 1})

    def clear_journal(self, request: Request, params: dict[str, str]) -> Reply:
        return JsonReply(payload={"cleared": self.app.journal.clear()})

    def reset(self, request: Request, params: dict[str, str]) -> Reply:
        self.app.reset()
        return JsonReply(payload={"reset": True})

    def reload(self, request: Request, params: dict[str, str]) -> Reply:
        """Recordings and rules, and the fault rules of --faults FILE; a bad file keeps the old content."""
        try:
            self.app.reload_fault_rules()
        except (ValueError, OSError) as exc:  # a FaultSyntaxError, or the file is gone
            raise _invented(400, f"fault rules not reloaded: {exc}") from None
        result = self.app.watcher.reload()
        if not result["reloaded"]:
            raise _invented(400, str(result["error"]))
        return JsonReply(payload=result)
