"""``mockclaude verify``: check recordings against their format schema and the spec, and refuse secrets.

For each file: the YAML parses; it validates against ``recording.schema.json``; its request body is a
valid request for its path and its answer a valid answer (Message, each stream event, or the error
envelope) under ``openapi/``; and nothing in it looks like a credential (``sk-ant-`` keys, bearer
tokens, an ``x-api-key``/``authorization`` header). Prints one line per problem and exits 1 if any:
usable as a pre-commit hook and in CI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mockclaude.protocol.contract import Contract

SCHEMA_PATH = Path(__file__).with_name("recording.schema.json")
SECRET_PATTERNS = (
    (re.compile(r"sk-ant-[A-Za-z0-9_-]{6,}"), "an Anthropic API key (sk-ant-…)"),
    (re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/-]{12,}"), "a bearer token"),
    (
        re.compile(r"(?im)^\s*(x-api-key|authorization|cookie|anthropic-organization-id)\s*:"),
        "a credential header",
    ),
)
REQUEST_SCHEMAS = {
    "/v1/messages": "MessageCreateParams",
    "/v1/messages/count_tokens": "MessageCountTokensParams",
}
ANSWER_SCHEMAS = {"/v1/messages": "Message", "/v1/messages/count_tokens": "MessageTokensCount"}


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    return out


def verify_file(path: Path, contract: Contract, format_schema: dict[str, Any]) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, what in SECRET_PATTERNS:
            if pattern.search(line):
                problems.append(f"{path}:{number}: looks like {what}; recordings must never hold credentials")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [
            *problems,
            f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML ({getattr(exc, 'problem', exc)})",
        ]
    for error in jsonschema.Draft202012Validator(format_schema).iter_errors(document):
        where = ".".join(str(p) for p in error.absolute_path) or "<root>"
        problems.append(f"{path}: {where}: {error.message}")
    if problems:
        return problems
    request, response = document["request"], document["response"]
    request_schema = REQUEST_SCHEMAS.get(request["path"])
    if request_schema:
        message = (
            contract.validators[request_schema].error(request["body"])
            if request_schema in contract.validators
            else None
        )
        if message:
            problems.append(f"{path}: request.body: {message}")
    answer_schema = (
        ANSWER_SCHEMAS.get(request["path"], "Message") if response["status"] == 200 else "ErrorResponse"
    )
    documents = [(f"response.events.{i}.data", e["data"]) for i, e in enumerate(response.get("events") or [])]
    if documents:
        answer_schema = "MessageStreamEvent"
        names = [e["event"] for e in response["events"]]
        if names[0] != "message_start" or names[-1] not in ("message_stop", "error"):
            problems.append(
                f"{path}: response.events: a stream starts with message_start and ends with message_stop or error"
            )
    else:
        documents = [("response.body", response.get("body"))]
    validator = contract.schema_validator(answer_schema)
    for where, value in documents:
        for error in list(validator.iter_errors(value))[:1]:
            inner = ".".join(str(p) for p in error.absolute_path)
            problems.append(
                f"{path}: {where}{'.' + inner if inner else ''}: not a valid {answer_schema}: {error.message[:200]}"
            )
    return problems


def verify(paths: Iterable[Path], spec_path: Path) -> list[str]:
    contract = Contract(spec_path)
    format_schema = json.loads(SCHEMA_PATH.read_text())
    problems: list[str] = []
    for path in _files(paths):
        problems.extend(verify_file(path, contract, format_schema))
    return problems
