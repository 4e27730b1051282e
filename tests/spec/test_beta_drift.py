"""Drift between the spec's beta schemas and the installed SDK's beta types (needs SDK >= 2.16).

The beta schemas are generated from SDK 2.16 by ``openapi/tools/beta_schemas.py``; this walks every beta
root the generator carries (requests: message create, count_tokens, batch create; responses: ``BetaMessage``,
content blocks, stream events and deltas, token count, batches, batch results, models and their pages)
against them with the same engine as ``test_sdk_drift.py``, both ways, so a field, variant or enum value a
new SDK adds (or drops) fails here until the generator is rerun. Deliberate differences are listed below
with their reason.

``pytest tests/spec/test_beta_drift.py -q -s`` prints how much was compared.
"""

from __future__ import annotations

import anthropic
import pytest

from tests.spec.drift_engine import Root, compare_root
from tests.spec.spec_tools import load_spec

if tuple(int(p) for p in anthropic.__version__.split(".")[:2]) < (2, 16):
    pytest.skip(
        f"the beta schemas follow SDK 2.16's beta types; installed anthropic is {anthropic.__version__}",
        allow_module_level=True,
    )

from anthropic.types.beta import message_create_params

from tests.spec.spec_tools import beta_generator

DOC = load_spec()
HEADER_KEYS = frozenset({"betas", "workspace_id", "user_profile_id"})


class BetaMessageCreateParamsWithStream(message_create_params.MessageCreateParamsBase, total=False):
    """The body as the spec models it: the SDK's base params plus an optional ``stream``."""

    stream: bool


# Spec-only fields the API takes on a beta request though SDK 2.x no longer types them: the sampling
# parameters (the API version decides about them, as on the stable schema) and ``output_format``, the beta
# form of structured outputs that 0.x SDKs and gateway libraries still send.
DELIBERATE = {
    *(
        f"{params}.{field}"
        for params in ("BetaMessageCreateParams", "BetaMessageCreateParamsNonStreaming")
        for field in ("temperature", "top_p", "top_k", "output_format")
    ),
    "BetaMessageCountTokensParams.output_format",
    # The SDK declares a fallback entry open (``extra_items=object``): the spec keeps it open too.
    "BetaFallbackParam",
    # ``trigger: object`` in the SDK, ``{}`` in the spec: any value, null included (the engine reads an
    # empty schema as not nullable).
    "BetaFallbackBlockParam.trigger",
}

# The generator's roots, with the create params as the spec models them (plus ``stream``).
ROOTS = tuple(
    Root(
        name,
        BetaMessageCreateParamsWithStream if name == "BetaMessageCreateParams" else typ,
        direction,
        name,
        excluded_fields={
            BetaMessageCreateParamsWithStream if name == "BetaMessageCreateParams" else typ: HEADER_KEYS
        },
    )
    for name, typ, direction in beta_generator().roots()
)


# Roots whose walk reaches the content blocks (a shallow count there means the walk stopped early).
DEEP = frozenset(
    {
        "BetaMessageCreateParams",
        "BetaMessageCountTokensParams",
        "BetaMessageBatchCreateParams",
        "BetaMessage",
        "BetaContentBlock",
        "BetaRawMessageStreamEvent",
        "BetaMessageBatchIndividualResponse",
    }
)


@pytest.mark.parametrize("root", ROOTS, ids=lambda r: r.name)
def test_beta_schema_matches_the_sdk(root: Root) -> None:
    result = compare_root(DOC, root)
    unexpected = [m for m in result.mismatches if m.where not in DELIBERATE and m.path not in DELIBERATE]
    print(
        f"\n{root.name}: {result.counters.fields} fields, {result.counters.enum_values} enum values compared"
    )
    if root.name in DEEP:
        assert result.counters.fields > 100  # the walk went deep, not just the top level
    assert result.counters.fields > 0
    assert not unexpected, "\n".join(str(m) for m in unexpected)


def test_deliberate_differences_are_still_differences() -> None:
    mismatches = [m for root in ROOTS for m in compare_root(DOC, root).mismatches]
    found = {m.where for m in mismatches} | {m.path for m in mismatches}
    stale = sorted(DELIBERATE - found)
    assert not stale, f"no longer a difference (drop it from DELIBERATE): {stale}"


def test_generated_block_is_current() -> None:
    """The beta block of the spec is what the generator makes from the installed SDK (rerun it if not)."""
    import subprocess
    import sys

    from tests.spec.spec_tools import REPO_ROOT

    if anthropic.__version__ != "2.16.0":
        pytest.skip(f"the block was generated from anthropic 2.16.0; installed {anthropic.__version__}")
    script = REPO_ROOT / "openapi" / "tools" / "beta_schemas.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
