"""Schemas structured outputs refuse: ``output_config.format``, the beta ``output_format`` and ``strict`` tools.

What the API takes (its structured-outputs page, "JSON Schema limitations"): the basic types, ``enum`` of
primitives, ``const``, ``anyOf``, ``allOf``, local ``$ref``/``$defs``/``definitions``, ``default``,
``required``, ``additionalProperties: false`` (required on every object), the string formats below, and
``minItems`` of 0 or 1. It refuses numeric bounds, string lengths, other array bounds, any
``additionalProperties`` but ``false``, complex enum values, external ``$ref`` and recursive schemas.

Message texts: those marked ⚠ are from third-party reports of the live 400 (issue threads quoting the API);
those marked ⚠⚠ are not verified at all and written in the API's style.
"""

from __future__ import annotations

from typing import Any

from mockclaude.errors import ApiError, invalid

STRING_FORMATS = frozenset(
    ("date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid")
)
# keyword -> the types it is refused for
UNSUPPORTED = {
    "minimum": ("integer", "number"),
    "maximum": ("integer", "number"),
    "exclusiveMinimum": ("integer", "number"),
    "exclusiveMaximum": ("integer", "number"),
    "multipleOf": ("integer", "number"),
    "minLength": ("string",),
    "maxLength": ("string",),
    "maxItems": ("array",),
    "uniqueItems": ("array",),
    "contains": ("array",),
    "minContains": ("array",),
    "maxContains": ("array",),
    "prefixItems": ("array",),
    "minProperties": ("object",),
    "maxProperties": ("object",),
    "patternProperties": ("object",),
}


def schemas_to_check(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, schema) for every schema under the structured-outputs rules."""
    found: list[tuple[str, Any]] = []
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        found.append(("output_config.format.schema", fmt.get("schema")))
    beta = body.get("output_format")
    if isinstance(beta, dict) and beta.get("type") == "json_schema":
        found.append(("output_format.schema", beta.get("schema")))
    for i, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict) and tool.get("strict") is True and "input_schema" in tool:
            found.append((f"tools.{i}.custom", tool.get("input_schema")))
    return found


def refusal(body: dict[str, Any]) -> ApiError | None:
    """The API's 400 for the first unsupported schema, or None."""
    for where, schema in schemas_to_check(body):
        problem = _problem(schema, schema, [])
        if problem is not None:
            return invalid(f"{where}: {problem}")
    return None


def _problem(node: Any, root: Any, refs: list[str]) -> str | None:
    if isinstance(node, list):
        for item in node:
            found = _problem(item, root, refs)
            if found:
                return found
        return None
    if not isinstance(node, dict):
        return None
    ref = node.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#"):
            return f"External $ref '{ref}' is not supported"  # ⚠⚠
        if ref in refs:
            return "Recursive schemas are not supported"  # ⚠⚠
        found = _problem(_resolve(root, ref), root, [*refs, ref])
        if found:
            return found
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    for kind in kinds:
        found = _type_problem(node, str(kind))
        if found:
            return found
    enum = node.get("enum")
    if isinstance(enum, list) and any(isinstance(v, dict | list) for v in enum):
        return "Complex types in 'enum' are not supported"  # ⚠⚠
    for key in ("properties", "$defs", "definitions"):
        if isinstance(node.get(key), dict):
            if key != "properties":
                continue  # definitions are checked where they are used
            for sub in node[key].values():
                found = _problem(sub, root, refs)
                if found:
                    return found
    for key in ("items", "anyOf", "allOf", "oneOf", "not", "additionalProperties"):
        if isinstance(node.get(key), dict | list):
            found = _problem(node[key], root, refs)
            if found:
                return found
    return None


def _type_problem(node: dict[str, Any], kind: str) -> str | None:
    refused = sorted(k for k, types in UNSUPPORTED.items() if k in node and kind in types)
    if refused:
        if len(refused) == 1:
            return f"For '{kind}' type, property '{refused[0]}' is not supported"  # ⚠
        return f"For '{kind}' type, properties {', '.join(refused)} are not supported"  # ⚠
    if kind == "object":
        extra = node.get("additionalProperties")
        if extra is None:
            return "For 'object' type, 'additionalProperties' must be explicitly set to false"  # ⚠
        if extra is not False:
            # ⚠ for `true`; ⚠⚠ for a schema
            return "For 'object' type, 'additionalProperties: true' is not supported. Please set 'additionalProperties' to false"
    if kind == "array" and node.get("minItems") not in (None, 0, 1):
        return "For 'array' type, 'minItems' values other than 0 or 1 are not supported"  # ⚠
    fmt = node.get("format")
    if kind == "string" and isinstance(fmt, str) and fmt not in STRING_FORMATS:
        return f"For 'string' type, format '{fmt}' is not supported"  # ⚠⚠
    return None


def _resolve(root: Any, ref: str) -> Any:
    node = root
    for raw in ref[1:].split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        else:
            return None
    return node
