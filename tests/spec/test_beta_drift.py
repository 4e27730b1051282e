"""Drift between the spec's beta request schemas and the installed SDK's beta types (needs SDK >= 2.16).

The beta schemas are generated from SDK 2.16 by ``openapi/tools/beta_schemas.py``; this walks the SDK's
beta ``MessageCreateParams`` and ``MessageCountTokensParams`` against them with the same engine as
``test_sdk_drift.py``, both ways, so a field, variant or enum value a new SDK adds (or drops) fails here
until the generator is rerun. Deliberate differences are listed below with their reason.

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

from anthropic.types.beta import message_count_tokens_params, message_create_params

DOC = load_spec()
HEADER_KEYS = frozenset({"betas", "workspace_id", "user_profile_id"})


class BetaMessageCreateParamsWithStream(message_create_params.MessageCreateParamsBase, total=False):
    """The body as the spec models it: the SDK's base params plus an optional ``stream``."""

    stream: bool


# Spec-only fields the API takes on a beta request though SDK 2.x no longer types them: the sampling
# parameters (the API version decides about them, as on the stable schema) and ``output_format``, the beta
# form of structured outputs that 0.x SDKs and gateway libraries still send.
DELIBERATE = {
    *(f"BetaMessageCreateParams.{field}" for field in ("temperature", "top_p", "top_k", "output_format")),
    "BetaMessageCountTokensParams.output_format",
    # The SDK declares a fallback entry open (``extra_items=object``): the spec keeps it open too.
    "BetaFallbackParam",
    # ``trigger: object`` in the SDK, ``{}`` in the spec: any value, null included (the engine reads an
    # empty schema as not nullable).
    "BetaFallbackBlockParam.trigger",
}

ROOTS = (
    Root(
        "BetaMessageCreateParams",
        BetaMessageCreateParamsWithStream,
        "request",
        "BetaMessageCreateParams",
        excluded_fields={BetaMessageCreateParamsWithStream: HEADER_KEYS},
    ),
    Root(
        "BetaMessageCountTokensParams",
        message_count_tokens_params.MessageCountTokensParams,
        "request",
        "BetaMessageCountTokensParams",
        excluded_fields={message_count_tokens_params.MessageCountTokensParams: HEADER_KEYS},
    ),
)


@pytest.mark.parametrize("root", ROOTS, ids=lambda r: r.name)
def test_beta_request_schema_matches_the_sdk(root: Root) -> None:
    result = compare_root(DOC, root)
    unexpected = [m for m in result.mismatches if m.where not in DELIBERATE and m.path not in DELIBERATE]
    print(
        f"\n{root.name}: {result.counters.fields} fields, {result.counters.enum_values} enum values compared"
    )
    assert result.counters.fields > 100  # the walk went deep, not just the top level
    assert not unexpected, "\n".join(str(m) for m in unexpected)


def test_deliberate_differences_are_still_differences() -> None:
    mismatches = [m for root in ROOTS for m in compare_root(DOC, root).mismatches]
    found = {m.where for m in mismatches} | {m.path for m in mismatches}
    stale = sorted(DELIBERATE - found)
    assert not stale, f"no longer a difference (drop it from DELIBERATE): {stale}"
