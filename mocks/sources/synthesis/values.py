"""Values that validate against a JSON Schema: tool inputs and structured-output answers.

Deterministic: a value depends only on the schema, the user's text and a seed from the request. Plausible:
fields are filled by their names and formats (:mod:`mockclaude.sources.synthesis.plausible`), by
``pattern`` (a string the regular expression matches, made by
``rstr`` from a seeded random generator), or from the user's text (places, numbers, expressions). Every
keyword the API takes for tools is honoured: types, ``enum``, ``const``, ``required``, lengths, bounds,
``multipleOf``, ``items``/``prefixItems``, ``uniqueItems``, ``contains``, ``anyOf``/``oneOf``/``allOf``,
``$ref`` to ``$defs``/``definitions`` (recursive ones too). The value is checked with ``jsonschema``; when a
first try fails (a rare combination of keywords), a few more seeds are tried.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import re
from typing import Any

import jsonschema
import orjson
import rstr
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from mockclaude.sources.synthesis.plausible import Filler

MAX_DEPTH = 10  # deeper than this, only what the schema requires (recursive schemas end here)
HARD_DEPTH = 64
MAX_WORK = 20_000  # values one try may make, whatever the schema
REF_DEPTH = 4  # each `$ref` followed counts as this many levels, so a recursive schema ends after ~2 turns
ATTEMPTS = 6
CACHED_SCHEMA_BYTES = 64_000
# Bounds on what one request can make the mock build (a schema asking for more gets less, and fails validation)
MAX_ITEMS = 1_000  # minItems, minProperties, minContains
MAX_LENGTH = 10_000  # minLength
MAX_REPEATS = 10_000  # repetitions one pattern may expand to
REPEAT = 8  # an open-ended `*`, `+` or `{n,}` in a pattern repeats at most n + this many times
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def build_input(schema: Any, text: str, seed: bytes = b"") -> dict[str, Any]:
    """A tool input that validates against ``schema`` (its required properties, or all when none are)."""
    value = instance(schema, text, seed, complete=False)
    return value if isinstance(value, dict) else {}


def instance(schema: Any, text: str, seed: bytes = b"", *, complete: bool = True) -> Any:
    """A value valid against ``schema``; ``complete`` fills optional properties too (a structured answer)."""
    check = _validator(schema)
    first: Any = None
    for attempt in range(ATTEMPTS):
        generator = _Generator(schema, text, seed + bytes([attempt]), complete)
        generator.salt = attempt
        value = generator.value(schema, "value", 0)
        if attempt == 0:
            first = value
        if check is None or _valid(check, value):
            return value
    return first


def _validator(schema: Any) -> Any:
    """A validator for ``schema`` (None when it is not a valid schema), compiled once per distinct schema."""
    if not isinstance(schema, dict | bool):
        return None
    try:
        key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return None
    # the cache holds small schemas only (its memory stays bounded); a big one is compiled each time
    return _compiled(key) if len(key) <= CACHED_SCHEMA_BYTES else _compile(schema)


@functools.lru_cache(maxsize=256)
def _compiled(key: str) -> Any:
    return _compile(orjson.loads(key))


def _compile(schema: Any) -> Any:
    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        return cls(schema, format_checker=cls.FORMAT_CHECKER)
    except (SchemaError, Unresolvable, re.error, TypeError, ValueError):
        return None


def _valid(check: Any, value: Any) -> bool:
    try:
        return bool(check.is_valid(value))
    except (Unresolvable, re.error, TypeError, ValueError, RecursionError):
        return True  # a schema the validator cannot apply: nothing better to try


class _Generator:
    def __init__(self, root: Any, text: str, seed: bytes, complete: bool) -> None:
        self.root = root
        self.text = " ".join(text.split())
        self.rng = random.Random(int.from_bytes(hashlib.blake2b(seed, digest_size=8).digest(), "big"))
        self.complete = complete
        self.salt = 0  # bumped to get a different value (uniqueItems)
        self.work = 0  # values made so far (bounded by MAX_WORK)
        self.fill = Filler(self.text, self.rng)

    # -- dispatch ------------------------------------------------------------------------------------------

    def value(self, schema: Any, name: str, depth: int) -> Any:
        self.work += 1
        if schema is False or depth > HARD_DEPTH or self.work > MAX_WORK:  # a schema requiring itself forever
            return None
        if not isinstance(schema, dict) or not schema:
            return self.fill.string(name)
        schema, depth = self.flatten(schema, depth)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.pick_option(schema["enum"], name)
        if isinstance(schema.get("oneOf"), list) and schema["oneOf"]:
            return self.one_of(schema, name, depth)
        if isinstance(schema.get("anyOf"), list) and schema["anyOf"]:
            variant = self.pick_variant(schema["anyOf"], depth)
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return self.value(_merge(rest, variant), name, depth + 1)
        kind = _kind(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind in ("integer", "number"):
            return self.number(schema, kind, name)
        if kind == "boolean":
            return (self.salt % 2) == 0
        if kind == "null":
            return None
        return self.string(schema, name)

    def one_of(self, schema: dict[str, Any], name: str, depth: int) -> Any:
        """A value valid against exactly one variant: each variant tried in turn, checked against all."""
        variants: list[Any] = schema["oneOf"]
        rest = {k: v for k, v in schema.items() if k != "oneOf"}
        first = self.pick_variant(variants, depth)
        order = [first] + ([v for v in variants if v is not first] if depth <= MAX_DEPTH else [])
        checks = [_validator(_with_root(v, self.root)) for v in variants]
        value: Any = None
        for variant in order:
            value = self.value(_merge(rest, variant), name, depth + 1)
            if sum(1 for c in checks if c is None or _valid(c, value)) == 1:
                return value
        return value

    def flatten(self, schema: dict[str, Any], depth: int) -> tuple[dict[str, Any], int]:
        """``$ref`` and ``allOf`` folded into one schema (sibling keywords kept), and the depth it counts as."""
        for _ in range(32):
            ref = schema.get("$ref")
            if isinstance(ref, str):
                rest = {k: v for k, v in schema.items() if k != "$ref"}
                schema = _merge(rest, self.resolve(ref))
                depth += REF_DEPTH
                continue
            parts = schema.get("allOf")
            if isinstance(parts, list) and parts:
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                for part in parts:
                    if isinstance(part, dict):
                        merged = _merge(merged, part)
                schema = merged
                continue
            break
        return schema, depth

    def resolve(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#") or not isinstance(self.root, dict):
            return {}
        node: Any = self.root
        for raw in ref[1:].split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return {}
        return node if isinstance(node, dict) else {}

    def pick_option(self, options: list[Any], name: str) -> Any:
        lowered = self.text.lower()
        if not self.salt:
            for option in options:
                if isinstance(option, str) and option and option.lower() in lowered:
                    return option
        return options[self.salt % len(options)]

    def pick_variant(self, variants: list[Any], depth: int) -> Any:
        usable = [v for v in variants if v is not False]
        if depth > MAX_DEPTH:  # end a recursion: the shallowest variant
            return min(usable or variants, key=lambda v: len(str(v)))
        real = [v for v in usable if not (isinstance(v, dict) and v.get("type") == "null")]
        pool = real or usable or variants
        return pool[self.salt % len(pool)]

    # -- objects and arrays --------------------------------------------------------------------------------

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}  # type: ignore[assignment]
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        if depth > MAX_DEPTH or (required and not self.complete):
            keys = [k for k in props if k in required] + [r for r in required if r not in props]
        else:
            keys = list(props) + [r for r in required if r not in props]
        for key, needs in (schema.get("dependentRequired") or {}).items():
            if key in keys and isinstance(needs, list):
                keys += [n for n in needs if isinstance(n, str) and n not in keys]
        most = schema.get("maxProperties")
        if isinstance(most, int) and len(keys) > most:
            keys = [k for k in keys if k in required] + [k for k in keys if k not in required]
            keys = keys[: max(most, len([k for k in keys if k in required]))]
        least = min(_int(schema.get("minProperties")), MAX_ITEMS) if "minProperties" in schema else None
        extra_pattern = _first_key_pattern(schema)
        while isinstance(least, int) and len(keys) < least:
            spare = [k for k in props if k not in keys]
            if spare:
                keys.append(spare[0])
            elif extra_pattern is not None:
                keys.append(self.from_pattern(extra_pattern, 1, None) or f"key{len(keys)}")
            elif schema.get("additionalProperties") is False:
                break
            else:
                keys.append(f"field_{len(keys) + 1}")
        out: dict[str, Any] = {}
        for key in keys:
            out[key] = self.value(self.property_schema(schema, props, key), key, depth + 1)
        return out

    def property_schema(self, schema: dict[str, Any], props: dict[str, Any], key: str) -> Any:
        if key in props:
            return props[key]
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            if _search(pattern, key):
                return sub
        extra = schema.get("additionalProperties")
        return extra if isinstance(extra, dict) else {}

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):  # draft 4-7 tuples
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        lo = min(_int(schema.get("minItems")), MAX_ITEMS)
        hi = schema.get("maxItems")
        wanted = lo if depth > MAX_DEPTH else max(lo, len(prefix), 2 if self.complete and depth < 6 else 1)
        if isinstance(hi, int):
            wanted = min(wanted, hi)
        if items is False:
            wanted = min(wanted, len(prefix))
        singular = _singular(name)
        out: list[Any] = []
        saved = self.salt
        for i in range(wanted):
            sub = prefix[i] if i < len(prefix) else items
            value = self.value(sub, singular, depth + 1)
            tries = 0
            while schema.get("uniqueItems") and value in out and tries < 12:
                tries += 1
                self.salt = saved + i * 13 + tries
                value = self.value(sub, singular, depth + 1)
            self.salt = saved
            self.fill.person += 1
            out.append(value)
        contains = schema.get("contains")
        if isinstance(contains, dict) and contains:
            needed = min(max(1, _int(schema.get("minContains"))), MAX_ITEMS)
            found = [self.value(contains, singular, depth + 1) for _ in range(needed)]
            out = (found + out)[: max(len(found), wanted)]
        return out

    # -- scalars -------------------------------------------------------------------------------------------

    def number(self, schema: dict[str, Any], kind: str, name: str) -> int | float:
        try:
            return self.bounded_number(schema, kind, name)
        except (OverflowError, ValueError, ZeroDivisionError):  # bounds beyond floats: no value fits
            return 0

    def bounded_number(self, schema: dict[str, Any], kind: str, name: str) -> int | float:
        lo, lo_open = _bound(schema, "minimum", "exclusiveMinimum", max)
        hi, hi_open = _bound(schema, "maximum", "exclusiveMaximum", min)
        step = schema.get("multipleOf")
        step = step if isinstance(step, int | float) and not isinstance(step, bool) and step > 0 else None
        integer = kind == "integer"

        def fits(v: float) -> bool:
            if lo is not None and (v < lo or (lo_open and v <= lo)):
                return False
            if hi is not None and (v > hi or (hi_open and v >= hi)):
                return False
            return step is None or _multiple(v, step)

        candidates = [float(n) for n in _NUMBER.findall(self.text)] + [Filler.number(name, integer)]
        for c in candidates:
            v = c + self.salt
            if integer and v != int(v):
                continue
            if fits(v):
                return int(v) if integer else v
        # clamp into the bounds, then onto the grid of multipleOf
        low = lo if lo is not None else (hi - 10 if hi is not None else 0.0)
        high = hi if hi is not None else low + 100
        grid = step if step is not None else (1.0 if integer or high - low >= 2 else (high - low) / 4)
        if integer and step is not None and step != int(step):
            grid = step * math.ceil(1 / step) if step < 1 else step
        start = math.ceil(low / grid) * grid if grid else low
        for k in range(64):
            v = start + (k + self.salt) * grid
            if integer:
                v = float(round(v))
            if step is not None:
                v = round(v / step) * step
            if fits(v):
                return int(v) if integer else v
            if v > high:
                break
        middle = (low + high) / 2
        return math.ceil(middle) if integer else middle

    def string(self, schema: dict[str, Any], name: str) -> str:
        lo = min(_int(schema.get("minLength")), MAX_LENGTH)
        hi = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            made = self.from_pattern(pattern, lo, hi)
            if made is not None:
                return made
        fmt = schema.get("format")
        formatted = self.fill.formatted(fmt) if isinstance(fmt, str) else None
        value = formatted if formatted is not None else self.fill.string(name)
        if self.salt and formatted is None:
            value = f"{value} {self.salt + 1}"
        if len(value) < lo:
            value = value + ("x" * (lo - len(value)) if formatted is None else "")
        if hi is not None and len(value) > hi:
            value = value[:hi].rstrip() if hi else ""
            if len(value) < lo:
                value = value + "x" * (lo - len(value))
        return value

    def from_pattern(self, pattern: str, lo: int, hi: int | None) -> str | None:
        try:
            compiled = re.compile(pattern)
        except re.error:
            return None
        maker = _Xeger(self.rng)
        for _ in range(24):
            try:
                made = maker.xeger(pattern)
            except (re.error, ValueError, IndexError, KeyError, TypeError, OverflowError):
                return None
            if compiled.search(made) and len(made) >= lo and (hi is None or len(made) <= hi):
                return made
        return None


class _Xeger(rstr.Rstr):
    """rstr's generator with open-ended repeats kept short (rstr allows up to 100)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self.budget = MAX_REPEATS

    def _handle_repeat(self, start_range: int, end_range: int, value: Any) -> str:
        self.budget -= start_range
        if self.budget < 0:
            raise ValueError("the pattern asks for too long a string")
        return str(super()._handle_repeat(start_range, min(end_range, start_range + REPEAT), value))


