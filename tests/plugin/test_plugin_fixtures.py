"""The plugin's fixtures and marker: live server, journal, faults, rules, recordings, the network guard."""

from __future__ import annotations

import os
import socket
from typing import Any

import anthropic
import httpx2
import pytest
import requests

from mockclaude.testing.admin_client import AdminError
from mockclaude.testing.mock import MockClaude
from mockclaude.testing.netguard import NetworkBlocked, NetworkGuard

HAIKU = "claude-haiku-4-5"
SEED = "../../mocks/content/recordings/seed"


def ask(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": HAIKU, "max_tokens": 200, "messages": [{"role": "user", "content": text}], **extra}


def test_live_server_is_what_anthropic_base_url_points_at(mockclaude_server: Any) -> None:
    assert os.environ["ANTHROPIC_BASE_URL"] == mockclaude_server.base_url
    assert mockclaude_server.base_url.startswith("http://127.0.0.1:")
    client = anthropic.Anthropic(_strict_response_validation=True)  # as code under test builds it
    message = client.messages.create(**ask("Hello"))
    assert message.content[0].text
    answer = httpx2.get(
        mockclaude_server.base_url + "/v1/models",
        headers={"anthropic-version": "2023-06-01", "x-api-key": mockclaude_server.api_key},
    )
    assert answer.status_code == 200 and answer.json()["data"]
    entry = mockclaude_server.journal.last()
    assert entry["request"]["body"]["messages"][0]["content"] == "Hello"
    assert entry["request"]["headers"]["authorization"] == "<redacted>"  # the 2.x SDK sends a bearer key


@pytest.mark.mockclaude(faults=["529; times=2; retry_after=0.01"])
def test_marker_faults_meet_the_sdk_retries(mockclaude_client: Any, mockclaude_journal: Any) -> None:
    message = mockclaude_client.messages.create(**ask("Hello"))  # default max_retries=2: 3 attempts
    assert message.content[0].text
    entries = mockclaude_journal.entries("/v1/messages")
    assert [e["status"] for e in entries] == [529, 529, 200]
    assert [e["request"]["headers"]["x-stainless-retry-count"] for e in entries] == ["0", "1", "2"]


def test_faults_fixture_arms_and_clears(mockclaude: MockClaude, mockclaude_faults: Any) -> None:
    client = mockclaude.client(max_retries=0)
    fault_id = mockclaude_faults.add("429; retry_after=3", path="/v1/messages")
    assert [f["id"] for f in mockclaude_faults.list()] == [fault_id]
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(**ask("Hello"))
    assert caught.value.response.headers["retry-after"] == "3"
    mockclaude_faults.remove(fault_id)
    assert client.messages.create(**ask("Hello")).content[0].text


def test_fault_header_per_request(mockclaude: MockClaude) -> None:
    client = mockclaude.client(max_retries=0)
    with pytest.raises(anthropic.OverloadedError):
        client.messages.create(**ask("Hello"), extra_headers={"x-mockclaude-fault": "overloaded_error"})
    assert mockclaude.journal.last()["fault"] == "529"


WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
WEATHER_RULES = [
    {
        "name": "weather-loop",
        "when": {"tools": ["get_weather"]},
        "answers": [
            {"tool_use": [{"name": "get_weather", "input": {"city": "Lisbon"}}]},
            {"text": "In Lisbon it is {tool_result}."},
        ],
    }
]


@pytest.mark.mockclaude(rules=WEATHER_RULES)
def test_marker_rules_drive_a_tool_loop(mockclaude_client: Any) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Lisbon?"}]
    first = mockclaude_client.messages.create(**ask("", tools=[WEATHER_TOOL], messages=messages))
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.input == {"city": "Lisbon"}
    messages += [
        {"role": "assistant", "content": first.content},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "21 °C, sunny"}],
        },
    ]
    final = mockclaude_client.messages.create(**ask("", tools=[WEATHER_TOOL], messages=messages))
    assert final.content[0].text == "In Lisbon it is 21 °C, sunny."


