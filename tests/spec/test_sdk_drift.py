"""Drift between the OpenAPI spec and the installed Anthropic Python SDK (the pinned newest release, 2.16.0).

`make drift-newest` runs the same comparison against whatever release PyPI has now, as a report.

SDK types and spec schemas are walked structurally and in parallel (see `drift_engine` for exactly what is
compared). One test per root, so a failure names the root; each failure lists every mismatch of that root,
one per line, as `<path>: <problem> [where: <Schema.field>]`.

Deliberate differences live in the spec itself, top-level key `x-sdk-differences` (a list of
`{where, what, why}`). An entry allows the mismatches located at its `where` (`Schema.field` or `Schema`, as
printed after each mismatch; a `Schema.field` entry also covers what is nested inline below that field, an
unknown spec union variant is located both at the union and at the variant's schema). An entry that allows
nothing fails the stale-entry test, except a bare schema name that the SDK has no type for at all (a
spec-only schema such as `PingEvent`).

Besides the explicit roots, every spec schema named like a public SDK type is compared with that type (the
naming convention says schema names are SDK class names).

`pytest tests/spec/test_sdk_drift.py -q -s` prints how much was compared.
"""

from __future__ import annotations

import functools
from typing import Any

import anthropic.types as sdk
import anthropic.types.messages as sdk_messages
import anthropic.types.shared as sdk_shared
import pytest

from tests.spec.drift_engine import (
    Counters,
    Difference,
    Mismatch,
    Root,
    RootResult,
    SpecNode,
    SpecWalker,
    compare_root,
    is_typeddict,
    read_differences,
    sdk_shape,
    split_allowed,
    stale_differences,
)
from tests.spec.drift_roots import ROOTS
from tests.spec.spec_tools import load_spec, resolve_pointer

DOC = load_spec()

SDK_NAMESPACES = (sdk, sdk_shared, sdk_messages)


@functools.cache
def sdk_public_names() -> dict[str, Any]:
    """Public names of `anthropic.types`, `anthropic.types.shared` and `anthropic.types.messages`."""
    out: dict[str, Any] = {}
    for module in SDK_NAMESPACES:
        for name in dir(module):
            if not name.startswith("_"):
                out.setdefault(name, getattr(module, name))
    return out


def _is_sdk_type(obj: Any) -> bool:
    try:
        sdk_shape(obj)
    except TypeError:
        return False
    return True


def same_named_roots() -> list[Root]:
    """Extra roots: every spec schema named like a public SDK type (the naming convention) that is not an
    explicit root. Params (TypedDicts) are requests, everything else responses."""
    explicit = {root.schema for root in ROOTS}
    roots = []
    for name in DOC.get("components", {}).get("schemas", {}):
        obj = sdk_public_names().get(name)
        if name in explicit or obj is None or not _is_sdk_type(obj):
            continue
        shape = sdk_shape(obj)
        is_param = name.endswith(("Param", "Params")) or (
            shape.objects and all(is_typeddict(t) for t in shape.objects)
        )
        roots.append(Root(name, obj, "request" if is_param else "response", name))
    return roots


@functools.cache
def all_results() -> dict[str, RootResult]:
    """Compare every explicit root once per session (the per-root, stale-entry and summary tests share it)."""
    return {root.name: compare_root(DOC, root) for root in ROOTS}


@functools.cache
def same_named_results() -> tuple[RootResult, ...]:
    """Compare the same-named schemas; one shared visited set, so each (type, schema) pair is walked once."""
    visited: set[tuple[int, str]] = set()
    return tuple(compare_root(DOC, root, visited=visited) for root in same_named_roots())


def differences() -> list[Difference]:
    return read_differences(DOC)


def is_spec_only_schema_entry(difference: Difference) -> bool:
    """A bare schema name that the SDK does not have at all (e.g. `PingEvent`): the difference is the schema
    itself. It stays valid while the SDK has no type of that name."""
    schemas = DOC.get("components", {}).get("schemas", {})
    return (
        "." not in difference.where
        and difference.where in schemas
        and difference.where not in sdk_public_names()
    )


def format_mismatches(mismatches: list[Mismatch]) -> str:
    return "\n".join(f"  {m}" for m in mismatches)


