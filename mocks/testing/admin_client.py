"""A client of the mock's admin API (``/_mock/``): the journal, faults, rules reload and reset.

It speaks HTTP through any ``httpx2.Client`` — one wired to the app in-process, or one pointed at a
live server — so tests use the journal and faults the same way in both modes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx2

from mockclaude.errors import MockClaudeError


class AdminError(MockClaudeError, RuntimeError):
    """The admin API refused a call; the message carries its status and answer."""


class Admin:
    """Calls of the admin API; ``token`` is sent as ``x-mockclaude-admin-token`` (the mock's ``admin_token``)."""

    def __init__(self, http: httpx2.Client, token: str = "") -> None:
        self.http = http
        self.token = token

    def call(self, method: str, route: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        headers = {"x-mockclaude-admin-token": self.token} if self.token else None
        response = self.http.request(method, "/_mock/" + route, json=body, params=params, headers=headers)
        if response.status_code >= 400:
            raise AdminError(f"{method} /_mock/{route}: {response.status_code} {response.text}")
        return response.json()

    def reload(self) -> dict[str, Any]:
        """Reload rules and recordings from their directories."""
        result: dict[str, Any] = self.call("POST", "reload")
        return result

    def reset(self) -> None:
        """Clear stats, the journal, faults armed through the API, rate-limit buckets and batches."""
        self.call("POST", "reset")

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "stats")
        return result


class Journal:
    """The requests the mock has seen, oldest first: ``journal.messages()`` are the bodies sent to
    ``POST /v1/messages``; each entry also has ``status``, ``model``, ``origin``, ``fault``, ``stream``,
    ``request.headers`` (credentials redacted) and ``response``."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    def entries(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        params = {"path": path} if path else None
        data: list[dict[str, Any]] = self.admin.call("GET", "journal", params=params)["data"]
        return [e for e in data if method is None or e["method"] == method.upper()]

    def messages(self) -> list[dict[str, Any]]:
        """The request bodies of every ``POST /v1/messages``, oldest first."""
        return [e["request"]["body"] for e in self.entries("/v1/messages", "POST")]

    def last(self, path: str | None = "/v1/messages") -> dict[str, Any]:
        entries = self.entries(path)
        if not entries:
            raise AssertionError(f"the mock has seen no request to {path or 'any path'}")
        return entries[-1]

    def clear(self) -> None:
        self.admin.call("DELETE", "journal")

    def count(
        self,
        path: str | None = "/v1/messages",
        *,
        model: str | None = None,
        tool: str | None = None,
        tool_use: str | None = None,
        status: int | None = None,
        stream: bool | None = None,
        matcher: Callable[[dict[str, Any]], bool] | None = None,
    ) -> int:
        """How many requests to ``path`` (None: any) match every criterion given: ``model`` (as asked or
        as answered), ``tool`` (the request offers a tool of that name), ``tool_use`` (the answer called
        it), ``status``, ``stream``, ``matcher`` (a function of the journal entry). For assertions:
        ``assert mockclaude_journal.count(model="claude-haiku-4-5", tool="get_weather") == 2``."""

        def matches(entry: dict[str, Any]) -> bool:
            body = entry["request"]["body"] if isinstance(entry["request"]["body"], dict) else {}
            return (
                (model is None or model in (body.get("model"), entry.get("model")))
                and (tool is None or tool in _names(body.get("tools")))
                and (tool_use is None or tool_use in _tool_uses(entry.get("response")))
                and (status is None or entry["status"] == status)
                and (stream is None or bool(entry.get("stream")) is stream)
                and (matcher is None or bool(matcher(entry)))
            )

        return sum(1 for entry in self.entries(path) if matches(entry))

    def __len__(self) -> int:
        return len(self.entries())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries())


def _names(tools: Any) -> list[str]:
    return [str(t.get("name")) for t in tools or () if isinstance(t, dict)]


def _tool_uses(response: Any) -> list[str]:
    """The names of the tools an answer (a Message, or a stream's summary) called."""
    message = response.get("message", response) if isinstance(response, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    return [str(b.get("name")) for b in content or () if isinstance(b, dict) and b.get("type") == "tool_use"]


class Faults:
    """Faults armed through the admin API (see the README, "Faults"): ``faults.add("529; times=2")``."""

    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    def add(self, fault: str, **where: Any) -> str:
        """Arm a fault rule (``path=``, ``model=``, ``probability=``, ... narrow it); returns its id."""
        armed: dict[str, Any] = self.admin.call("POST", "faults", {"fault": fault, **where})
        return str(armed["id"])

    def list(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.admin.call("GET", "faults")["data"]
        return data

    def remove(self, fault_id: str) -> None:
        self.admin.call("DELETE", f"faults/{fault_id}")

    def clear(self) -> None:
        self.admin.call("DELETE", "faults")