def test_rules_added_during_a_test_win_at_once(mockclaude: MockClaude) -> None:
    client = mockclaude.client()
    before = client.messages.create(**ask("ping")).content[0].text
    mockclaude.add_rules(
        "rules:\n  - name: pong\n    when: {last_user: {equals: ping}}\n    answer: {text: pong}\n"
    )
    assert before != "pong"
    assert client.messages.create(**ask("ping")).content[0].text == "pong"
    assert mockclaude.journal.last()["origin"] == "rule:pong"
    with pytest.raises(AdminError, match=r"rules\[0\].*when"):
        mockclaude.add_rules([{"name": "broken", "when": {"no_such_condition": 1}, "answer": {"text": "x"}}])
    assert client.messages.create(**ask("ping")).content[0].text == "pong"  # the refused rules left no trace


@pytest.mark.mockclaude(recordings=SEED, record_mode="none")
def test_marker_selects_a_recording_set_replay_only(mockclaude_client: Any, mockclaude_journal: Any) -> None:
    hello = mockclaude_client.messages.create(
        model=HAIKU, max_tokens=1024, messages=[{"role": "user", "content": "Hello, Claude"}]
    )
    assert hello.content[0].text
    assert mockclaude_journal.last()["origin"].startswith("recording")
    with pytest.raises(
        anthropic.BadRequestError, match=r"mockclaude: no recording matches .*Closest: hello.yaml"
    ):
        mockclaude_client.messages.create(
            model=HAIKU, max_tokens=1000, messages=[{"role": "user", "content": "Hello, Claude"}]
        )


def test_network_is_blocked_naming_the_host(mockclaude_client: Any) -> None:
    with pytest.raises(NetworkBlocked, match=r"api\.anthropic\.com:443 is blocked"):
        anthropic.Anthropic(api_key="sk-ant-x", base_url="https://api.anthropic.com").messages.create(
            **ask("hi")
        )
    with pytest.raises(NetworkBlocked, match=r"api\.anthropic\.com"):
        requests.post("https://api.anthropic.com/v1/messages", json={}, timeout=5)
    with socket.socket() as raw, pytest.raises(NetworkBlocked, match=r"192\.0\.2\.1:80"):
        raw.connect(("192.0.2.1", 80))  # an address, no name lookup: connect itself is guarded
    loopback = socket.create_server(("127.0.0.1", 0))
    with loopback, socket.create_connection(loopback.getsockname(), timeout=5):
        pass  # loopback is fine


def test_guard_allows_named_hosts_and_their_addresses() -> None:
    guard = NetworkGuard(["example.com"])
    guard.check("example.com", 443)
    guard.check("localhost")
    guard.check("::1")
    with pytest.raises(NetworkBlocked, match=r"allow_hosts=\['api.anthropic.com'\]"):
        guard.check("api.anthropic.com", 443)


def test_network_is_free_outside_the_fixtures() -> None:
    assert socket.getaddrinfo.__module__ == "socket"


@pytest.fixture()
def proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment that goes nowhere, as on many company machines."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")


def test_live_server_bypasses_proxies_from_the_environment(proxied: None, mockclaude_server: Any) -> None:
    assert "HTTPS_PROXY" not in os.environ  # the guard removes proxies for the test
    assert anthropic.Anthropic(max_retries=0).messages.create(**ask("Hello")).content[0].text


