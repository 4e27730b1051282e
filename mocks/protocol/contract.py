"""The contract at run time: request schemas compiled from ``openapi/`` at start-up.

Nothing in the spec is repeated in code. Each request schema gets two validators: a compiled
fastjsonschema function (the fast yes/no on every request) and, only when that says no, a jsonschema
validator that finds the error and words it the way the API does (pydantic-style messages on dotted
paths, union variants named by their ``type``, e.g. ``tools.0.custom.name: String should match …``).

Work per request is bounded before either runs (:class:`BodyLimits`): the spec's top-level ``maxItems``
(100,000 messages) are checked by length, and nesting deeper than :data:`MAX_DEPTH` is refused, so no
walk recurses past Python's limit. On a large body the wording walk looks only at the item the fast
validator failed on, not at the 99,999 valid ones before it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockclaude.errors import ApiError, invalid
from mockclaude.files import default_cache_dir, load_yaml, write_atomically

SPEC_URI = "urn:mockclaude:openapi"
_FORMATS = {"date-time": r"^\d{4}-\d\d-\d\dT"}
log = logging.getLogger("mockclaude")

# Friendlier API texts for a few (path, keyword) pairs, as the real API words them (facts §5.4).
_OVERRIDES = {("messages", "minItems"): "messages: at least one message is required"}
_TYPE_NAMES = {
    "string": "a valid string",
    "integer": "a valid integer",
    "number": "a valid number",
    "boolean": "a valid boolean",
    "object": "a valid dictionary",
    "array": "a valid list",
    "null": "None",
}


MAX_DEPTH = 64  # arrays and objects nested in a request body (a tool's input_schema included)
NARROW_ABOVE = 10_000  # values in a body above which the wording walk looks at the failing item only


def nesting(value: Any, limit: int) -> int | None:
    """How many arrays, objects and values ``value`` holds, or None as soon as it nests deeper than
    ``limit`` (a loop over a stack: no recursion, whatever the depth)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return None
                stack.append((child, depth + 1))
            else:
                nodes += 1
    return nodes


def _count_message(bound: str, value: int, actual: int) -> str:
    return f"List should have {bound} {value} item{'s' if value != 1 else ''} after validation, not {actual}"


@dataclass(frozen=True)
class BodyLimits:
    """Cheap limits checked before any schema walk: the length of top-level arrays with a ``maxItems``
    in the spec, and the nesting depth. Plain data, so a worker process can check a body too."""

    max_items: tuple[tuple[str, int], ...] = ()
    max_depth: int = MAX_DEPTH

    def check(self, body: Any) -> int:
        """The number of values in ``body``; raises the 400 of the first limit it breaks."""
        if isinstance(body, dict):
            for name, cap in self.max_items:
                items = body.get(name)
                if isinstance(items, list) and len(items) > cap:
                    raise invalid(f"{name}: {_count_message('at most', cap, len(items))}")
        nodes = nesting(body, self.max_depth)
        if nodes is None:  # the API's text for this is not known: the mock's own, marked
            raise ApiError(
                400,
                f"the request body nests arrays and objects more than {self.max_depth} deep",
                invented=True,
            )
        return nodes


def _tag(schema: dict[str, Any], key: str) -> Any:
    """The ``key`` const of a union variant, e.g. its ``type`` (None when it has none)."""
    prop = schema.get("properties", {}).get(key, {})
    if "const" in prop:
        return prop["const"]
    enum = [v for v in prop.get("enum") or [] if v is not None]
    return enum[0] if enum else None