@pytest.mark.parametrize("root", ROOTS, ids=lambda r: r.name)
def test_spec_matches_sdk(root: Root) -> None:
    """Every field, enum value and union variant of the SDK type matches the spec schema, and vice versa."""
    result = all_results()[root.name]
    bad, _allowed = split_allowed(result.mismatches, differences())
    target = root.schema or f"query parameters of {root.query_of}"
    assert not bad, (
        f"{len(bad)} mismatch(es) between SDK {getattr(root.sdk_type, '__name__', root.sdk_type)} and spec {target} "
        f"(add deliberate ones to x-sdk-differences):\n{format_mismatches(bad)}"
    )


def test_same_named_schemas_match_sdk() -> None:
    """Spec schemas named like an SDK type (outside the explicit roots' reach, too) match that type."""
    assert len(same_named_roots()) > 100, "suspiciously few spec schemas share a name with an SDK type"
    mismatches = [m for result in same_named_results() for m in result.mismatches]
    bad, _allowed = split_allowed(mismatches, differences())
    assert not bad, f"{len(bad)} mismatch(es) in same-named schemas:\n{format_mismatches(bad)}"


def test_no_stale_differences() -> None:
    """Each `x-sdk-differences` entry still describes a real difference."""
    results = [*all_results().values(), *same_named_results()]
    stale = [d for d in stale_differences(results, differences()) if not is_spec_only_schema_entry(d)]
    assert not stale, "stale x-sdk-differences entries (no such difference found):\n" + "\n".join(
        f"  where={d.where!r}: {d.what}" for d in stale
    )


def test_differences_are_well_formed() -> None:
    """`x-sdk-differences` entries name an existing schema (or a query-parameter root) and say what and why."""
    schemas = DOC.get("components", {}).get("schemas", {})
    problems = []
    for d in differences():
        head = d.where.split(".")[0]
        if head not in schemas and head not in {r.name for r in ROOTS}:
            problems.append(f"{d.where!r}: {head!r} is neither a schema nor a drift root")
        if not d.what.strip() or not d.why.strip():
            problems.append(f"{d.where!r}: `what` and `why` must not be empty")
    assert not problems, "\n".join(problems)


def test_drift_summary() -> None:
    """Print what was compared; the walk must have covered a substantial part of the SDK."""
    total, extra = Counters(), Counters()
    for result in all_results().values():
        total.add(result.counters)
    for result in same_named_results():
        extra.add(result.counters)
    every = [m for r in [*all_results().values(), *same_named_results()] for m in r.mismatches]
    allowed = len(split_allowed(every, differences())[1])
    print(
        f"\ndrift: compared {total.fields} SDK fields and {total.enum_values} enum values across {len(ROOTS)} roots"
        f"\ndrift: plus {extra.fields} fields and {extra.enum_values} enum values in {len(same_named_roots())} "
        f"same-named schemas; {allowed} mismatches allowed by {len(differences())} x-sdk-differences entries"
    )
    assert total.fields > 1000, "the drift walk compared suspiciously few fields"
    assert total.enum_values > 500, "the drift walk compared suspiciously few enum values"


# --- the drift check can fail --------------------------------------------------------------------------


