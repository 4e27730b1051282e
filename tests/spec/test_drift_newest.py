"""`make drift-newest`'s report (tests/spec/drift_newest.py): it finds what a newer SDK adds, and never fails."""

from __future__ import annotations

from typing import Literal, Union

import pytest

from tests.spec import drift_newest
from tests.spec.drift_engine import Mismatch

CATALOG = {
    "models": [
        {"id": "claude-haiku-4-5-20251001", "aliases": ["claude-haiku-4-5"], "lifecycle": "active"},
        {"id": "claude-opus-4-1-20250805", "aliases": ["claude-opus-4-1"], "lifecycle": "retired"},
        {"id": "claude-sonnet-4-5-20250929", "lifecycle": "deprecated"},
    ]
}


def test_model_report_names_what_the_catalog_lacks() -> None:
    fake_model = Union[Literal["claude-haiku-4-5", "claude-opus-9", "claude-opus-4-1"], str]  # noqa: UP007
    report = drift_newest.model_report(
        drift_newest.literal_models(fake_model), {"claude-haiku-4-5": "May 1st, 2027"}, CATALOG
    )
    assert report == {
        "models of the SDK literal without a catalog row": ["claude-opus-9"],
        "models of the SDK literal whose row says retired": ["claude-opus-4-1"],
        "deprecated in the SDK, active in the catalog": ["claude-haiku-4-5 (SDK: end of life May 1st, 2027)"],
        "catalog models (not retired) that the SDK literal no longer names": [
            "claude-sonnet-4-5-20250929 (deprecated)"
        ],
    }


def test_mismatches_are_grouped_by_what_to_do() -> None:
    new_field = Mismatch("Message.speed", "Message.speed", "SDK field Message.speed missing in spec")
    new_value = Mismatch(
        "Message.stop_reason", "Message.stop_reason", "enum values in SDK but not in spec: ['x']"
    )
    other = Mismatch("Message.id", "Message.id", "spec allows null, SDK does not")
    grouped = drift_newest.group_mismatches([new_field, new_value, other, new_field])
    assert grouped["new fields (SDK field missing in the spec)"] == [str(new_field)]
    assert grouped["new enum values (in the SDK, not in the spec)"] == [str(new_value)]
    assert grouped["other differences (kinds, required-ness, nullability)"] == [str(other)]


def test_report_against_the_pinned_sdk_finds_nothing_new(capsys: pytest.CaptureFixture[str]) -> None:
    """Run with the suite's SDK (the pin), the report lists no new field, value, variant or model, exit 0."""
    assert drift_newest.main(["--limit", "5"]) == 0
    out = capsys.readouterr().out
    summary = next(line for line in out.splitlines() if line.startswith("drift-newest: summary:"))
    assert "0 new fields, 0 new enum values, 0 new union variants" in summary, out
    assert "0 models without a catalog row; 0 roots not compared" in summary, out


def test_a_broken_report_still_exits_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(drift_newest, "CATALOG_PATH", drift_newest.REPO / "no-such-catalog.yaml")
    assert drift_newest.main([]) == 0
    assert "the report could not be completed" in capsys.readouterr().out
