"""Check any answer of the mock against the spec: the operation is found by method and path, the
schema by status and content type (JSON body, each SSE event, each JSONL line). The answer to a beta request
(an ``anthropic-beta`` header or ``?beta=true``) is checked against the beta twin of that schema
(``BetaMessage`` for ``Message``, ``BetaRawMessageStreamEvent`` for each event, …), generated from the SDK's
beta types."""

from __future__ import annotations

import json
import re
from typing import Any

from mockclaude.protocol.contract import Contract
from tests.spec.sse_grammar import check_stream_text

_METHODS = ("get", "post", "delete", "put", "patch")


class ResponseConformance:
    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._operations: list[tuple[str, re.Pattern[str], dict[str, Any]]] = []
        for template, item in contract.document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method in _METHODS:
                if method in item:
                    self._operations.append((method.upper(), pattern, item[method]))
        self.checked = 0
        self.checked_beta = 0

    def _response_spec(self, method: str, path: str, status: int) -> dict[str, Any]:
        for op_method, pattern, operation in self._operations:
            if op_method == method and pattern.match(path):
                responses = operation["responses"]
                spec = (
                    responses.get(str(status))
                    or responses.get(f"{str(status)[0]}XX")
                    or responses.get("default")
                )
                if spec is None:
                    raise AssertionError(
                        f"{method} {path}: status {status} is not documented ({sorted(responses)})"
                    )
                return self._deref(spec)
        raise AssertionError(f"{method} {path}: no operation in the spec")

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.contract.document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _schema_name(self, schema: dict[str, Any], key: str = "$ref") -> str:
        ref = schema.get(key) if key == "$ref" else (schema.get(key) or {}).get("$ref")
        if not ref:
            raise AssertionError(f"no schema reference under {key!r} in {schema}")
        return str(ref).rsplit("/", 1)[-1]

    def check_response(self, response: Any) -> None:
        """Check an httpx/httpx2 response (already read) against the operation it answered."""
        request = response.request
        beta = bool(request.headers.get("anthropic-beta")) or request.url.params.get("beta") == "true"
        self.check(
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
            beta=beta,
        )

    def check(
        self, method: str, path: str, status: int, content_type: str, body: bytes, *, beta: bool = False
    ) -> None:
        """Raise AssertionError naming the schema and the problem when the answer does not conform."""
        spec = self._response_spec(method, path, status)
        media = (content_type or "").split(";")[0].strip()
        content = spec.get("content") or {}
        if media not in content:
            raise AssertionError(
                f"{method} {path} {status}: content type {media!r} not documented ({sorted(content)})"
            )
        schema = content[media].get("schema") or {}
        if media == "text/event-stream":
            name = self._schema_name(schema, "x-sse-event-schema")
            documents = [e.data for e in check_stream_text(body.decode())]
        elif "jsonl" in media:
            name = self._schema_name(schema, "x-jsonl-item-schema")
            lines = body.decode().split("\n")
            assert lines[-1] == "" and all(lines[:-1]), "JSONL: no blank lines, one trailing newline"
            documents = [json.loads(line) for line in lines[:-1]]
        else:
            name = self._schema_name(schema)
            documents = [json.loads(body)]
        if beta:
            name = "Beta" + name
            if name not in self.contract.document["components"]["schemas"]:
                raise AssertionError(f"{method} {path} {status}: a beta answer, and no {name} in the spec")
        validator = self.contract.schema_validator(name)
        for document in documents:
            errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
            if errors:
                where = ".".join(str(p) for p in errors[0].absolute_path)
                raise AssertionError(
                    f"{method} {path} {status}: {name} at {where or '<root>'}: {errors[0].message}"
                )
            self.checked += 1
            self.checked_beta += beta
