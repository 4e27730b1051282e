"""Faults on purpose, seen through the official SDK and raw HTTP: retries, retry-after, x-should-retry,
mid-stream errors, dropped connections, delays, dribbled bodies, fault rules and their validation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from mockclaude.pipeline.faults import Armed, parse_fault
from tests.support.readme_blocks import block
from tests.support.server import Server, start_server, stop_server

HELLO: dict[str, Any] = {
    "model": "claude-haiku-4-5",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Say hello"}],
}
HEADERS = {"anthropic-version": "2023-06-01", "x-api-key": "sk-ant-test"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("faults"), "--latency", "instant")
    yield s
    stop_server(s)


@pytest.fixture(autouse=True)
def fresh(server: Server) -> None:
    httpx2.post(server.base_url + "/_mock/reset").raise_for_status()


def sdk(server: Server, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=server.base_url, api_key="sk-ant-test", _strict_response_validation=True, **options
    )


def attempts(server: Server) -> list[dict[str, Any]]:
    return httpx2.get(server.base_url + "/_mock/journal", params={"path": "/v1/messages"}).json()["data"]


# -- the official SDK meets injected errors ------------------------------------------------------------
@pytest.mark.parametrize(("status", "error_type"), [(529, "overloaded_error"), (429, "rate_limit_error")])
def test_two_faults_then_success_with_max_retries_2(server: Server, status: int, error_type: str) -> None:
    client = sdk(server, max_retries=2)
    fault = f"{status}; times=2; retry_after=0.05"
    raw = client.messages.with_raw_response.create(**HELLO, extra_headers={"x-mockclaude-fault": fault})
    assert raw.retries_taken == 2
    assert raw.parse().stop_reason == "end_turn"
    seen = attempts(server)
    assert [e["status"] for e in seen] == [status, status, 200]
    assert [e["request"]["headers"]["x-stainless-retry-count"] for e in seen] == ["0", "1", "2"]
    stats = httpx2.get(server.base_url + "/_mock/stats").json()
    assert stats["faults_injected"] == {str(status): 2}
    assert stats["errors"] == {error_type: 2}


def test_injected_error_is_the_apis_own(server: Server) -> None:
    """Envelope, type, message, retry-after and x-should-retry as the API sends them; not mock-marked."""
    expected = {
        429: ("rate_limit_error", "This request would exceed your organization's rate limit", "1", "true"),
        529: ("overloaded_error", "Overloaded", None, "true"),
        500: ("api_error", "Internal server error", None, "true"),
        504: ("timeout_error", "Request timed out", None, "true"),
        413: ("request_too_large", "Request exceeds the maximum size", None, "false"),
    }
    for status, (kind, message, retry_after, should_retry) in expected.items():
        r = httpx2.post(
            server.base_url + "/v1/messages",
            json=HELLO,
            headers={**HEADERS, "x-mockclaude-fault": str(status)},
        )
        assert r.status_code == status
        body = r.json()
        assert body["type"] == "error" and body["error"]["type"] == kind
        assert body["error"]["message"].startswith(message)
        assert body["request_id"] == r.headers["request-id"]
        assert r.headers.get("retry-after") == retry_after
        assert r.headers["x-should-retry"] == should_retry
        assert r.headers["x-mockclaude-fault"] == "injected"
        assert "x-mockclaude-error" not in r.headers


def test_the_sdk_waits_as_retry_after_says(server: Server) -> None:
    client = sdk(server, max_retries=2)
    started = time.monotonic()
    client.messages.create(**HELLO, extra_headers={"x-mockclaude-fault": "529; times=2; retry_after=0.4"})
    elapsed = time.monotonic() - started
    assert elapsed >= 0.8  # two waits of retry-after; the SDK's own backoff would be 0.375-1.5 s
    times = [e["time"] for e in attempts(server)]
    assert len(times) == 3


def test_should_retry_false_stops_the_sdk(server: Server) -> None:
    client = sdk(server, max_retries=2)
    with pytest.raises(anthropic.InternalServerError) as caught:
        client.messages.create(**HELLO, extra_headers={"x-mockclaude-fault": "500; should_retry=false"})
    assert caught.value.status_code == 500
    assert len(attempts(server)) == 1


def test_retries_exhausted_raise_the_status_class(server: Server) -> None:
    client = sdk(server, max_retries=1)
    with pytest.raises(anthropic.RateLimitError):
        client.messages.create(
            **HELLO, extra_headers={"x-mockclaude-fault": "rate_limit_error; retry_after=0.01"}
        )
    assert len(attempts(server)) == 2


def test_mid_stream_error_raises_in_the_stream_helper(server: Server) -> None:
    client = sdk(server, max_retries=0)
    received: list[str] = []
    cut = {"x-mockclaude-fault": "error_after=6"}
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        client.messages.stream(**HELLO, extra_headers=cut) as stream,
    ):
        received.extend(stream.text_stream)
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert received, "the events before the error arrive"
    entry = attempts(server)[-1]
    assert entry["cut"] == "error_event" and entry["status"] == 200


def test_error_event_follows_exactly_n_events(server: Server) -> None:
    r = httpx2.post(
        server.base_url + "/v1/messages",
        json={**HELLO, "stream": True},
        headers={**HEADERS, "x-mockclaude-fault": "error_after=4"},
    )
    names = re.findall(r"^event: (\w+)$", r.text, flags=re.M)
    assert names[0] == "message_start" and "content_block_delta" in names[:4]
    assert names[4:] == ["error"]
    assert r.text.endswith(
        'data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )


def test_dropped_stream_is_a_connection_error(server: Server) -> None:
    client = sdk(server, max_retries=0)
    drop = {"x-mockclaude-fault": "drop_after=3"}
    with pytest.raises(httpx2.TransportError), client.messages.stream(**HELLO, extra_headers=drop) as stream:
        for _ in stream.text_stream:
            pass
    assert attempts(server)[-1]["cut"] == "drop"


def test_dropped_json_answer_is_retried_then_succeeds(server: Server) -> None:
    client = sdk(server, max_retries=2)
    raw = client.messages.with_raw_response.create(
        **HELLO, extra_headers={"x-mockclaude-fault": "drop_after=0; times=1"}
    )
    assert raw.retries_taken == 1
    with pytest.raises(anthropic.APIConnectionError):
        sdk(server, max_retries=0).messages.create(
            **HELLO, extra_headers={"x-mockclaude-fault": "drop_after=0"}
        )


def test_delay_and_dribble(server: Server) -> None:
    started = time.monotonic()
    with httpx2.stream(
        "POST",
        server.base_url + "/v1/messages",
        json=HELLO,
        headers={**HEADERS, "x-mockclaude-fault": "delay_ms=200; slow_ms=10; chunk=64"},
    ) as r:
        headers_after = time.monotonic() - started
        pieces = [len(p) for p in r.iter_raw()]
    assert headers_after >= 0.2
    body_bytes = int(r.headers["content-length"])
    assert sum(pieces) == body_bytes
    assert len(pieces) >= body_bytes // 64 // 2  # arrived in many small pieces, not one write
    assert r.headers["x-mockclaude-fault"] == "injected"


@pytest.mark.parametrize(
    ("fault", "named"),
    [
        ("999", "status='999'"),
        ("529; times=x", "times='x'"),
        ("flood=1", "unknown key 'flood'"),
        ("teapot_error", "unknown error type 'teapot_error'"),
        ("probability=0.5", "'probability' belongs to fault rules"),
        ("529; error_after=2", "cannot be combined"),
        ("slow_ms=-5", "slow_ms='-5' is out of range"),
        ("delay_ms=1e12", "delay_ms='1e12' is out of range"),
        ("529; retry_after=nan", "retry_after='nan' is out of range"),
        ("times=2", "nothing to inject"),
        ("drop_after=1; retry_after=3", "retry_after and should_retry go with an error status"),
        ("529; status=429", "'status' is given twice"),
        ("rate_limit_error; status=529", "goes with status 429"),
        ("times=²", "times='²' is not an integer"),
    ],
)
def test_bad_fault_values_get_a_marked_400(server: Server, fault: str, named: str) -> None:
    sent = {**HEADERS, "x-mockclaude-fault": fault.encode("latin-1")}  # raw bytes: a header is not text
    r = httpx2.post(server.base_url + "/v1/messages", json=HELLO, headers=sent)
    assert r.status_code == 400
    assert r.headers["x-mockclaude-error"] == "true"
    message = r.json()["error"]["message"]
    assert message.startswith("mockclaude: x-mockclaude-fault:") and named in message, message
    assert httpx2.get(server.base_url + "/_mock/health").json()["status"] == "ok"


def test_times_without_the_sdk_header_counts_per_fault(server: Server) -> None:
    """A client without x-stainless-retry-count sees `times` failures, a success, and it starts over."""
    statuses = [
        httpx2.post(
            server.base_url + "/v1/messages",
            json=HELLO,
            headers={**HEADERS, "x-mockclaude-fault": "529; times=2"},
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [529, 529, 200, 529, 529, 200]


# -- the README's raw-HTTP backoff loop recovers the same way ----------------------------------------------
def test_readme_backoff_loop_recovers(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    namespace: dict[str, Any] = {}
    exec(compile(block("python", "def post_with_backoff"), "README.md", "exec"), namespace)
    for fault in ("529; times=2; retry_after=0.05", "429; times=3; retry_after=0.05"):
        message = namespace["post_with_backoff"](HELLO, extra_headers={"x-mockclaude-fault": fault})
        assert message["type"] == "message"
    assert [e["status"] for e in attempts(server)] == [529, 529, 200, 429, 429, 429, 200]


def test_readme_sdk_retries_through_injected_529s(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    code = block("python", "with_raw_response.create(")
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    shown = re.search(r"# (\d+) (\S+)", code.splitlines()[-1])
    assert shown is not None
    retries, text = printed.split(" ", 1)
    assert retries == shown.group(1) == "2" and text.startswith(shown.group(2))
    assert [e["status"] for e in attempts(server)] == [529, 529, 200]


# -- fault rules: armed through the admin API, by flag and from YAML -------------------------------------
def test_armed_fault_hits_only_its_model_and_path(server: Server) -> None:
    armed = httpx2.post(
        server.base_url + "/_mock/faults",
        json={"fault": "529", "model": "claude-sonnet-4-6", "path": "/v1/messages"},
    )
    assert armed.status_code == 201
    fault_id = armed.json()["id"]
    post = server.base_url + "/v1/messages"
    assert httpx2.post(post, json={**HELLO, "model": "claude-sonnet-4-6"}, headers=HEADERS).status_code == 529
    assert httpx2.post(post, json=HELLO, headers=HEADERS).status_code == 200
    count = {"model": "claude-sonnet-4-6", "messages": HELLO["messages"]}
    assert httpx2.post(post + "/count_tokens", json=count, headers=HEADERS).status_code == 200
    listed = httpx2.get(server.base_url + "/_mock/faults").json()["data"]
    assert [(f["id"], f["fired"]) for f in listed] == [(fault_id, 1)]
    assert httpx2.delete(server.base_url + f"/_mock/faults/{fault_id}").json() == {"cleared": 1}
    assert httpx2.post(post, json={**HELLO, "model": "claude-sonnet-4-6"}, headers=HEADERS).status_code == 200
    assert httpx2.delete(server.base_url + f"/_mock/faults/{fault_id}").status_code == 404


def test_probability_rule_with_a_seed_is_reproducible(server: Server) -> None:
    def run() -> list[int]:
        httpx2.post(server.base_url + "/_mock/reset")
        httpx2.post(
            server.base_url + "/_mock/faults", json={"fault": "529", "probability": 0.3, "seed": "s1"}
        )
        return [
            httpx2.post(server.base_url + "/v1/messages", json=HELLO, headers=HEADERS).status_code
            for _ in range(60)
        ]

    first, second = run(), run()
    assert first == second
    failures = first.count(529)
    assert 6 <= failures <= 30, failures  # 60 draws at p=0.3: 18 expected
    assert httpx2.get(server.base_url + "/_mock/stats").json()["faults_injected"] == {"529": failures}


def test_bad_armed_fault_is_rejected(server: Server) -> None:
    bad_bodies = (
        {"fault": "529", "probability": 2},
        {"nofault": 1},
        "529; every_s=10",
        {"fault": "529", "every_s": 0, "for_s": 0},
        {"fault": "529; probability=0.5", "probability": 0.1},
        {"fault": "529", "seed": {"x": 1}},
        {"fault": "529", "model": ""},
        [1, 2],
    )
    for body in bad_bodies:
        r = httpx2.post(server.base_url + "/_mock/faults", json=body)
        assert r.status_code == 400, body
        assert r.json()["error"]["message"].startswith("mockclaude:")
    assert httpx2.get(server.base_url + "/_mock/faults").json()["data"] == []
    assert httpx2.get(server.base_url + "/v1/models", headers=HEADERS).status_code == 200


def test_burst_schedule_is_on_for_for_s_in_every_every_s() -> None:
    armed = Armed("fault_0001", parse_fault("529; every_s=60; for_s=10", rule=True), "config", created=1000.0)
    assert [armed.active(1000.0 + t) for t in (0, 9.9, 10, 59.9, 60, 69, 70)] == [
        True, True, False, False, True, True, False,
    ]  # fmt: skip


def test_rules_from_flags_and_yaml(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "faults:\n  - {fault: 504, path: /v1/messages/count_tokens}\n  - overloaded_error; model=claude-opus-4-8\n"
    )
    s = start_server(
        tmp_path,
        "--latency",
        "instant",
        "--faults",
        str(faults),
        "--fault",
        "529; every_s=3600; for_s=3600; path=/v1/models",
    )
    try:
        assert httpx2.get(s.base_url + "/v1/models", headers=HEADERS).status_code == 529
        count = {"model": "claude-haiku-4-5", "messages": HELLO["messages"]}
        assert (
            httpx2.post(s.base_url + "/v1/messages/count_tokens", json=count, headers=HEADERS).status_code
            == 504
        )
        assert (
            httpx2.post(
                s.base_url + "/v1/messages", json={**HELLO, "model": "claude-opus-4-8"}, headers=HEADERS
            ).status_code
            == 529
        )
        assert httpx2.post(s.base_url + "/v1/messages", json=HELLO, headers=HEADERS).status_code == 200
        sources = {f["source"] for f in httpx2.get(s.base_url + "/_mock/faults").json()["data"]}
        assert sources == {"config"}
    finally:
        stop_server(s)


def test_bad_fault_file_refuses_to_start(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("- {fault: 529, probability: 7}\n")
    with pytest.raises(RuntimeError, match=r"faults\[0\]: .*probability='7' is out of range \(0 to 1\)"):
        start_server(tmp_path, "--faults", str(faults))


def test_shaping_faults_leave_real_errors_alone(server: Server) -> None:
    """A validation 400 under a delay/drop fault is the plain 400, not marked injected nor dropped."""
    for fault in ("delay_ms=1", "drop_after=0"):
        r = httpx2.post(
            server.base_url + "/v1/messages",
            json={"model": "x"},
            headers={**HEADERS, "x-mockclaude-fault": fault},
        )
        assert r.status_code == 400 and "x-mockclaude-fault" not in r.headers
    assert httpx2.get(server.base_url + "/_mock/stats").json()["faults_injected"] == {}


def test_odd_retry_counts_fall_back_to_the_counter(server: Server) -> None:
    for count in ("²", "9" * 5000):
        r = httpx2.post(
            server.base_url + "/v1/messages",
            json=HELLO,
            headers={
                **HEADERS,
                "x-mockclaude-fault": "529; times=1",
                "x-stainless-retry-count": count.encode("latin-1"),
            },
        )
        assert r.status_code in (200, 529)


def test_reload_reads_the_faults_file_again(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("- {fault: 529, path: /v1/models}\n")
    s = start_server(tmp_path, "--latency", "instant", "--faults", str(faults))
    try:
        assert httpx2.get(s.base_url + "/v1/models", headers=HEADERS).status_code == 529
        faults.write_text("- {fault: 504, path: /v1/models}\n")
        assert httpx2.post(s.base_url + "/_mock/reload").status_code == 200
        assert httpx2.get(s.base_url + "/v1/models", headers=HEADERS).status_code == 504
        faults.write_text("- {fault: 504, probability: 9}\n")
        refused = httpx2.post(s.base_url + "/_mock/reload")
        assert refused.status_code == 400 and "fault rules not reloaded" in refused.json()["error"]["message"]
        assert httpx2.get(s.base_url + "/v1/models", headers=HEADERS).status_code == 504  # the old rules stay
    finally:
        stop_server(s)
