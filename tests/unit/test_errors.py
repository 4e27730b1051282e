"""One exception tree: parsers raise domain errors; only an HTTP request's text becomes a 400."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from mockclaude import errors
from mockclaude.errors import (
    ApiError,
    ConfigError,
    FaultSyntaxError,
    MockClaudeError,
    RateLimitSpecError,
    RecordingError,
    RuleError,
)
from mockclaude.pipeline.faults import load_rules, parse_fault
from mockclaude.pipeline.ratelimits import LimitTable
from mockclaude.testing.admin_client import AdminError
from mockclaude.testing.netguard import NetworkBlocked
from tests.support.server import Server, free_port, start_server, stop_server

TREE = {
    ConfigError: ValueError,
    FaultSyntaxError: ConfigError,
    RateLimitSpecError: ConfigError,
    RuleError: ValueError,
    RecordingError: ValueError,
    ApiError: Exception,
    AdminError: RuntimeError,
}


@pytest.mark.parametrize("kind", [*TREE, NetworkBlocked], ids=lambda k: k.__name__)
def test_every_error_is_a_mockclaude_error_drawn_in_the_tree(kind: type[BaseException]) -> None:
    assert issubclass(kind, MockClaudeError)
    assert f" {kind.__name__}" in (errors.__doc__ or "")
    if kind in TREE:
        assert issubclass(kind, TREE[kind])  # the older base, so existing except clauses still work


def test_network_blocked_stays_out_of_except_exception() -> None:
    assert not issubclass(NetworkBlocked, Exception)


def test_the_old_import_places_still_work() -> None:
    from mockclaude.config import ConfigError as config_error
    from mockclaude.sources.rules import RuleError as rule_error
    from mockclaude.store.recordings import RecordingError as recording_error

    assert (config_error, rule_error, recording_error) == (ConfigError, RuleError, RecordingError)


def test_a_bad_fault_text_is_a_fault_syntax_error_naming_it() -> None:
    with pytest.raises(FaultSyntaxError) as error:
        parse_fault("529; bogus=1", rule=True)
    assert str(error.value).startswith("fault rule: '529; bogus=1': unknown key 'bogus'; known: ")
    assert isinstance(error.value, ConfigError)


def test_a_bad_fault_file_names_the_entry(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("- '529'\n- {fault: 529, probability: 7}\n")
    with pytest.raises(FaultSyntaxError, match=r"faults\[1\]: fault rule: .*probability='7' is out of range"):
        load_rules((), faults)
    faults.write_text("faults: [529\n")
    with pytest.raises(FaultSyntaxError, match="not valid YAML"):
        load_rules((), faults)


def test_a_bad_rate_limit_value_is_a_config_error() -> None:
    with pytest.raises(RateLimitSpecError, match=r"rate_limits: 'tier9' is not a tier \(tier1"):
        LimitTable.parse("tier9")
    with pytest.raises(RateLimitSpecError, match="lacks otpm"):
        LimitTable.parse("rpm=1,itpm=2")


def test_from_domain_is_the_mocks_own_400() -> None:
    error = ApiError.from_domain(FaultSyntaxError("fault rule: 'x': wrong"))
    assert (error.status, error.type, error.message) == (
        400,
        "invalid_request_error",
        "mockclaude: fault rule: 'x': wrong",
    )
    assert ("x-mockclaude-error", "true") in error.headers and str(error) == error.message
    already = ApiError(404, "gone")
    assert ApiError.from_domain(already) is already


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "bogus"], "fault rule: 'bogus': unknown error type 'bogus'; known: api_error,"),
        (["--fault", "529; every_s=5"], "fault rule: '529; every_s=5': every_s and for_s go together"),
        (["--rate-limits", "tier9"], "rate_limits: 'tier9' is not a tier"),
    ],
)
def test_a_bad_value_at_start_up_exits_2_with_a_configuration_error(args: list[str], message: str) -> None:
    # Bounded: were the value ever accepted, the server would start and serve until the timeout.
    port = str(free_port())
    ran = subprocess.run(
        [sys.executable, "-m", "mockclaude", "serve", "--port", port, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.startswith(f"mockclaude: configuration error: {message}"), ran.stderr
    assert "Traceback" not in ran.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("errors"), "--latency", "instant")
    yield s
    stop_server(s)


def test_a_fault_text_brought_by_a_request_is_the_same_marked_400(server: Server) -> None:
    expected = "mockclaude: fault rule: '529; bogus=1': unknown key 'bogus'; known: "
    armed = httpx2.post(server.base_url + "/_mock/faults", json={"fault": "529", "bogus": 1})
    assert armed.status_code == 400 and armed.headers["x-mockclaude-error"] == "true"
    assert armed.json()["error"]["type"] == "invalid_request_error"
    assert armed.json()["error"]["message"].startswith(expected), armed.text
    hello = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}
    headers = {
        "anthropic-version": "2023-06-01",
        "x-api-key": "sk-ant-test",
        "x-mockclaude-fault": "529; seed=1",
    }
    sent = httpx2.post(server.base_url + "/v1/messages", json=hello, headers=headers)
    assert sent.status_code == 400 and sent.headers["x-mockclaude-error"] == "true"
    assert sent.json()["error"]["message"] == (
        "mockclaude: x-mockclaude-fault: '529; seed=1': "
        "'seed' belongs to fault rules (--fault, POST /_mock/faults), not to the header"
    )
    assert httpx2.get(server.base_url + "/_mock/faults").json()["data"] == []