def _find_property_holder(doc: dict[str, Any], schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The (raw, un-merged) schema dict whose `properties` declares `name`, following `$ref` and `allOf`."""
    if "$ref" in schema:
        return _find_property_holder(doc, resolve_pointer(doc, schema["$ref"]), name)
    if name in schema.get("properties", {}):
        return schema
    for part in schema.get("allOf", []):
        try:
            return _find_property_holder(doc, part, name)
        except KeyError:
            continue
    raise KeyError(name)


def _find_enum_holder(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema dict carrying the string `enum` of a (possibly nullable, possibly referenced) schema."""
    if "$ref" in schema:
        return _find_enum_holder(doc, resolve_pointer(doc, schema["$ref"]))
    if any(isinstance(v, str) for v in schema.get("enum", [])):
        return schema
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            try:
                return _find_enum_holder(doc, part)
            except KeyError:
                continue
    raise KeyError("enum")


def test_drift_check_reports_deleted_fields_and_enum_values() -> None:
    """Delete `Message.stop_sequence`, `TextBlockParam.citations` and the `refusal` stop reason from a copy of
    the spec: the comparison reports exactly those three, naming the SDK type and field."""
    doc = load_spec()
    schemas = doc["components"]["schemas"]
    roots = [r for r in ROOTS if r.name in ("Message", "MessageCreateParams")]
    before = {r.name: set(map(str, compare_root(doc, r).mismatches)) for r in roots}

    del _find_property_holder(doc, schemas["Message"], "stop_sequence")["properties"]["stop_sequence"]
    del _find_property_holder(doc, schemas["TextBlockParam"], "citations")["properties"]["citations"]
    stop_reason = _find_property_holder(doc, schemas["Message"], "stop_reason")["properties"]["stop_reason"]
    _find_enum_holder(doc, stop_reason)["enum"].remove("refusal")

    new = [m for r in roots for m in compare_root(doc, r).mismatches if str(m) not in before[r.name]]
    problems = {m.problem for m in new}
    assert problems == {
        "SDK field Message.stop_sequence missing in spec",
        "SDK field TextBlockParam.citations missing in spec",
        "enum values in SDK but not in spec: ['refusal']",
    }, format_mismatches(new)
    paths = {m.path for m in new if not m.problem.startswith("SDK field TextBlockParam")}
    assert paths == {"Message.stop_sequence", "Message.stop_reason"}, format_mismatches(new)


def _new_mismatches(doc: dict[str, Any], root_name: str, before: set[str]) -> list[Mismatch]:
    root = next(r for r in ROOTS if r.name == root_name)
    return [m for m in compare_root(doc, root).mismatches if str(m) not in before]


def test_drift_check_reports_additions_and_missing_variants() -> None:
    """An extra spec property and a removed union variant are both reported."""
    doc = load_spec()
    schemas = doc["components"]["schemas"]
    before = {name: {str(m) for m in all_results()[name].mismatches} for name in ("Message", "ContentBlock")}

    _find_property_holder(doc, schemas["Message"], "id")["properties"]["bogus_field"] = {"type": "string"}
    variants = schemas["ContentBlock"].get("oneOf") or schemas["ContentBlock"]["anyOf"]
    walker = SpecWalker(doc)
    upload = next(
        v
        for v in variants
        if walker.property_values(walker.resolve(SpecNode(v, "#", "ContentBlock")), "type")
        == {"container_upload"}
    )
    variants.remove(upload)

    new_message = [str(m) for m in _new_mismatches(doc, "Message", before["Message"])]
    assert any(
        m.startswith("Message.bogus_field: spec property unknown to the SDK (Message has no such field)")
        for m in new_message
    ), new_message
    new_blocks = [m.problem for m in _new_mismatches(doc, "ContentBlock", before["ContentBlock"])]
    assert new_blocks == ["SDK variant type=['container_upload'] (ContainerUploadBlock) missing in spec"], (
        new_blocks
    )


def test_differences_allow_and_go_stale() -> None:
    """An `x-sdk-differences` entry allows matching mismatches and is reported stale when nothing matches it."""
    mismatch = Mismatch(
        "Message.usage.speed", "Message.usage.speed", "enum values in spec but not in SDK: ['x']"
    )
    nested = Mismatch("Message.usage.speed", "Message.usage.speed", "spec allows null, SDK does not")
    field_entry = Difference("Message.usage", "usage differs", "because")
    exact_entry = Difference("Message.usage.speed", "speed differs", "because")
    schema_entry = Difference("Message", "schema-level", "because")
    stale_entry = Difference("Message.nonexistent", "gone", "fixed upstream")

    bad, allowed = split_allowed([mismatch, nested], [exact_entry])
    assert bad == [] and allowed == [mismatch, nested]
    assert field_entry.covers(mismatch)  # a field entry covers what is nested inline below it
    assert not schema_entry.covers(mismatch)  # a bare schema name covers schema-level mismatches only
    result = RootResult(ROOTS[0], [mismatch], Counters())
    assert stale_differences([result], [exact_entry, stale_entry]) == [stale_entry]
