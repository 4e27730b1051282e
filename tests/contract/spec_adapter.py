"""The spec as schemathesis reads it: our stream conventions translated to the forms it understands.

`openapi/anthropic.yaml` describes streamed bodies with extensions (README convention 6): a
`text/event-stream` schema `{type: string, x-sse-event-schema: {$ref: MessageStreamEvent}}` and an
`application/x-jsonl` schema with `x-jsonl-item-schema`. Schemathesis 4 reads an Open API 3.1 event-stream
`schema` as the schema of each *event object* (`{event, data, id, retry}`), so `type: string` would fail every
event. The translation, done on a copy in memory (the file is not touched):

- event streams get an Open API 3.2 `itemSchema`: each event has an `event` name and a `data` string whose
  JSON (`contentMediaType`) must validate against the event schema (`contentSchema`);
- JSON Lines bodies get `{type: array, items: <item schema>}`, read by a deserializer registered here.

So `response_schema_conformance` checks every event and every results line; the event *grammar* (order,
indices, delta types) is the custom check's job (`checks.py`).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
import yaml

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi" / "anthropic.yaml"
JSONL = "application/x-jsonl"


@cache
def raw_document(path: Path = SPEC) -> dict[str, Any]:
    with path.open() as f:
        document: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return document


def adapted_document(path: Path = SPEC) -> dict[str, Any]:
    """A deep copy of the spec with stream and JSONL schemas in schemathesis' forms."""
    document = copy.deepcopy(raw_document(path))
    for media_type, media in _response_media(document):
        schema = media.get("schema") or {}
        if "x-sse-event-schema" in schema:
            media.pop("schema")
            media["itemSchema"] = _sse_item_schema(schema["x-sse-event-schema"])
        elif media_type == JSONL and "x-jsonl-item-schema" in schema:
            media["schema"] = {"type": "array", "items": schema["x-jsonl-item-schema"]}
    return document


def _response_media(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in (operation.get("responses") or {}).values():
                for media_type, media in (response.get("content") or {}).items():
                    found.append((media_type, media))
    return found


def _sse_item_schema(event_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string"},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": event_schema},
        },
    }


@schemathesis.deserializer(JSONL)
def _deserialize_jsonl(_ctx: schemathesis.DeserializationContext, response: schemathesis.Response) -> Any:
    """One JSON document per `\n`-ended line (not `splitlines`: U+2028 and friends may sit inside strings);
    blank lines and a missing final newline are the custom check's business."""
    return [json.loads(line) for line in response.content.decode().split("\n") if line.strip()]
