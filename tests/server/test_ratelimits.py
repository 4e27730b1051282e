"""Rate limits like the API's: exact countdown, 429 with retry-after at the limit, recovery, token buckets."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from mockclaude.pipeline.ratelimits import LimitTable
from tests.support.server import Server, start_server, stop_server

HELLO: dict[str, Any] = {
    "model": "claude-haiku-4-5",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "Say hello"}],
}


def headers(key: str = "sk-ant-burst-0001") -> dict[str, str]:
    return {"anthropic-version": "2023-06-01", "x-api-key": key}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(
        tmp_path_factory.mktemp("limits"),
        "--latency",
        "instant",
        "--rate-limits",
        "rpm=30,itpm=100000,otpm=1000",
    )
    yield s
    stop_server(s)


@pytest.fixture(autouse=True)
def fresh(server: Server) -> None:
    httpx2.post(server.base_url + "/_mock/reset").raise_for_status()


def post(server: Server, body: dict[str, Any] = HELLO, key: str = "sk-ant-burst-0001") -> httpx2.Response:
    return httpx2.post(server.base_url + "/v1/messages", json=body, headers=headers(key))


def test_burst_counts_down_then_429_then_recovers(server: Server) -> None:
    with httpx2.Client() as http:
        answers = [
            http.post(server.base_url + "/v1/messages", json={**HELLO, "max_tokens": 10}, headers=headers())
            for _ in range(31)
        ]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    remaining = [int(a.headers["anthropic-ratelimit-requests-remaining"]) for a in answers[:30]]
    assert remaining == list(range(29, -1, -1))
    assert {a.headers["anthropic-ratelimit-requests-limit"] for a in answers[:30]} == {"30"}
    limited = answers[30]
    assert limited.status_code == 429
    error = limited.json()["error"]
    assert error["type"] == "rate_limit_error"
    assert "rate limit of 30 requests per minute" in error["message"]
    assert "model: claude-haiku-4-5-20251001" in error["message"]
    assert limited.headers["x-should-retry"] == "true"
    retry_after = int(limited.headers["retry-after"])
    assert retry_after == 2  # one request per 2 s comes back at 30 rpm
    reset = datetime.fromisoformat(limited.headers["anthropic-ratelimit-requests-reset"])
    assert reset.tzinfo is not None
    assert 50 <= (reset - datetime.now(UTC)).total_seconds() <= 62  # full again in about a minute
    time.sleep(retry_after)
    again = post(server, {**HELLO, "max_tokens": 10})
    assert again.status_code == 200
    assert again.headers["anthropic-ratelimit-requests-remaining"] == "0"


def test_output_tokens_are_estimated_by_max_tokens_then_corrected(server: Server) -> None:
    first = post(server, {**HELLO, "max_tokens": 400})
    assert first.status_code == 200
    assert int(first.headers["anthropic-ratelimit-output-tokens-remaining"]) == 600  # 1000 - max_tokens
    used = first.json()["usage"]["output_tokens"]
    second = post(server, {**HELLO, "max_tokens": 400})
    remaining = int(second.headers["anthropic-ratelimit-output-tokens-remaining"])
    # After the first answer the estimate was corrected to its real output; refill adds < 1 token/60 ms.
    assert 1000 - used - 400 <= remaining <= 1000 - used - 400 + 2
    third = post(server, {**HELLO, "max_tokens": 900})
    assert third.status_code == 429
    assert "1,000 output tokens per minute" in third.json()["error"]["message"]
    assert int(third.headers["retry-after"]) >= 1


def test_input_tokens_count_cache_writes_but_not_cache_reads(tmp_path: Path) -> None:
    s = start_server(tmp_path, "--latency", "instant", "--rate-limits", "rpm=1000,itpm=20000,otpm=100000")
    try:
        system = [
            {
                "type": "text",
                "text": "You are a careful assistant. " * 1000,
                "cache_control": {"type": "ephemeral"},
            }
        ]
        body = {**HELLO, "system": system}
        started = time.monotonic()
        first = post(s, body)
        usage = first.json()["usage"]
        assert usage["cache_creation_input_tokens"] > 0
        stats_after_first = httpx2.get(s.base_url + "/_mock/ratelimits").json()["buckets"][0]["input-tokens"]
        counted_first = usage["input_tokens"] + usage["cache_creation_input_tokens"]
        # The bucket refills continuously (20,000 a minute): allow what came back while the requests ran.
        refilled = math.ceil(20000 / 60 * (time.monotonic() - started)) + 1
        assert 20000 - counted_first <= stats_after_first["remaining"] <= 20000 - counted_first + refilled
        second = post(s, body)
        usage2 = second.json()["usage"]
        assert usage2["cache_read_input_tokens"] > 0 and usage2["cache_creation_input_tokens"] == 0
        after_second = httpx2.get(s.base_url + "/_mock/ratelimits").json()["buckets"][0]["input-tokens"]
        # The read is given back when the answer is done: only the uncached input stays counted.
        assert after_second["remaining"] >= stats_after_first["remaining"] - usage2["input_tokens"] - 1
    finally:
        stop_server(s)


def test_buckets_are_per_api_key_and_model_class(server: Server) -> None:
    for _ in range(3):
        post(server, key="sk-ant-key-aaaa")
    other_key = post(server, key="sk-ant-key-bbbb")
    assert other_key.headers["anthropic-ratelimit-requests-remaining"] == "29"
    other_model = post(server, {**HELLO, "model": "claude-sonnet-4-6"}, key="sk-ant-key-aaaa")
    assert other_model.headers["anthropic-ratelimit-requests-remaining"] == "29"
    rows = httpx2.get(server.base_url + "/_mock/ratelimits").json()["buckets"]
    assert {(r["api_key"], r["model_class"]) for r in rows} == {
        ("…aaaa", "haiku"),
        ("…bbbb", "haiku"),
        ("…aaaa", "sonnet"),
    }


def test_every_family_is_present_and_the_sdk_sees_them(server: Server) -> None:
    client = anthropic.Anthropic(
        base_url=server.base_url, api_key="sk-ant-sdk-0001", _strict_response_validation=True
    )
    raw = client.messages.with_raw_response.create(**HELLO)
    for family in ("requests", "tokens", "input-tokens", "output-tokens"):
        for part in ("limit", "remaining", "reset"):
            assert raw.headers.get(f"anthropic-ratelimit-{family}-{part}"), (family, part)
    assert raw.headers["anthropic-ratelimit-tokens-limit"] == "1000"  # output is the tighter bucket here


def test_sdk_retries_a_rate_limit_after_retry_after(tmp_path: Path) -> None:
    s = start_server(tmp_path, "--latency", "instant", "--rate-limits", "rpm=60,itpm=100000,otpm=100000")
    try:
        client = anthropic.Anthropic(base_url=s.base_url, api_key="sk-ant-sdk-0002", max_retries=2)
        for _ in range(60):
            client.messages.create(**HELLO)
        raw = client.messages.with_raw_response.create(**HELLO)
        assert raw.retries_taken == 1  # 429 with retry-after: 1, then the refilled request
    finally:
        stop_server(s)


def test_presets_and_bad_values() -> None:
    tier1 = LimitTable.parse("tier1")
    assert tier1.for_class("haiku").itpm == 50000 and tier1.for_class("opus").rpm == 50
    assert LimitTable.parse("rpm=5,itpm=6,otpm=7").for_class("sonnet").otpm == 7
    for bad in ("tier9", "rpm=5", "rpm=0,itpm=1,otpm=1", "rpm=x,itpm=1,otpm=1"):
        with pytest.raises(ValueError, match="rate_limits"):
            LimitTable.parse(bad)


def test_bad_rate_limits_flag_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="rate_limits: 'tier9'"):
        start_server(tmp_path, "--rate-limits", "tier9")


def test_cached_prompt_is_not_charged_at_admission(tmp_path: Path) -> None:
    """A cache hit needs room only for its uncached input, not for the whole prompt."""
    s = start_server(tmp_path, "--latency", "instant", "--rate-limits", "rpm=100,itpm=8000,otpm=8000")
    try:
        system = [{"type": "text", "text": "Policy line. " * 1500, "cache_control": {"type": "ephemeral"}}]
        body = {**HELLO, "system": system}
        first = post(s, body)
        assert first.status_code == 200 and first.json()["usage"]["cache_creation_input_tokens"] > 4096
        second = post(s, body)
        assert second.status_code == 200, second.text
        assert second.json()["usage"]["cache_read_input_tokens"] > 4096
    finally:
        stop_server(s)


def test_injected_429_carries_the_rate_limit_headers(server: Server) -> None:
    post(server)
    r = httpx2.post(
        server.base_url + "/v1/messages", json=HELLO, headers={**headers(), "x-mockclaude-fault": "429"}
    )
    assert r.status_code == 429 and r.headers["x-mockclaude-fault"] == "injected"
    assert r.headers["anthropic-ratelimit-requests-remaining"] == "29"
    assert r.headers["retry-after"] == "1"


def test_genuine_429_is_not_marked_injected(server: Server) -> None:
    with httpx2.Client() as http:
        answers = [
            http.post(
                server.base_url + "/v1/messages",
                json={**HELLO, "max_tokens": 5},
                headers={**headers(), "x-mockclaude-fault": "delay_ms=1"},
            )
            for _ in range(31)
        ]
    assert answers[-1].status_code == 429
    assert "x-mockclaude-fault" not in answers[-1].headers
    assert answers[0].headers["x-mockclaude-fault"] == "injected"
