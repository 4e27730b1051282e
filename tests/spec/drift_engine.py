"""Structural comparison of Anthropic SDK types against OpenAPI schemas ("drift" check).

The SDK side and the spec side are walked in parallel, recursively:

* SDK side: TypedDicts (request params; `Required`/`NotRequired`/`total`), pydantic models (responses;
  `model_fields`, aliases), `Union`/`Optional` (None stripped), `Literal`, `Annotated` (unwrapped),
  list/Iterable/Sequence (items), dict/object/Any (opaque: the walk stops), str/int/float/bool, datetime/date.
* Spec side: `$ref` resolved, `allOf` merged, nullable `anyOf [X, {type: null}]` / `type: [T, "null"]`
  unwrapped, `properties`, `required`, `enum`/`const`, `items`, `oneOf`/`anyOf` variants.

Union variants that are objects are matched by the value of a discriminating Literal field (`type`, or for
example `role` for message params), so a failure path reads like
`MessageCreateParams.messages[].<user>.content[].<image>.source.<url>.url`.

What is compared (each failure is one `Mismatch`):

* field names both ways (SDK field missing in the spec; spec property unknown to the SDK);
* Literal/enum values both ways, including the set of union variants;
* the kind of value (string/integer/number/boolean/array/object) where both sides are specific;
* required-ness: requests both ways, responses SDK-required ⇒ spec-required (the spec may be stricter
  about what the server always sends);
* nullability: requests SDK-nullable ⇒ spec-nullable, responses spec-nullable ⇒ SDK-nullable;
* request objects must be closed (`additionalProperties: false` or `unevaluatedProperties: false`) unless
  the SDK itself accepts an arbitrary dict there.

Each mismatch carries `where`: the nearest named spec schema plus the property names below it
(`URLImageSource.url`, `Message.usage.speed`, `ContentBlock`), which is what `x-sdk-differences` entries name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic
import typing_extensions

from tests.spec.spec_tools import resolve_pointer, schema_name_of_ref

Direction = Literal["request", "response"]

# --------------------------------------------------------------------------------------------------------
# SDK side
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SdkField:
    """One field of an SDK TypedDict or pydantic model, under its wire name."""

    wire_name: str
    attr_name: str
    annotation: Any
    required: bool


@dataclass
class SdkShape:
    """The SDK type at one position, flattened: what kinds of JSON values it accepts."""

    nullable: bool = False
    opaque: bool = False  # dict / object / Any: anything goes, the walk stops here
    scalars: set[str] = field(default_factory=set)
    literals: list[Any] = field(default_factory=list)
    arrays: list[Any] = field(default_factory=list)  # item annotations
    objects: list[type] = field(default_factory=list)  # TypedDict or BaseModel classes


_ARRAY_ORIGINS: tuple[Any, ...] = (
    list,
    tuple,
    set,
    frozenset,
    Iterable,
    Sequence,
    typing.Iterable,
    typing.Sequence,
)
_WRAPPERS = (typing_extensions.Required, typing_extensions.NotRequired, typing_extensions.ReadOnly)


def unwrap_annotation(tp: Any) -> Any:
    """Strip Annotated[...], Required[...], NotRequired[...], ReadOnly[...] wrappers."""
    while True:
        origin = typing_extensions.get_origin(tp)
        if origin is typing_extensions.Annotated or origin in _WRAPPERS:
            tp = typing_extensions.get_args(tp)[0]
        else:
            return tp


def is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and typing_extensions.is_typeddict(tp)


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def sdk_type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def sdk_shape(tp: Any) -> SdkShape:
    """Flatten an SDK annotation into the JSON kinds it accepts."""
    shape = SdkShape()
    _add_to_shape(shape, tp)
    # Literal[True, False] is just a boolean.
    if {True, False} <= {v for v in shape.literals if isinstance(v, bool)}:
        shape.literals = [v for v in shape.literals if not isinstance(v, bool)]
        shape.scalars.add("boolean")
    return shape


def _add_to_shape(shape: SdkShape, tp: Any) -> None:
    tp = unwrap_annotation(tp)
    origin = typing_extensions.get_origin(tp)
    if tp is None or tp is type(None):
        shape.nullable = True
    elif origin is typing.Union or origin is types.UnionType:
        for arg in typing_extensions.get_args(tp):
            _add_to_shape(shape, arg)
    elif origin is typing_extensions.Literal or origin is typing.Literal:
        for value in typing_extensions.get_args(tp):
            if value is None:
                shape.nullable = True
            elif value not in shape.literals:
                shape.literals.append(value)
    elif origin in _ARRAY_ORIGINS:
        args = typing_extensions.get_args(tp)
        shape.arrays.append(args[0] if args else Any)
    elif origin in (dict, Mapping, typing.Mapping) or tp in (dict, object, Any):
        if tp in (object, Any):
            shape.nullable = True  # `object` also admits None
        shape.opaque = True  # maps and arbitrary values are not walked into
    elif tp is bool:
        shape.scalars.add("boolean")
    elif tp is int:
        shape.scalars.add("integer")
    elif tp is float:
        shape.scalars.add("number")
    elif tp in (str, dt.datetime, dt.date):
        shape.scalars.add("string")
    elif origin is typing.IO or tp is os.PathLike or origin is os.PathLike:
        shape.scalars.add("string")  # file inputs: the SDK base64-encodes them into a string before sending
    elif is_typeddict(tp) or is_model(tp):
        shape.objects.append(tp)
    elif isinstance(origin, type) and issubclass(origin, pydantic.BaseModel):
        shape.objects.append(tp)  # a parametrised generic model such as SyncPage[ModelInfo]
    else:
        raise TypeError(f"drift walker does not understand SDK annotation {tp!r}")


@functools.cache
def sdk_fields(tp: Any) -> dict[str, SdkField]:
    """Fields of a TypedDict or pydantic model, keyed by wire name (cached: treat the result as read-only)."""
    if is_typeddict(tp):
        hints = typing_extensions.get_type_hints(tp, include_extras=True)
        out: dict[str, SdkField] = {}
        for attr, annotation in hints.items():
            wire = _typeddict_alias(annotation) or attr
            out[wire] = SdkField(wire, attr, annotation, _typeddict_required(tp, attr, annotation))
        return out
    if is_model(tp) or is_model(typing_extensions.get_origin(tp)):
        fields: dict[str, Any] = tp.model_fields
        out = {}
        for attr, info in fields.items():
            annotation = info.annotation
            if info.metadata:
                annotation = typing_extensions.Annotated[(annotation, *info.metadata)]
            wire = info.alias or attr
            out[wire] = SdkField(wire, attr, annotation, info.is_required())
        return out
    raise TypeError(f"not an SDK object type: {tp!r}")


def _typeddict_required(tp: Any, attr: str, annotation: Any) -> bool:
    """Whether a TypedDict key is required.

    `__required_keys__` is not trustworthy here: the SDK modules use `from __future__ import annotations`, so
    at class creation `Required[...]`/`NotRequired[...]` are still strings and only `total=` is seen. The
    resolved hints tell the truth; `__required_keys__` is right for keys without such a wrapper.
    """
    while typing_extensions.get_origin(annotation) is typing_extensions.Annotated:
        annotation = typing_extensions.get_args(annotation)[0]
    origin = typing_extensions.get_origin(annotation)
    if origin is typing_extensions.Required:
        return True
    if origin is typing_extensions.NotRequired:
        return False
    return attr in getattr(tp, "__required_keys__", frozenset())


def _typeddict_alias(annotation: Any) -> str | None:
    """The wire name given by `Annotated[..., PropertyInfo(alias=...)]`, if any."""
    while True:
        origin = typing_extensions.get_origin(annotation)
        if origin is typing_extensions.Annotated:
            for meta in getattr(annotation, "__metadata__", ()):
                alias = getattr(meta, "alias", None)
                if isinstance(alias, str):
                    return alias
            annotation = typing_extensions.get_args(annotation)[0]
        elif origin in _WRAPPERS:
            annotation = typing_extensions.get_args(annotation)[0]
        else:
            return None


def literal_field_values(tp: Any, name: str) -> frozenset[Any] | None:
    """Values of field `name` of object type `tp` if that field is a Literal, else None."""
    sdk_field = sdk_fields(tp).get(name)
    if sdk_field is None:
        return None
    shape = sdk_shape(sdk_field.annotation)
    if shape.literals and not (shape.scalars or shape.objects or shape.arrays or shape.opaque):
        return frozenset(shape.literals)
    return None


# --------------------------------------------------------------------------------------------------------
# Spec side
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecNode:
    """A schema plus where it lives: its JSON pointer and the nearest named schema (`where` prefix)."""

    schema: Mapping[str, Any]
    pointer: str
    where: str

    def child(self, schema: Mapping[str, Any], pointer_suffix: str, where_suffix: str = "") -> SpecNode:
        return SpecNode(schema, self.pointer + pointer_suffix, self.where + where_suffix)


@dataclass
class SpecShape:
    """The spec schema at one position, flattened like `SdkShape`."""

    nullable: bool = False
    opaque: bool = False  # no type information at all
    scalars: set[str] = field(default_factory=set)
    literals: list[Any] = field(default_factory=list)
    arrays: list[SpecNode] = field(default_factory=list)
    objects: list[SpecNode] = field(default_factory=list)
    free_objects: int = 0  # `type: object` without properties (a map or arbitrary object)


_UNION_KEYS = ("oneOf", "anyOf")
_ANNOTATION_KEYS = {"description", "title", "summary", "default", "example", "examples", "deprecated"}


class SpecWalker:
    """Resolves references and flattens schemas of one OpenAPI document."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc

    def resolve(self, node: SpecNode, _seen: frozenset[str] = frozenset()) -> SpecNode:
        """Follow `$ref`s and merge `allOf` until a plain schema remains."""
        schema = node.schema
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref in _seen:
                raise ValueError(f"reference cycle without structure at {ref}")
            name = schema_name_of_ref(ref)
            target = SpecNode(resolve_pointer(self.doc, ref), ref, name or node.where)
            resolved = self.resolve(target, _seen | {ref})
            siblings = {k: v for k, v in schema.items() if k != "$ref" and k not in _ANNOTATION_KEYS}
            if siblings:
                merged = self._merge([resolved.schema, siblings])
                return SpecNode(merged, resolved.pointer + "+siblings", resolved.where)
            return resolved
        if "allOf" in schema:
            parts = [
                self.resolve(node.child(sub, f"/allOf/{i}"), _seen).schema
                for i, sub in enumerate(schema["allOf"])
            ]
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return SpecNode(self._merge([rest, *parts]), node.pointer, node.where)
        return node

    @staticmethod
    def _merge(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Merge allOf parts: properties and required are united, other keys: first one wins."""
        merged: dict[str, Any] = {}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in parts:
            properties.update(part.get("properties", {}))
            required.extend(r for r in part.get("required", []) if r not in required)
            for key, value in part.items():
                if key not in ("properties", "required"):
                    merged.setdefault(key, value)
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    def shape(self, node: SpecNode) -> SpecShape:
        """Flatten a schema into the JSON kinds it accepts (unions flattened, null split off)."""
        shape = SpecShape()
        self._add_to_shape(shape, node)
        return shape

    def _add_to_shape(self, shape: SpecShape, node: SpecNode) -> None:
        node = self.resolve(node)
        schema = node.schema
        for key in _UNION_KEYS:
            if key in schema:
                for i, sub in enumerate(schema[key]):
                    self._add_to_shape(shape, node.child(sub, f"/{key}/{i}"))
                return
        if "const" in schema or "enum" in schema:
            values = [schema["const"]] if "const" in schema else list(schema["enum"])
            for value in values:
                if value is None:
                    shape.nullable = True
                elif value not in shape.literals:
                    shape.literals.append(value)
            return
        declared = schema.get("type")
        kinds = declared if isinstance(declared, list) else [declared] if declared else []
        if not kinds:
            if "properties" in schema:
                kinds = ["object"]
            elif "items" in schema:
                kinds = ["array"]
        if not kinds:
            shape.opaque = True
        for kind in kinds:
            if kind == "null":
                shape.nullable = True
            elif kind == "array":
                shape.arrays.append(node.child(schema.get("items", {}), "/items"))
            elif kind == "object":
                if "properties" in schema:
                    shape.objects.append(node)
                else:
                    shape.free_objects += 1
            else:
                shape.scalars.add(kind)

    def property_values(self, node: SpecNode, name: str) -> frozenset[Any] | None:
        """Values of property `name` of object schema `node` if it is an enum/const, else None."""
        prop = node.schema.get("properties", {}).get(name)
        if prop is None:
            return None
        shape = self.shape(node.child(prop, f"/properties/{name}"))
        if shape.literals and not (shape.scalars or shape.objects or shape.arrays or shape.opaque):
            return frozenset(shape.literals)
        return None


# --------------------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    path: str  # e.g. MessageCreateParams.messages[].<user>.content[].<image>.source.<url>.url
    where: str  # e.g. URLImageSource.url: nearest named spec schema + property names
    problem: str
    also_where: tuple[str, ...] = ()  # e.g. the variant's own schema name for an unknown union variant

    def __str__(self) -> str:
        return f"{self.path}: {self.problem} [where: {self.where}]"


@dataclass
class Counters:
    fields: int = 0
    enum_values: int = 0

    def add(self, other: Counters) -> None:
        self.fields += other.fields
        self.enum_values += other.enum_values


@dataclass
class Comparison:
    """State of one root comparison."""

    walker: SpecWalker
    direction: Direction
    # SDK keys that never reach the body/query (sent as headers), per SDK object type.
    excluded_fields: Mapping[type, frozenset[str]] = dataclasses.field(default_factory=dict)
    mismatches: list[Mismatch] = dataclasses.field(default_factory=list)
    counters: Counters = dataclasses.field(default_factory=Counters)
    visited: set[tuple[int, str]] = dataclasses.field(default_factory=set)

    def report(self, path: str, node: SpecNode, problem: str, *, also_where: tuple[str, ...] = ()) -> None:
        self.mismatches.append(Mismatch(path, node.where, problem, also_where))

    # -- entry point ------------------------------------------------------------------------------------

    def compare(self, sdk_type: Any, node: SpecNode, path: str) -> None:
        """Compare the SDK annotation `sdk_type` with the spec schema `node`; record mismatches."""
        sdk = sdk_shape(sdk_type)
        spec = self.walker.shape(node)
        self._compare_nullability(sdk, spec, path, node)
        if sdk.opaque and not (sdk.objects or sdk.arrays):
            return  # the SDK accepts any JSON value/object here: nothing more to compare
        if spec.opaque:
            if sdk.scalars or sdk.literals or sdk.arrays or sdk.objects:
                self.report(path, node, f"spec schema has no type; SDK expects {describe_sdk(sdk)}")
            return
        self._compare_scalars(sdk, spec, path, node)
        self._compare_literals(sdk, spec, path, node)
        self._compare_arrays(sdk, spec, path, node)
        self._compare_objects(sdk, spec, path, node)

    # -- per kind ---------------------------------------------------------------------------------------

    def _compare_nullability(self, sdk: SdkShape, spec: SpecShape, path: str, node: SpecNode) -> None:
        if self.direction == "request" and sdk.nullable and not spec.nullable:
            self.report(path, node, "SDK allows null, spec does not")
        if self.direction == "response" and spec.nullable and not sdk.nullable:
            self.report(path, node, "spec allows null, SDK does not")

    def _compare_scalars(self, sdk: SdkShape, spec: SpecShape, path: str, node: SpecNode) -> None:
        for kind in sorted(sdk.scalars - spec.scalars):
            if kind == "string" and spec.literals and not sdk.literals:
                self.report(path, node, f"SDK accepts any string, spec only {fmt_values(spec.literals)}")
            elif not (kind == "number" and "integer" in spec.scalars):
                self.report(path, node, f"SDK accepts {kind}, spec does not")
        for kind in sorted(spec.scalars - sdk.scalars):
            if kind == "string" and sdk.literals:
                self.report(path, node, f"spec accepts any string, SDK only {fmt_values(sdk.literals)}")
            elif kind == "boolean" and any(isinstance(v, bool) for v in sdk.literals):
                self.report(path, node, f"spec accepts any boolean, SDK only {fmt_values(sdk.literals)}")
            elif kind == "integer" and "number" in sdk.scalars:
                self.report(path, node, "spec says integer, SDK says float")
            else:
                self.report(path, node, f"spec accepts {kind}, SDK does not")

    def _compare_literals(self, sdk: SdkShape, spec: SpecShape, path: str, node: SpecNode) -> None:
        self.counters.enum_values += len(sdk.literals)
        if not sdk.literals and not spec.literals:
            return
        open_sdk = "string" in sdk.scalars  # e.g. Union[Literal[...], str] for model ids
        if open_sdk and not spec.literals:
            return  # both accept any string; the spec does not list the known values, which is fine
        if not sdk.literals and "string" in sdk.scalars:
            return  # reported by _compare_scalars
        if not spec.literals and spec.scalars:
            return  # reported by _compare_scalars
        missing = [v for v in sdk.literals if v not in spec.literals]
        unknown = [v for v in spec.literals if v not in sdk.literals]
        if missing:
            self.report(path, node, f"enum values in SDK but not in spec: {fmt_values(missing)}")
        if unknown:
            self.report(path, node, f"enum values in spec but not in SDK: {fmt_values(unknown)}")

    def _compare_arrays(self, sdk: SdkShape, spec: SpecShape, path: str, node: SpecNode) -> None:
        if sdk.arrays and not spec.arrays:
            self.report(path, node, "SDK accepts an array, spec does not")
        elif spec.arrays and not sdk.arrays:
            self.report(path, node, "spec accepts an array, SDK does not")
        for sdk_item, spec_item in zip(sdk.arrays, spec.arrays, strict=False):
            self.compare(sdk_item, spec_item, path + "[]")

    def _compare_objects(self, sdk: SdkShape, spec: SpecShape, path: str, node: SpecNode) -> None:
        if self.direction == "request":
            sdk.objects = prefer_param_types(sdk.objects)
        if not sdk.objects:
            if spec.objects or (spec.free_objects and not sdk.opaque):
                self.report(path, node, "spec accepts an object, SDK does not")
            return
        if not spec.objects:
            if not spec.free_objects:
                self.report(path, node, f"SDK accepts an object ({names(sdk.objects)}), spec does not")
            elif not sdk.opaque:
                self.report(path, node, f"spec leaves the object free-form; SDK defines {names(sdk.objects)}")
            return
        if len(sdk.objects) == 1 and len(spec.objects) == 1:
            self._compare_object(sdk.objects[0], spec.objects[0], path, skip_field=None, open_=sdk.opaque)
            return
        self._compare_union(sdk, spec, path, node)

    def _compare_union(self, sdk: SdkShape, spec: SpecShape, path: str, node: SpecNode) -> None:
        """Match object variants by their discriminating Literal field and compare each pair."""
        key = discriminator_field(sdk.objects)
        if key is None:
            self.report(path, node, f"cannot tell SDK union variants apart: {names(sdk.objects)}")
            return
        sdk_keys = {tp: literal_field_values(tp, key) or frozenset() for tp in sdk.objects}
        spec_keys = [self.walker.property_values(variant, key) or frozenset() for variant in spec.objects]
        matched_spec: dict[int, list[type]] = {}
        for tp, values in sdk_keys.items():
            label = path + ".<" + "|".join(sorted_values(values, quote=False)) + ">"
            hits = [i for i, spec_values in enumerate(spec_keys) if values & spec_values]
            if not hits:
                self.report(
                    path,
                    node,
                    f"SDK variant {key}={fmt_values(values)} ({sdk_type_name(tp)}) missing in spec",
                )
                continue
            for i in hits:
                matched_spec.setdefault(i, []).append(tp)
            self._compare_object(tp, spec.objects[hits[0]], label, skip_field=key, open_=sdk.opaque)
        for i, variant in enumerate(spec.objects):
            values = spec_keys[i]
            if i not in matched_spec:
                self.report(
                    path,
                    node,
                    f"spec variant {key}={fmt_values(values)} ({variant.where}) unknown to the SDK",
                    also_where=(variant.where,),
                )
                continue
            sdk_values = frozenset().union(*(sdk_keys[tp] for tp in matched_spec[i]))
            self.counters.enum_values += len(sdk_values)
            if values - sdk_values:
                self.report(
                    path,
                    node,
                    f"spec variant {variant.where} has {key} values unknown to the SDK: {fmt_values(values - sdk_values)}",
                )

    def _compare_object(
        self, sdk_type: Any, node: SpecNode, path: str, *, skip_field: str | None, open_: bool
    ) -> None:
        """Compare the fields of one SDK object type with one spec object schema."""
        marker = (id(sdk_type), node.pointer)
        if marker in self.visited:
            return
        self.visited.add(marker)
        schema = node.schema
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        excluded = self.excluded_fields.get(sdk_type, frozenset())
        fields = {name: f for name, f in sdk_fields(sdk_type).items() if f.attr_name not in excluded}
        type_name = sdk_type_name(sdk_type)
        if self.direction == "request" and not open_ and not _is_closed(schema):
            self.report(path, node, "request object is not closed (additionalProperties: false)")
        for name, sdk_field in fields.items():
            self.counters.fields += 1
            field_path = f"{path}.{name}"
            if name not in properties:
                missing_at = node.child({}, f"/properties/{name}", f".{name}")
                self.report(
                    field_path, missing_at, f"SDK field {type_name}.{sdk_field.attr_name} missing in spec"
                )
                continue
            child = node.child(properties[name], f"/properties/{name}", f".{name}")
            self._compare_required(sdk_field, name in required, field_path, child)
            if name == skip_field:
                continue  # discriminator values are compared at the union level
            self.compare(sdk_field.annotation, child, field_path)
        for name in properties:
            if name not in fields:
                child = node.child(properties[name], f"/properties/{name}", f".{name}")
                self.report(
                    f"{path}.{name}",
                    child,
                    f"spec property unknown to the SDK ({type_name} has no such field)",
                )

    def _compare_required(self, sdk_field: SdkField, spec_required: bool, path: str, node: SpecNode) -> None:
        if sdk_field.required and not spec_required:
            self.report(path, node, "required in SDK, optional in spec")
        elif spec_required and not sdk_field.required and self.direction == "request":
            self.report(path, node, "required in spec, optional in SDK")


def prefer_param_types(objects: list[type]) -> list[type]:
    """In request unions, drop response models that duplicate a TypedDict variant.

    SDK 2.13 lets message content carry response blocks (`ContentBlock` models, e.g. `TextBlock`) next to the
    `*Param` TypedDicts; the SDK serialises them into the same wire objects, and the wire contract is the
    TypedDict. Models whose discriminator value no TypedDict covers are kept, so nothing is silently skipped.
    """
    params = [tp for tp in objects if is_typeddict(tp)]
    if not params or len(params) == len(objects):
        return objects
    key = discriminator_field(params)
    if key is None:
        return params
    covered = frozenset().union(*(literal_field_values(tp, key) or frozenset() for tp in params))
    extra = [
        tp
        for tp in objects
        if not is_typeddict(tp) and not (literal_field_values(tp, key) or frozenset()) <= covered
    ]
    return params + extra


def _is_closed(schema: Mapping[str, Any]) -> bool:
    return schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False


def discriminator_field(objects: Sequence[type]) -> str | None:
    """The field that tells object variants apart: `type` if every variant has it as a Literal, else the first
    field that is a Literal in every variant (e.g. `role`)."""
    candidates = ["type", *sorted(set().union(*(sdk_fields(tp) for tp in objects)))]
    for name in candidates:
        if all(literal_field_values(tp, name) for tp in objects):
            return name
    return None


def sorted_values(values: Iterable[Any], *, quote: bool = True) -> list[str]:
    return sorted(repr(v) if quote else str(v) for v in values)


def fmt_values(values: Iterable[Any]) -> str:
    """`['a', 'b']`: sorted reprs, for messages."""
    return "[" + ", ".join(sorted_values(values)) + "]"


def names(types_: Iterable[Any]) -> str:
    return ", ".join(sdk_type_name(tp) for tp in types_)


def describe_sdk(shape: SdkShape) -> str:
    parts = sorted(shape.scalars)
    if shape.literals:
        parts.append(f"one of {fmt_values(shape.literals)}")
    if shape.arrays:
        parts.append("array")
    if shape.objects:
        parts.append(names(shape.objects))
    return " | ".join(parts)


# --------------------------------------------------------------------------------------------------------
# Roots and deliberate differences
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Root:
    """One SDK type ↔ one spec schema (or the query parameters of one operation)."""

    name: str
    sdk_type: Any
    direction: Direction
    schema: str | None = None  # components/schemas name
    query_of: str | None = None  # operationId whose query parameters form the object
    excluded_fields: Mapping[type, frozenset[str]] = dataclasses.field(default_factory=dict)


@dataclass
class RootResult:
    root: Root
    mismatches: list[Mismatch]
    counters: Counters


def root_node(doc: Mapping[str, Any], root: Root) -> SpecNode:
    """The spec node a root is compared with; query parameters are turned into an object schema."""
    if root.schema is not None:
        schemas = doc.get("components", {}).get("schemas", {})
        if root.schema not in schemas:
            raise KeyError(f"components.schemas.{root.schema} is missing from the spec")
        return SpecNode(schemas[root.schema], f"#/components/schemas/{root.schema}", root.schema)
    assert root.query_of is not None
    return query_parameters_node(doc, root.query_of, where=root.name)


def query_parameters_node(doc: Mapping[str, Any], operation_id: str, *, where: str) -> SpecNode:
    """An object schema made of the query parameters of an operation (`name[]` is read as `name`)."""
    for path, item in (doc.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                params = [*item.get("parameters", []), *operation.get("parameters", [])]
                properties: dict[str, Any] = {}
                required: list[str] = []
                for param in params:
                    if "$ref" in param:
                        param = resolve_pointer(doc, param["$ref"])
                    if param.get("in") != "query":
                        continue
                    name = str(param["name"]).removesuffix("[]")
                    properties[name] = param.get("schema", {})
                    if param.get("required"):
                        required.append(name)
                schema = {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": False,
                }
                return SpecNode(schema, f"#/paths/{path}/{method}/parameters(query)", where)
    raise KeyError(f"no operation with operationId {operation_id!r}")


def compare_root(
    doc: Mapping[str, Any], root: Root, *, visited: set[tuple[int, str]] | None = None
) -> RootResult:
    """Walk one root and return every mismatch found (no allow-listing applied).

    Pass the same `visited` set to several calls to compare each (SDK type, schema) pair only once overall.
    """
    comparison = Comparison(SpecWalker(doc), root.direction, root.excluded_fields)
    if visited is not None:
        comparison.visited = visited  # shared on purpose
    comparison.compare(root.sdk_type, root_node(doc, root), root.name)
    return RootResult(root, comparison.mismatches, comparison.counters)


@dataclass(frozen=True)
class Difference:
    """One entry of the spec's `x-sdk-differences` list."""

    where: str
    what: str
    why: str

    def covers(self, mismatch: Mismatch) -> bool:
        """An entry covers a mismatch located exactly at `where` (or whose full path is `where`); a field-level
        entry (`Schema.field`) also covers mismatches nested inline below that field. An unknown spec union
        variant is located both at the union and at the variant's own schema."""
        wheres = (mismatch.where, *mismatch.also_where)
        if self.where == mismatch.path or self.where in wheres:
            return True
        return "." in self.where and any(w.startswith(self.where + ".") for w in wheres)


def read_differences(doc: Mapping[str, Any]) -> list[Difference]:
    raw = doc.get("x-sdk-differences", [])
    if not isinstance(raw, list):
        raise TypeError("x-sdk-differences must be a list")
    out = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not {"where", "what", "why"} <= set(entry):
            raise ValueError(f"x-sdk-differences[{i}] must have keys where, what, why: {entry!r}")
        out.append(Difference(str(entry["where"]), str(entry["what"]), str(entry["why"])))
    return out


def split_allowed(
    mismatches: Iterable[Mismatch], differences: Sequence[Difference]
) -> tuple[list[Mismatch], list[Mismatch]]:
    """(not allowed, allowed) according to the deliberate differences."""
    bad: list[Mismatch] = []
    allowed: list[Mismatch] = []
    for mismatch in mismatches:
        (allowed if any(d.covers(mismatch) for d in differences) else bad).append(mismatch)
    return bad, allowed


def stale_differences(results: Iterable[RootResult], differences: Sequence[Difference]) -> list[Difference]:
    """Entries that cover no mismatch in any root any more."""
    every = [m for result in results for m in result.mismatches]
    return [d for d in differences if not any(d.covers(m) for m in every)]