def _quote(values: list[Any]) -> str:
    quoted = [repr(v) if not isinstance(v, str) else f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


class RequestValidator:
    """Validates one request schema; :meth:`error` returns None or the API's error message."""

    def __init__(
        self,
        document: dict[str, Any],
        registry: Registry,
        name: str,
        digest: str = "",
        cache_dir: Path | None = None,
        limits: BodyLimits = BodyLimits(),
    ) -> None:
        self.name = name
        self.limits = limits
        ref = {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
        self._slow = jsonschema.Draft202012Validator(ref, registry=registry)
        self._resolver = registry.resolver(SPEC_URI)
        self._fast: Callable[[Any], Any] | None
        try:
            self._fast = _compiled_validator(document, name, digest, cache_dir)
        except Exception:  # a keyword fastjsonschema cannot compile: fall back to jsonschema alone
            log.warning("fastjsonschema cannot compile %s; validating with jsonschema only", name)
            self._fast = None

    def error(self, instance: Any) -> str | None:
        """None when ``instance`` is valid, else the API's message for its first error. A body over a
        :class:`BodyLimits` limit raises that 400 (:class:`ApiError`) before any schema walk."""
        nodes = self.limits.check(instance)
        failed: fastjsonschema.JsonSchemaValueException | None = None
        if self._fast is not None:
            try:
                self._fast(instance)
                return None
            except fastjsonschema.JsonSchemaValueException as exc:
                failed = exc
        if failed is not None and nodes > NARROW_ABOVE:
            return self._error_near(instance, failed)
        first = next(iter(self._slow.iter_errors(instance)), None)
        return None if first is None else self._describe(first, ())

    def _error_near(self, instance: Any, failed: fastjsonschema.JsonSchemaValueException) -> str:
        """The error of a large body, worded from the item the fast validator failed on: every list on
        its path is cut down to that one item for the wording walk, whose positions are then put back."""
        steps = [int(p) if p.isdigit() else p for p in failed.path[1:]]
        if failed.rule in ("maxItems", "minItems") and isinstance(failed.value, list):
            bound = "at most" if failed.rule == "maxItems" else "at least"
            where = ".".join(map(str, steps))
            message = _count_message(bound, int(failed.rule_definition), len(failed.value))
            override = _OVERRIDES.get((where, failed.rule))
            return override or (f"{where}: {message}" if where else message)
        subject, spots = _narrowed(instance, steps)
        first = next(iter(self._slow.iter_errors(subject)), None)
        if first is None:  # the two validators disagree: say what the fast one found
            return str(failed.message).removeprefix("data.").removeprefix("data ")
        return self._describe(first, (), spots)

    # -- wording ---------------------------------------------------------------------------------------
    def _describe(
        self, error: ValidationError, tags: tuple[tuple[int, str], ...], spots: Sequence[Any] = ()
    ) -> str:
        """``path: message`` for one error; ``tags`` are union variant names to insert into the path;
        ``spots`` the path a large body was narrowed along (its list positions put back)."""
        path = _positions(list(error.absolute_path), spots)
        if error.validator in ("oneOf", "anyOf") and error.context:
            return self._describe_union(error, path, tags, spots)
        if error.validator == "required":
            path.append(str(error.message).split("'")[1] if "'" in str(error.message) else "?")
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            path.append(extras[0] if extras else "?")
        plain = ".".join(path)
        for position, tag in sorted(tags, reverse=True):
            path.insert(position, tag)
        key = ".".join(path)
        override = _OVERRIDES.get((plain, str(error.validator)))
        if override:
            return override
        message = self._message(error)
        return f"{key}: {message}" if key else message

    def _describe_union(
        self,
        error: ValidationError,
        path: list[str],
        tags: tuple[tuple[int, str], ...],
        spots: Sequence[Any] = (),
    ) -> str:
        """Descend into the variant the instance meant: by its ``type`` tag, else the one it got furthest in."""
        instance = error.instance
        variants = [self._resolve(v) for v in error.validator_value]
        key = (error.schema.get("discriminator") or {}).get("propertyName")
        if key is None:
            key = next(
                (k for k in ("type", "role") if sum(_tag(v, k) is not None for v in variants) > 1), "type"
            )
        tag_values = [_tag(v, key) for v in variants]
        by_variant: dict[int, list[ValidationError]] = {}
        for sub in error.context or []:
            by_variant.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        if isinstance(instance, dict) and any(tag_values):
            tag = instance.get(key)
            if tag is None:
                chosen = [i for i, v in enumerate(variants) if key not in v.get("required", [])]
            else:
                chosen = [i for i, value in enumerate(tag_values) if value == tag]
            if not chosen:
                expected = _quote([v for v in tag_values if v is not None])
                where = ".".join(path)
                return f"{where}: Input tag '{tag}' found using '{key}' does not match any of the expected tags: {expected}"
            index = chosen[0]
            subs = by_variant.get(index)
            if subs:
                # The API names the variant of a ``type``-tagged union in the path (tools.0.custom.name).
                label = ((len(path), str(tag_values[index] or "custom")),) if key == "type" else ()
                return self._describe(subs[0], (*tags, *label), spots)
        best = max(by_variant.values(), key=lambda errs: (len(errs[0].absolute_path), -len(errs)))
        return self._describe(best[0], tags, spots)

    def _resolve(self, schema: Any) -> dict[str, Any]:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self._resolver.lookup(schema["$ref"]).contents
        if isinstance(schema, dict) and "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                part = self._resolve(part)
                merged.setdefault("properties", {}).update(part.get("properties", {}))
            return {**schema, **merged}
        return schema if isinstance(schema, dict) else {}

    @staticmethod
    def _message(error: ValidationError) -> str:
        v, value = error.validator, error.validator_value
        if v == "required":
            return "Field required"
        if v == "additionalProperties":
            return "Extra inputs are not permitted"
        if v == "type":
            kinds = value if isinstance(value, list) else [value]
            return "Input should be " + " or ".join(
                _TYPE_NAMES.get(str(k), str(k)) for k in kinds if k != "null"
            )
        if v == "enum":
            return f"Input should be {_quote(list(value))}"
        if v == "const":
            return f"Input should be {_quote([value])}"
        if v == "minimum":
            return f"Input should be greater than or equal to {value}"
        if v == "maximum":
            return f"Input should be less than or equal to {value}"
        if v == "exclusiveMinimum":
            return f"Input should be greater than {value}"
        if v == "exclusiveMaximum":
            return f"Input should be less than {value}"
        if v == "minLength":
            return f"String should have at least {value} character{'s' if value != 1 else ''}"
        if v == "maxLength":
            return f"String should have at most {value} character{'s' if value != 1 else ''}"
        if v == "pattern":
            return f"String should match pattern '{value}'"
        if v == "minItems":
            return _count_message("at least", value, len(error.instance))
        if v == "maxItems":
            return _count_message("at most", value, len(error.instance))
        if v == "format":
            return f"Input should be a valid {value}"
        return str(error.message)


def _narrowed(instance: Any, steps: list[Any]) -> tuple[Any, list[Any]]:
    """A copy of ``instance`` in which each list along ``steps`` holds only the item ``steps`` names
    (shallow: only the containers on the path are copied), and ``steps`` as they read in the copy."""
    if not steps:
        return instance, []
    head, rest = steps[0], steps[1:]
    if isinstance(instance, list) and isinstance(head, int) and 0 <= head < len(instance):
        inner, spots = _narrowed(instance[head], rest)
        return [inner], [head, *spots]
    if isinstance(instance, dict) and head in instance:
        inner, spots = _narrowed(instance[head], rest)
        return {**instance, head: inner}, [head, *spots]
    return instance, []


def _positions(path: list[Any], spots: Sequence[Any]) -> list[str]:
    """An error's path in the original body: where it runs along ``spots``, position 0 of a narrowed
    list is the item's real index."""
    out = [str(p) for p in path]
    for n, spot in enumerate(spots):
        if n >= len(path):
            break
        if isinstance(spot, int):
            if path[n] != 0:
                break
            out[n] = str(spot)
        elif path[n] != spot:
            break
    return out


def _compiled_validator(
    document: dict[str, Any], name: str, digest: str, cache_dir: Path | None
) -> Callable[[Any], Any]:
    """fastjsonschema's validator for one schema. Generating and compiling its ~1.7 MB of Python takes
    about 0.25 s, so the code object is kept in ``cache_dir`` keyed by the spec's digest, the schema,
    and the Python and fastjsonschema versions; a stale or unreadable cache entry is simply rebuilt."""
    key = hashlib.sha256(f"{digest}|{name}|{sys.version}|{fastjsonschema.VERSION}".encode()).hexdigest()[:32]
    cached = cache_dir / f"validator-{key}.marshal" if cache_dir is not None and digest else None
    code = None
    if cached is not None and cached.exists():
        try:
            code = marshal.loads(cached.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            code = None
    if code is None:
        source = fastjsonschema.compile_to_code(
            {"components": document["components"], "$ref": f"#/components/schemas/{name}"},
            formats=_FORMATS,
        )
        code = compile(source, f"<validator {name}>", "exec")
        if cached is not None:
            with contextlib.suppress(OSError):  # no cache then: only start-up is slower
                write_atomically(cached, marshal.dumps(code))
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    validate = namespace["validate"]
    return lambda data: validate(data, custom_formats=_FORMATS)


class Contract:
    """The OpenAPI document and the request validators compiled from it."""

    REQUEST_SCHEMAS = (
        "MessageCreateParams",
        "MessageCountTokensParams",
        "MessageBatchCreateParams",
        "MessageBatchRequest",
        # A request that names betas (``anthropic-beta`` or ``?beta=true``) is checked against these
        # (generated from the SDK's beta types by openapi/tools/beta_schemas.py).
        "BetaMessageCreateParams",
        "BetaMessageCountTokensParams",
        "BetaMessageBatchCreateParams",
        "BetaMessageBatchRequest",
    )

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = path
        raw = path.read_bytes()
        self.digest = hashlib.sha256(raw).hexdigest()
        self.document: dict[str, Any] = load_yaml(raw.decode("utf-8"))
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)
        cache = default_cache_dir() if cache_dir is None else cache_dir
        self.limits = BodyLimits(self._max_items())
        self.validators = {
            name: RequestValidator(self.document, self.registry, name, self.digest, cache, self.limits)
            for name in self.REQUEST_SCHEMAS
        }

    def _max_items(self) -> tuple[tuple[str, int], ...]:
        """The ``maxItems`` of the request schemas' top-level arrays (``messages``, ``requests``)."""
        caps: dict[str, int] = {}
        schemas = self.document["components"]["schemas"]
        for name in self.REQUEST_SCHEMAS:
            for prop, schema in (schemas[name].get("properties") or {}).items():
                if isinstance(schema, dict) and isinstance(schema.get("maxItems"), int):
                    caps[prop] = min(schema["maxItems"], caps.get(prop, schema["maxItems"]))
        return tuple(sorted(caps.items()))

    def schema_validator(self, name: str) -> jsonschema.Draft202012Validator:
        """A plain jsonschema validator for any component schema (tests use it on responses)."""
        return jsonschema.Draft202012Validator(
            {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}, registry=self.registry
        )
