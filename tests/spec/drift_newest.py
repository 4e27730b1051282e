"""`make drift-newest`: what the newest `anthropic` SDK adds against the spec and the model catalog.

Run by the Python of a scratch venv outside the repo that has the newest SDK (the Makefile installs it there),
from the repo root: `python -m tests.spec.drift_newest`. It reuses the stable drift test's engine and roots
(tests/spec/drift_engine.py, drift_roots.py, test_sdk_drift.py) against whichever SDK that Python imports, and
prints a report: new fields, enum values and union variants (SDK side, not yet in the spec), what the SDK no
longer has, and models of the SDK's `Model` literal and deprecation table against mocks/content/data/models.yaml.
Mismatches already allowed by the spec's `x-sdk-differences` are left out. It is a report: it exits 0.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import yaml

REPO = Path(__file__).resolve().parents[2]
CATALOG_PATH = REPO / "mocks" / "content" / "data" / "models.yaml"
PYPROJECT = REPO / "pyproject.toml"

# Mismatch problems, grouped by what a maintainer has to do about them.
GROUPS: tuple[tuple[str, str], ...] = (
    ("new fields (SDK field missing in the spec)", r"^SDK field .* missing in spec$"),
    ("new enum values (in the SDK, not in the spec)", r"^enum values in SDK but not in spec"),
    ("new union variants (SDK variant missing in the spec)", r"^SDK variant .* missing in spec$"),
    ("gone from the SDK: spec properties", r"^spec property unknown to the SDK"),
    ("gone from the SDK: enum values", r"^enum values in spec but not in SDK"),
    ("gone from the SDK: union variants", r"^spec variant .* unknown to the SDK"),
    ("other differences (kinds, required-ness, nullability)", r""),
)


def pinned_version(pyproject: Path = PYPROJECT) -> str:
    """The `anthropic==X` pin of the dev extra (the SDK the test suite runs against)."""
    found = re.search(r'"anthropic==([^"]+)"', pyproject.read_text(encoding="utf-8"))
    return found.group(1) if found else "?"


def group_mismatches(mismatches: Iterable[Any]) -> dict[str, list[str]]:
    """Mismatch lines by group (see GROUPS), each line `<path>: <problem> [where: …]`, sorted, deduplicated."""
    out: dict[str, set[str]] = {title: set() for title, _ in GROUPS}
    for m in mismatches:
        for title, pattern in GROUPS:
            if re.search(pattern, m.problem):
                out[title].add(str(m))
                break
    return {title: sorted(lines) for title, lines in out.items()}


def literal_models(model_type: Any) -> list[str]:
    """The string values of an SDK `Model` type (a Union of a Literal and `str`)."""
    return [v for member in get_args(model_type) for v in get_args(member) if isinstance(v, str)]


def model_report(
    literal: Sequence[str], deprecated: Mapping[str, str], catalog: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Models of the SDK against the catalog YAML (parsed): what needs a row, what needs a lifecycle change."""
    rows: dict[str, dict[str, Any]] = {}
    for row in catalog.get("models", []):
        for name in (row["id"], *(row.get("aliases") or ())):
            rows[name] = row
    out: dict[str, list[str]] = {
        "models of the SDK literal without a catalog row": [],
        "models of the SDK literal whose row says retired": [],
        "deprecated in the SDK, active in the catalog": [],
        "catalog models (not retired) that the SDK literal no longer names": [],
    }
    for name in literal:
        row = rows.get(name)
        if row is None:
            out["models of the SDK literal without a catalog row"].append(name)
        elif row.get("lifecycle") == "retired":
            out["models of the SDK literal whose row says retired"].append(name)
    for name, when in deprecated.items():
        row = rows.get(name)
        if row is not None and row.get("lifecycle") == "active":
            out["deprecated in the SDK, active in the catalog"].append(f"{name} (SDK: end of life {when})")
    names = set(literal)
    for row in catalog.get("models", []):
        if row.get("lifecycle") != "retired" and not names & {row["id"], *(row.get("aliases") or ())}:
            out["catalog models (not retired) that the SDK literal no longer names"].append(
                f"{row['id']} ({row.get('lifecycle')})"
            )
    return out


def _print_section(title: str, lines: list[str], limit: int) -> None:
    print(f"\n{title}: {len(lines)}")
    for line in lines[:limit]:
        print(f"  {line}")
    if len(lines) > limit:
        print(f"  … and {len(lines) - limit} more (--limit to see them)")


def run(limit: int) -> None:
    import anthropic
    from anthropic.types.model import Model

    try:  # a private table: a future SDK may move it
        from anthropic._data.deprecated_models import DEPRECATED_MODELS
    except ImportError:
        DEPRECATED_MODELS = {}

    from tests.spec import test_sdk_drift as drift
    from tests.spec.drift_engine import Counters, RootResult, split_allowed

    newest, pinned = anthropic.__version__, pinned_version()
    print(
        f"drift-newest: anthropic {newest} (from {Path(anthropic.__file__).parent}); the suite pins {pinned}"
    )
    print(f"drift-newest: against openapi/anthropic.yaml and {CATALOG_PATH.relative_to(REPO)}")

    results: list[RootResult] = []
    failed: list[str] = []
    try:
        results.extend(drift.all_results().values())  # shared with the drift test when run in its session
    except Exception:
        for root in drift.ROOTS:  # one root the engine does not understand: say which, compare the others
            try:
                results.append(drift.compare_root(drift.DOC, root))
            except Exception as exc:
                failed.append(f"{root.name}: {type(exc).__name__}: {exc}")
    try:
        results.extend(drift.same_named_results())
    except Exception as exc:
        failed.append(f"same-named schemas: {type(exc).__name__}: {exc}")
    counters = Counters()
    for result in results:
        counters.add(result.counters)
    every = [m for result in results for m in result.mismatches]
    bad, allowed = split_allowed(every, drift.differences())
    grouped = group_mismatches(bad)
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    models = model_report(literal_models(Model), DEPRECATED_MODELS, catalog)

    print(
        f"drift-newest: compared {counters.fields} SDK fields and {counters.enum_values} enum values "
        f"({len(drift.ROOTS)} roots + same-named schemas); {len(allowed)} mismatches allowed by x-sdk-differences"
    )
    for title, lines in grouped.items():
        _print_section(title, lines, limit)
    for title, lines in models.items():
        _print_section(title, lines, limit)
    if failed:
        _print_section(
            "roots the engine could not compare (extend tests/spec/drift_engine.py)", failed, limit
        )
    print(
        f"\ndrift-newest: summary: anthropic {newest} vs pin {pinned}: "
        + ", ".join(f"{len(v)} {k.split(' (')[0]}" for k, v in grouped.items())
        + f"; {len(models['models of the SDK literal without a catalog row'])} models without a catalog row; "
        f"{len(failed)} roots not compared"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make drift-newest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=40, help="lines shown per section (default 40)")
    args = parser.parse_args(argv)
    try:
        run(args.limit)
    except Exception:  # a report never fails the command; it says what went wrong instead
        traceback.print_exc()
        print("drift-newest: the report could not be completed (see above); exit status 0 regardless")
    return 0


if __name__ == "__main__":
    sys.exit(main())
