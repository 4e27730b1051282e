"""The beta field registry (``mocks/pipeline/betas.py``), the docs table (docs/reference/beta.md) and the
installed SDK's beta message create params agree: every SDK field has a row, every row is in the table with
the same treatment, and a field marked "stable" is one the stable params have too."""

from __future__ import annotations

import re
import typing

import anthropic
import pytest
from anthropic.types import message_create_params as stable_params

from mockclaude.pipeline.betas import FIELDS, not_emulated
from tests.support.server import REPO

if tuple(int(p) for p in anthropic.__version__.split(".")[:2]) < (2, 16):
    pytest.skip(f"needs SDK 2.16's beta types; installed {anthropic.__version__}", allow_module_level=True)

from anthropic.types.beta import message_create_params as beta_params

HEADER_ARGS = {"betas", "workspace_id", "user_profile_id"}
SPEC_ONLY = {
    "temperature",
    "top_p",
    "top_k",
    "output_format",
    "stream",
}  # in the spec, not in SDK 2.x's types
ROW = re.compile(r"^\| `([^`]+)` \| (stable|emulated|accepted only) \|")


def sdk_fields(params: type) -> set[str]:
    return set(typing.get_type_hints(params)) - HEADER_ARGS


def docs_table() -> dict[str, str]:
    text = (REPO / "docs" / "reference" / "beta.md").read_text(encoding="utf-8")
    return {m[1]: m[2] for line in text.splitlines() if (m := ROW.match(line))}


def test_every_sdk_field_has_a_row() -> None:
    top_level = {f.path for f in FIELDS if "." not in f.path and "[" not in f.path}
    missing = sdk_fields(beta_params.MessageCreateParamsBase) - top_level
    assert not missing, f"beta fields of the SDK without a row in mockclaude.pipeline.betas.FIELDS: {missing}"
    unknown = top_level - sdk_fields(beta_params.MessageCreateParamsBase) - SPEC_ONLY
    assert not unknown, f"rows for fields the SDK does not have: {unknown}"


def test_stable_rows_are_stable_fields() -> None:
    stable = sdk_fields(stable_params.MessageCreateParamsBase) | {"temperature", "top_p", "top_k", "stream"}
    wrong = {f.path for f in FIELDS if f.treatment == "stable"} - stable
    assert not wrong, f"marked stable but not a field of the stable params: {wrong}"
    beta_only = sdk_fields(beta_params.MessageCreateParamsBase) - sdk_fields(
        stable_params.MessageCreateParamsBase
    )
    assert all(f.treatment != "stable" for f in FIELDS if f.path in beta_only)


def test_docs_table_is_the_registry() -> None:
    assert docs_table() == {f.path: f.treatment for f in FIELDS}


def test_paths_find_what_they_name() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "be brief", "output_config": {"effort": "low"}},
        ],
        "tools": [
            {"name": "a", "input_schema": {}},
            {"name": "b", "input_schema": {}, "defer_loading": True},
        ],
        "context_management": {"edits": [{"type": "compact_20260112"}, {"type": "clear_thinking_20251015"}]},
        "output_config": {"effort": "low"},
    }
    assert not_emulated(body) == ["messages[system].output_config"]
    assert not_emulated({**body, "compaction": {"type": "summarize"}}) == ["messages[system].output_config"]
    assert not_emulated({"messages": [{"role": "user", "content": "hi", "output_config": {}}]}) == []
