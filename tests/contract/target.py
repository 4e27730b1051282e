"""What the contract tests run against, and the schemathesis schema bound to it.

- default: the mock in-process (its ASGI app, no socket), with instant latency, batches that end at once,
  permissive validation (generated placeholders such as model names are accepted, schema rules still
  apply) and one API key, so that auth is enforced and `ignored_auth` has something to check;
- `MOCKCLAUDE_CONTRACT_URL=http://127.0.0.1:4010`: any running server over HTTP (`make contract` starts
  the mock with the same settings as flags); `MOCKCLAUDE_CONTRACT_KEY` is the key it is sent.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from mockclaude.config import MockConfig
from mockclaude.server.app import create_app
from tests.contract.profiles import Profile
from tests.contract.spec_adapter import adapted_document

API_KEY = "sk-ant-contract"
ANTHROPIC_VERSION = "2023-06-01"
# The `make mock` flags that give a server these settings (used by `make contract` and in curl hints).
MOCK_FLAGS = f"--latency instant --validation permissive --batch-processing-s 0 --api-key {API_KEY}"


def base_url() -> str | None:
    """The server under test, or None for the in-process mock."""
    return os.environ.get("MOCKCLAUDE_CONTRACT_URL") or None


def api_key() -> str:
    return os.environ.get("MOCKCLAUDE_CONTRACT_KEY") or API_KEY


def describe() -> str:
    return base_url() or f"the mock in-process (ASGI; `make mock ARGS='{MOCK_FLAGS}'` serves the same)"


def new_mock_app(
    validation: str = "permissive", api_keys: tuple[str, ...] = (API_KEY,), **settings: Any
) -> object:
    """A mock in-process; `new_mock_app("strict", ())` is the API's twin (strict rules, any key)."""
    config = MockConfig(
        latency="instant", validation=validation, batch_processing_s=0.0, api_keys=api_keys, **settings
    )
    return create_app(config)


mock_app = cache(new_mock_app)  # one per settings, shared by the modules that test the API


def load_schema(profile: Profile) -> OpenApiSchema:
    """The spec (stream conventions adapted) as a schemathesis schema aimed at the target."""
    config = SchemathesisConfig.from_dict(profile.schemathesis_config(api_key()))
    schema = schemathesis.openapi.from_dict(adapted_document(), config=config)
    url = base_url()
    if url:
        schema.config.update(base_url=url)
    else:
        schema.app = mock_app()
    return schema