@pytest.mark.mockclaude(allow_network=True)
def test_without_the_guard_proxies_stay_but_not_before_the_mock(
    proxied: None, mockclaude_server: Any
) -> None:
    assert os.environ["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert "127.0.0.1" in os.environ["NO_PROXY"].split(",")
    assert anthropic.Anthropic(max_retries=0).messages.create(**ask("Hello")).content[0].text


@pytest.mark.mockclaude(faults=[{"fault": "429; retry_after=0", "path": "/v1/messages/count_tokens"}])
def test_marker_fault_mapping_narrowed_to_a_path(mockclaude: MockClaude) -> None:
    client = mockclaude.client(max_retries=0)
    assert client.messages.create(**ask("Hello")).content[0].text
    with pytest.raises(anthropic.RateLimitError):
        client.messages.count_tokens(model=HAIKU, messages=[{"role": "user", "content": "Hello"}])


@pytest.mark.mockclaude(allow_network=True)
def test_marker_can_lift_the_guard(mockclaude: MockClaude) -> None:
    assert socket.getaddrinfo.__module__ == "socket"


ADMIN_TOKEN_AND_KEYS = """
import pytest

ASK = dict(model="claude-haiku-4-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}])


@pytest.mark.mockclaude(admin_token="tok")
def test_admin_token(mockclaude_client, mockclaude_journal, mockclaude_faults, mockclaude_server):
    mockclaude_faults.add("529; times=1; retry_after=0")
    mockclaude_client.messages.create(**ASK)
    assert [e["status"] for e in mockclaude_journal.entries()] == [529, 200]
    assert mockclaude_server.journal.messages()


@pytest.mark.mockclaude(api_keys=("sk-ant-only", "sk-ant-other"))
def test_api_keys(mockclaude_client, mockclaude_async_client, mockclaude_server):
    import asyncio, anthropic, os
    assert mockclaude_client.messages.create(**ASK).content
    assert asyncio.run(mockclaude_async_client.messages.create(**ASK)).content
    assert os.environ["ANTHROPIC_API_KEY"] == "sk-ant-only"
    assert anthropic.Anthropic().messages.create(**ASK).content
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(api_key="sk-ant-wrong").messages.create(**ASK)
"""


def test_marker_admin_token_and_api_keys_reach_the_fixtures(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    pytester.makepyfile(test_settings=ADMIN_TOKEN_AND_KEYS)
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_rules_that_do_not_exist_are_an_error_naming_them(pytester: pytest.Pytester) -> None:
    pytester.mkdir("myrules")
    (pytester.path / "myrules" / "pong.yaml").write_text(
        "rules:\n  - name: pong\n    when: {last_user: {equals: ping}}\n    answer: {text: pong}\n"
    )
    pytester.makepyfile(
        """
        import pytest

        ASK = dict(model="claude-haiku-4-5", max_tokens=20, messages=[{"role": "user", "content": "ping"}])

        @pytest.mark.mockclaude(rules="myrules")
        def test_dir(mockclaude_client):
            assert mockclaude_client.messages.create(**ASK).content[0].text == "pong"

        @pytest.mark.mockclaude(rules="myrulez")
        def test_typo(mockclaude_client):
            mockclaude_client.messages.create(**ASK)

        @pytest.mark.mockclaude(rules="myrules/nope.yaml")
        def test_missing_file(mockclaude_client):
            mockclaude_client.messages.create(**ASK)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        ["*rules='myrulez'*myrulez does not exist*", "*rules='myrules/nope.yaml'*does not exist*"]
    )


def test_missing_rules_are_refused_outside_pytest_too(tmp_path: Any) -> None:
    from mockclaude.config import MockConfig

    with pytest.raises(FileNotFoundError, match="nowhere"):
        MockClaude(MockConfig(latency="instant", rules_dir=tmp_path / "nowhere"))


PLUGIN_BY_NAME = """
def test_fixture(mockclaude_client):
    assert mockclaude_client.messages.create(
        model="claude-haiku-4-5", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    ).content
"""


@pytest.mark.parametrize("how", ["entry point", "pytest_plugins in conftest", "-p on the command line"])
def test_the_plugin_loads_by_entry_point_and_by_name(pytester: pytest.Pytester, how: str) -> None:
    pytester.makepyfile(test_named=PLUGIN_BY_NAME)
    args: list[str] = []
    if how == "pytest_plugins in conftest":
        pytester.makeconftest('pytest_plugins = ["mockclaude.testing.pytest_plugin"]\n')
    elif how == "-p on the command line":
        args = ["-p", "mockclaude.testing.pytest_plugin"]
    result = pytester.runpytest_subprocess(*args)  # a fresh interpreter: entry points load as for a user
    result.assert_outcomes(passed=1)
