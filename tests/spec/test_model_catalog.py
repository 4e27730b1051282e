"""The model catalog (mocks/content/data/models.yaml) against the installed SDK's `Model` literal.

Every model the SDK names must have a catalog row that can be called (not retired): when the next SDK
release adds a model, `test_every_sdk_model_has_a_row` fails, naming it, until the catalog has its row. The
rows themselves must be complete (dates, limits, prices, sources) and consistent with their lifecycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, get_args

import anthropic
import pytest
from anthropic.types.model import Model
from anthropic.types.model_info import ModelInfo

from mockclaude.config import MockConfig
from mockclaude.protocol.catalog import THINKING_MODES, ModelCatalog

CATALOG = ModelCatalog.load(MockConfig().catalog_path)


def sdk_model_ids(model_type: Any = Model) -> list[str]:
    """The string values of the SDK's `Model` type (a Union of one Literal and `str`)."""
    ids: list[str] = []
    for member in get_args(model_type):
        ids.extend(value for value in get_args(member) if isinstance(value, str))
    return ids


def missing_rows(catalog: ModelCatalog, ids: Iterable[str]) -> list[str]:
    """Ids the catalog cannot serve: no row at all, or a retired row, with the reason."""
    problems = []
    for name in ids:
        row = catalog.get(name)
        if row is None:
            problems.append(f"{name}: no row in models.yaml (add id, dates, limits, prices, sources)")
        elif row.lifecycle == "retired":
            problems.append(f"{name}: the SDK still names it but its row says retired")
    return problems


def _date(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_the_sdk_literal_is_read() -> None:
    ids = sdk_model_ids()
    assert len(ids) >= 20 and "claude-haiku-4-5" in ids, ids
    assert CATALOG.sdk_version == anthropic.__version__, (
        f"models.yaml says it covers SDK {CATALOG.sdk_version}, the installed SDK is {anthropic.__version__}: "
        "bring the catalog up to date (docs/how-to/new-sdk-release.md) and change `sdk_version`"
    )


def test_every_sdk_model_has_a_row() -> None:
    problems = missing_rows(CATALOG, sdk_model_ids())
    assert not problems, f"SDK {anthropic.__version__} models the catalog cannot serve:\n" + "\n".join(
        problems
    )


def test_a_new_sdk_model_fails_the_check() -> None:
    """The check can fail: a literal with one unknown and one retired model reports exactly those two."""
    fake_literal = [*sdk_model_ids(), "claude-opus-9", "claude-opus-4-1"]
    problems = missing_rows(CATALOG, fake_literal)
    assert [p.split(":")[0] for p in problems] == ["claude-opus-9", "claude-opus-4-1"], problems


def test_rows_are_complete_and_consistent() -> None:
    as_of = _date(f"{CATALOG.as_of}T00:00:00Z")
    assert as_of is not None
    names: list[str] = []
    for m in CATALOG.models:
        names += [m.id, *m.aliases]
        where = f"row {m.id}"
        assert m.sources.strip(), f"{where}: no sources"
        created = _date(m.created_at)
        assert created is not None and created <= as_of, f"{where}: created_at {m.created_at}"
        assert m.thinking in THINKING_MODES, where
        assert m.line in ("haiku", "sonnet", "opus", "fable", "mythos"), where
        assert m.max_input_tokens >= 200_000 and 4096 <= m.max_tokens <= 128_000, where
        assert m.batch_max_tokens is None or m.batch_max_tokens > m.max_tokens, where
        assert m.min_cacheable_tokens in (512, 1024, 2048, 4096), where
        assert 0 < m.price.input < m.price.output, where
        if m.lifecycle == "active":
            assert m.deprecated_at is None and m.retires_at is None, f"{where}: active with a retirement date"
        else:
            retires = _date(m.retires_at)
            assert retires is not None, f"{where}: {m.lifecycle} without retires_at"
            if m.lifecycle == "retired":
                assert retires <= as_of, f"{where}: retired before its retirement date {m.retires_at}"
        ModelInfo.model_validate(m.info(), strict=False)  # the SDK's own type accepts every row
    assert len(names) == len(set(names)), "an id or alias appears in two rows"


@pytest.mark.parametrize(
    ("model", "created", "thinking"),
    [
        ("claude-fable-5", "2026-06-09", "always"),
        ("claude-sonnet-5", "2026-06-30", "adaptive"),
        ("claude-opus-5", "2026-07-24", "adaptive"),
        ("claude-opus-5-5", None, "always"),
        ("claude-fable-5-1", None, "always"),
        ("claude-haiku-5-5", "2026-10-07", "adaptive"),
    ],
)
def test_dates_and_thinking_the_facts_correct(model: str, created: str | None, thinking: str) -> None:
    """Facts §8.1: the created_at dates and thinking modes corrected on 2026-12-03."""
    row = CATALOG.get(model)
    assert row is not None
    if created is not None:
        assert row.created_at.startswith(created)
    assert row.thinking == thinking
    assert row.info()["capabilities"]["thinking"]["types"]["disabled"]["supported"] is (thinking != "always")


def test_opus_5_batch_cap_and_haiku_5_5_price() -> None:
    opus5, haiku55 = CATALOG.get("claude-opus-5"), CATALOG.get("claude-haiku-5-5")
    assert opus5 is not None and opus5.batch_max_tokens == 300_000
    assert haiku55 is not None and (haiku55.price.input, haiku55.price.output) == (0.1, 0.5)
    assert haiku55.max_input_tokens == 1_000_000 and haiku55.max_tokens == 128_000
