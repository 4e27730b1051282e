"""Shared fixtures: a real mock server on a free loopback port, SDK clients, and the contract."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from mockclaude.protocol.contract import Contract
from tests.support.conformance import ResponseConformance
from tests.support.server import SPEC, Server, sdk_options, start_server, stop_server


@pytest.fixture(scope="session")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The mock with instant latency and fast batches, shared by the server tests."""
    server = start_server(
        tmp_path_factory.mktemp("mock"), "--latency", "instant", "--batch-processing-s", "0.5"
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract(SPEC)


@pytest.fixture(scope="session")
def conformance(contract: Contract) -> ResponseConformance:
    return ResponseConformance(contract)


@pytest.fixture()
def client(mock_server: Server, conformance: ResponseConformance):  # type: ignore[no-untyped-def]
    """The newest SDK, strict; every answer it receives is also checked against the spec."""
    import anthropic

    def check(response: httpx2.Response) -> None:
        response.read()
        conformance.check_response(response)

    with httpx2.Client(event_hooks={"response": [check]}) as http:
        yield anthropic.Anthropic(**sdk_options(mock_server), http_client=http)


@pytest.fixture()
def async_client(mock_server: Server, conformance: ResponseConformance):  # type: ignore[no-untyped-def]
    """The async SDK, strict, with the same spec check on every answer."""
    import anthropic

    async def check(response: httpx2.Response) -> None:
        await response.aread()
        conformance.check_response(response)

    # No keep-alive: each test runs its own event loop, gone before teardown could close pooled connections.
    limits = httpx2.Limits(max_keepalive_connections=0)
    return anthropic.AsyncAnthropic(
        **sdk_options(mock_server),
        http_client=httpx2.AsyncClient(event_hooks={"response": [check]}, limits=limits),
    )
