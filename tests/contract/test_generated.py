"""Schemathesis-generated requests for every operation of the spec: examples, fuzzing (positive and
negative) and, in the thorough profile, coverage; every built-in check plus the stream check."""

from __future__ import annotations

from tests.contract import profiles, reporting, target
from tests.contract.checks import CUSTOM_CHECKS

PROFILE = profiles.current()
schema = target.load_schema(PROFILE)
reporting.attach(schema, PROFILE.name)


@schema.parametrize()
def test_operation_conforms(case):  # type: ignore[no-untyped-def]
    case.call_and_validate(additional_checks=CUSTOM_CHECKS)
