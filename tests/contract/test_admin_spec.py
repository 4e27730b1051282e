"""The mock's own admin API (`/_mock/...`) against its spec, `openapi/mock-admin.yaml`: examples and fuzzing
with every built-in check. It runs on a mock of its own (it arms faults and resets state), in-process, or
against `MOCKCLAUDE_CONTRACT_URL` when that server has the admin API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
import yaml
from schemathesis.config import SchemathesisConfig

from tests.contract import profiles, reporting, target
from tests.contract.spec_adapter import REPO

ADMIN_SPEC = REPO / "openapi" / "mock-admin.yaml"
if not ADMIN_SPEC.exists():
    pytest.skip(f"{ADMIN_SPEC} is not there", allow_module_level=True)

PROFILE = profiles.current()
settings = PROFILE.schemathesis_config(None)
settings["operations"] = [
    # A fault is a small language (`529; times=2`): the schema says "a string", only the parser knows which
    # strings are faults, so a schema-valid text may be refused (400, documented).
    {
        "include-operation-id": "admin_faults_arm",
        "checks": {"positive_data_acceptance": {"expected-statuses": [*profiles.ACCEPTED, "400"]}},
    },
]
config = SchemathesisConfig.from_dict(settings)
schema = schemathesis.openapi.from_dict(yaml.safe_load(ADMIN_SPEC.read_text()), config=config)
if target.base_url():
    schema.config.update(base_url=target.base_url())
else:
    # The in-process client is not a loopback address, which the admin API would refuse (403).
    schema.app = target.new_mock_app(admin_remote=True)
reporting.attach(schema, PROFILE.name)


@pytest.fixture(scope="module", autouse=True)
def reset_afterwards() -> Iterator[None]:
    """Generated calls arm faults and change state: a shared server is reset for the tests that follow."""
    yield
    schema["/_mock/reset"]["POST"].Case().call()


@schema.parametrize()
def test_admin_operation_conforms(case):  # type: ignore[no-untyped-def]
    case.call_and_validate()


def test_admin_answers() -> None:
    """The generated calls above reach the admin API itself, not only its refusals (401/403 are documented)."""
    case = schema["/_mock/health"]["GET"].Case()
    response = case.call()
    case.validate_response(response)
    assert response.status_code == 200, response.text
