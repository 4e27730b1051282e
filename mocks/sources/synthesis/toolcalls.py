"""The input of a synthesized tool call (which tools are called: :mod:`mockclaude.sources.synthesis.intent`).

Inputs are built from the tool's ``input_schema`` (required properties, or all when none are required),
filled from the user's text where a value can be found there, so they validate against the schema.
"""

from __future__ import annotations

import re
from typing import Any

_ARITH = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x×^])\s*(-?\d+(?:\.\d+)?)")


def arithmetic(text: str) -> tuple[str, str] | None:
    """The first ``a op b`` in the text and its result, as strings (None when there is none)."""
    m = _ARITH.search(text)
    if not m:
        return None
    a, op, b = float(m.group(1)), m.group(2), float(m.group(3))
    if op in "+":
        r = a + b
    elif op == "-":
        r = a - b
    elif op in "*x×":
        r = a * b
    elif op == "^":
        r = a**b if abs(b) < 64 else float("inf")
    else:
        r = a / b if b else float("nan")
    result = str(int(r)) if r == r and r not in (float("inf"), float("-inf")) and r == int(r) else f"{r:.6g}"
    return m.group(0), result


_PLACE = re.compile(r"\b(?:in|for|at|near|of)\s+([A-Z][\w'-]*(?:[ ,]+[A-Z][\w'-]*)*)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def build_input(schema: dict[str, Any], text: str) -> dict[str, Any]:
    """An input object that validates against ``schema`` (a tool's input_schema)."""
    value = _value(schema, "input", text, depth=0)
    return value if isinstance(value, dict) else {}


def _value(schema: Any, name: str, text: str, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 6:
        return "value"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        lowered = text.lower()
        for option in schema["enum"]:
            if isinstance(option, str) and option.lower() in lowered:
                return option
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            variants = [v for v in schema[key] if not (isinstance(v, dict) and v.get("type") == "null")]
            return _value((variants or schema[key])[0], name, text, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged.update(part)
        return _value(merged, name, text, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props: dict[str, Any] = schema.get("properties") or {}
        wanted = list(schema.get("required") or props)
        return {key: _value(props.get(key, {}), key, text, depth + 1) for key in wanted}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        return [_value(schema.get("items", {}), name, text, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(schema, kind, text)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, name, text)


def _number(schema: dict[str, Any], kind: str, text: str) -> int | float:
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    candidates = [float(n) for n in _NUMBER.findall(text)] + [1.0]
    for c in candidates:
        v: int | float = int(c) if kind == "integer" else c
        if kind == "integer" and c != int(c):
            continue
        if lo is not None and (v < lo or ("exclusiveMinimum" in schema and v <= schema["exclusiveMinimum"])):
            continue
        if hi is not None and (v > hi or ("exclusiveMaximum" in schema and v >= schema["exclusiveMaximum"])):
            continue
        return v
    if lo is not None:
        base = lo + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
        return int(base) if kind == "integer" else float(base)
    return 0


def _string(schema: dict[str, Any], name: str, text: str) -> str:
    key = name.lower()
    fmt = schema.get("format")
    if fmt == "date":
        value = "2026-11-24"
    elif fmt == "date-time":
        value = "2026-11-24T12:00:00Z"
    elif fmt == "email" or "email" in key:
        value = "user@example.com"
    elif fmt in ("uri", "url") or key in ("url", "uri", "link"):
        value = "https://example.com/"
    elif key in ("location", "city", "place", "address", "destination", "origin", "region"):
        m = _PLACE.search(text)
        value = m.group(1).strip(" ,") if m else "San Francisco, CA"
    elif key in ("expression", "formula", "equation", "expr"):
        found = arithmetic(text)
        value = found[0] if found else text.strip()[:80] or "1 + 1"
    elif key in ("unit", "units"):
        value = "celsius"
    else:
        value = " ".join(text.split())[:80] or name
    min_len, max_len = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if max_len is not None:
        value = value[: int(max_len)]
    return value