def _kind(schema: dict[str, Any]) -> str:
    """The type to make: the first non-null of `type`, else the one its keywords imply."""
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        return real[0] if real else "null"
    if isinstance(kind, str):
        return kind
    if any(k in schema for k in ("properties", "required", "additionalProperties", "patternProperties")):
        return "object"
    if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains")):
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def _merge(base: dict[str, Any], extra: Any) -> dict[str, Any]:
    """Two schemas as one (``allOf``, ``$ref`` with siblings, a variant with its parent's keywords)."""
    if not isinstance(extra, dict):
        return base
    out = dict(base)
    for key, value in extra.items():
        if key not in out:
            out[key] = value
        elif key == "properties" and isinstance(value, dict) and isinstance(out[key], dict):
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            out[key] = props
        elif key == "required" and isinstance(value, list) and isinstance(out[key], list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key in ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum"):
            out[key] = max(out[key], value) if _numeric(out[key], value) else value
        elif key in ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum"):
            out[key] = min(out[key], value) if _numeric(out[key], value) else value
        elif key == "type" and isinstance(value, list) and isinstance(out[key], list):
            both = [t for t in out[key] if t in value]
            out[key] = both or value
        elif key == "enum" and isinstance(value, list) and isinstance(out[key], list):
            both = [v for v in out[key] if v in value]
            out[key] = both or value
        else:
            out[key] = value
    return out


def _with_root(schema: Any, root: Any) -> Any:
    """``schema`` with the root's definitions beside it, so its local ``$ref`` resolve."""
    if not isinstance(schema, dict) or not isinstance(root, dict):
        return schema
    kept = {k: root[k] for k in ("$defs", "definitions", "components") if k in root and k not in schema}
    return {**kept, **schema}


def _int(value: Any) -> int:
    """A non-negative count from a schema keyword (0 when it is not one)."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0


def _numeric(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))


def _bound(schema: dict[str, Any], closed: str, opened: str, tighter: Any) -> tuple[float | None, bool]:
    """The effective bound and whether it is exclusive (draft-4 boolean ``exclusiveMinimum`` too)."""
    value: Any = schema.get(closed)
    flag: Any = schema.get(opened)
    if isinstance(flag, bool):
        return (float(value), flag) if _numeric(value, 0) else (None, False)
    candidates: list[tuple[float, bool]] = []
    if _numeric(value, 0):
        candidates.append((float(value), False))
    if _numeric(flag, 0):
        candidates.append((float(flag), True))
    if not candidates:
        return None, False
    best = tighter(c[0] for c in candidates)
    return best, any(c[1] for c in candidates if c[0] == best)


def _multiple(value: float, step: float) -> bool:
    """jsonschema's own multipleOf test."""
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    return value % step == 0


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _first_key_pattern(schema: dict[str, Any]) -> str | None:
    names = schema.get("propertyNames")
    if isinstance(names, dict) and isinstance(names.get("pattern"), str):
        return str(names["pattern"])
    patterns = schema.get("patternProperties")
    return next(iter(patterns), None) if isinstance(patterns, dict) and patterns else None
