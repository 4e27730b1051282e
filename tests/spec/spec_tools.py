"""Shared helpers for the spec tests: load `openapi/anthropic.yaml`, resolve internal `$ref`s, inline schemas.

Everything here works on the plain parsed YAML (dicts and lists). Only internal references of the form
`#/...` are supported, which is the convention agreed for the spec.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import referencing
import yaml
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "openapi" / "anthropic.yaml"

# Base URI under which the whole OpenAPI document is registered for `jsonschema` validation.
SPEC_URI = "urn:anthropic-openapi"

JSON = Any  # a parsed JSON/YAML value


class _StrictishLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, so `2026-10-21` stays the string the wire carries."""


_StrictishLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str) -> JSON:
    """Parse YAML text the way the spec tests expect (no implicit timestamps)."""
    return yaml.load(text, Loader=_StrictishLoader)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> JSON:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"OpenAPI spec not found at {file}")
    return parse_yaml(file.read_text(encoding="utf-8"))


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """Return a private deep copy of the parsed spec (the parse itself is cached)."""
    doc = _load_cached(str(path))
    if not isinstance(doc, dict):
        raise TypeError(f"{path} does not contain a YAML mapping")
    return copy.deepcopy(doc)


@functools.cache
def beta_generator() -> types.ModuleType:
    """``openapi/tools/beta_schemas.py`` (a maintainer's script, not a package), loaded from its file."""
    path = REPO_ROOT / "openapi" / "tools" / "beta_schemas.py"
    spec = importlib.util.spec_from_file_location("beta_schemas", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_pointer_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_pointer(doc: JSON, pointer: str) -> JSON:
    """Resolve a JSON pointer (with or without the leading `#`) inside `doc`."""
    pointer = pointer.removeprefix("#")
    node = doc
    if not pointer:
        return node
    for raw in pointer.lstrip("/").split("/"):
        token = unescape_pointer_token(raw)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def schema_name_of_ref(ref: str) -> str | None:
    """`#/components/schemas/Message` -> `Message`; other pointers -> None."""
    prefix = "#/components/schemas/"
    if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
        return unescape_pointer_token(ref[len(prefix) :])
    return None


def make_registry(doc: dict[str, Any]) -> referencing.Registry[Any]:
    """A registry holding the whole document as one Draft 2020-12 resource at `SPEC_URI`."""
    resource = DRAFT202012.create_resource(doc)
    return referencing.Registry().with_resource(SPEC_URI, resource)


def ref_to(pointer: str) -> dict[str, str]:
    """A schema that points at `pointer` (e.g. `/components/schemas/Message`) inside the registered document."""
    return {"$ref": f"{SPEC_URI}#{pointer.removeprefix('#')}"}


def component_schemas(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc.get("components", {}).get("schemas", {})
    if not isinstance(schemas, dict):
        raise TypeError("components.schemas must be a mapping")
    return schemas


def iter_operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, http method, operation object) for every operation in `paths`."""
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    for path, item in (doc.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if method in methods and isinstance(operation, dict):
                yield path, method, operation


def find_operation(doc: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, method, operation in iter_operations(doc):
        if operation.get("operationId") == operation_id:
            return path, method, operation
    raise KeyError(f"no operation with operationId {operation_id!r}")


# --- Inlining (for hypothesis-jsonschema) ---------------------------------------------------------------

# Keys that mean something to OpenAPI tooling only; JSON Schema generators do not need them.
OPENAPI_ONLY_KEYS = frozenset(
    {"discriminator", "example", "examples", "deprecated", "readOnly", "writeOnly", "xml", "externalDocs"}
)


class RecursiveSchemaError(ValueError):
    """Raised when inlining would never terminate because a schema refers to itself."""


def inline_schema(doc: JSON, schema: JSON, *, _stack: tuple[str, ...] = ()) -> JSON:
    """Return `schema` with every internal `$ref` replaced by (a copy of) its target, recursively.

    OpenAPI-only keywords and `x-*` extensions are dropped. Sibling keywords next to a `$ref` (legal in
    OpenAPI 3.1) are kept by wrapping both in an `allOf`.
    """
    if isinstance(schema, list):
        return [inline_schema(doc, item, _stack=_stack) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(f"only internal references are supported, got {ref!r}")
        if ref in _stack:
            raise RecursiveSchemaError(" -> ".join((*_stack, ref)))
        target = inline_schema(doc, resolve_pointer(doc, ref), _stack=(*_stack, ref))
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        siblings = inline_schema(doc, siblings, _stack=_stack)
        # Annotation-only siblings (description, title, ...) do not constrain anything: drop them.
        if not set(siblings) - {"description", "title", "summary", "default"}:
            return target
        return {"allOf": [target, siblings]}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in OPENAPI_ONLY_KEYS or key.startswith("x-"):
            continue
        if key in {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}:
            out[key] = {name: inline_schema(doc, sub, _stack=_stack) for name, sub in value.items()}
        elif key in {"enum", "const", "default", "required"}:
            out[key] = copy.deepcopy(value)
        else:
            out[key] = inline_schema(doc, value, _stack=_stack)
    return out


# The smallest Message the SDK's strict validation accepts; tests remove a field from a copy to see it rejected.
MINIMAL_MESSAGE: dict[str, Any] = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}
