"""Structured outputs: the answer's text is JSON valid against the request's schema.

The schema comes from ``output_config.format`` (``{"type": "json_schema", "schema": …}``) or from the beta's
``output_format`` (same shape). The JSON is made by :func:`mockclaude.sources.synthesis.values.instance`
(every property filled, plausible and deterministic) and sent like any text: one text block, or text deltas
when streamed. The API's refusals of unsupported schemas are in :mod:`mockclaude.pipeline.output_schemas`.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockclaude.sources.synthesis.values import instance


def output_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema the answer must follow, or None when the request asks for none."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    if fmt is None:
        fmt = body.get("output_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
        schema: dict[str, Any] = fmt["schema"]
        return schema
    return None


def json_answer(schema: dict[str, Any], user_text: str, seed: bytes) -> str:
    """The answer's text: compact JSON, like the model's."""
    return orjson.dumps(instance(schema, user_text, seed + b"output")).decode()
