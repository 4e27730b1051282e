"""The admin API under /_mock/: stats and cost, journal, metrics, reset, access rules, and its own spec."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import jsonschema
import orjson
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mockclaude.config import MockConfig
from mockclaude.server.app import create_app
from tests.support.server import REPO, Server, start_server, stop_server

ADMIN_SPEC = yaml.safe_load((REPO / "openapi" / "mock-admin.yaml").read_text())
CATALOG = yaml.safe_load((REPO / "mocks" / "content" / "data" / "models.yaml").read_text())
CANARY = "sk-ant-canary-7f3a9c1e5b2d4f6a8c0e"
HEADERS = {"anthropic-version": "2023-06-01", "x-api-key": CANARY}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(
        tmp_path_factory.mktemp("admin"),
        "--latency", "instant", "--access-log", "--log-level", "debug", "--journal-size", "50",
        "--batch-processing-s", "0.2",
    )  # fmt: skip
    yield s
    stop_server(s)


@pytest.fixture(autouse=True)
def fresh(server: Server) -> None:
    httpx2.post(server.base_url + "/_mock/reset").raise_for_status()


def conforms(response: httpx2.Response, method: str, path: str) -> Any:
    """The response matches the admin spec's schema for this operation and status."""
    operation = ADMIN_SPEC["paths"][path][method.lower()]
    declared = operation["responses"][str(response.status_code)]
    if "$ref" in declared:
        declared = ADMIN_SPEC["components"]["responses"][declared["$ref"].rsplit("/", 1)[-1]]
    media = next(iter(declared["content"]))
    assert response.headers["content-type"].split(";")[0] == media.split(";")[0]
    if media != "application/json":
        return response.text
    body = response.json()
    schema = {**declared["content"][media]["schema"], "components": ADMIN_SPEC["components"]}
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)
    return body


def price(model: str) -> dict[str, float]:
    for entry in CATALOG["models"]:
        if model == entry["id"] or model in entry.get("aliases", []):
            return dict(entry["price"])
    raise KeyError(model)


def dollars(model: str, usage: dict[str, Any]) -> float:
    """Usage × list price, written out here independently of the mock's own Price.cost."""
    p = price(model)
    read = p.get("cache_read", p["input"] * 0.1)
    creation = usage.get("cache_creation") or {}
    write_5m = creation.get("ephemeral_5m_input_tokens", usage["cache_creation_input_tokens"])
    write_1h = creation.get("ephemeral_1h_input_tokens", 0)
    return (
        usage["input_tokens"] * p["input"]
        + write_5m * p["input"] * 1.25
        + write_1h * p["input"] * 2
        + usage["cache_read_input_tokens"] * read
        + usage["output_tokens"] * p["output"]
    ) / 1e6


def test_cost_in_stats_equals_usage_times_price(server: Server) -> None:
    client = anthropic.Anthropic(base_url=server.base_url, api_key=CANARY, _strict_response_validation=True)
    long_system = [
        {"type": "text", "text": "Policy line. " * 2500, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    ]
    expected = 0.0
    tokens: dict[str, int] = {}
    calls: list[dict[str, Any]] = [
        {"model": "claude-haiku-4-5", "max_tokens": 200, "messages": [{"role": "user", "content": "Hi"}]},
        {"model": "claude-sonnet-4-6", "max_tokens": 300, "messages": [{"role": "user", "content": "Write a haiku"}]},
        {"model": "claude-opus-4-8", "max_tokens": 100, "system": long_system,
         "messages": [{"role": "user", "content": "Summarise the policy"}]},
        {"model": "claude-opus-4-8", "max_tokens": 100, "system": long_system,
         "messages": [{"role": "user", "content": "Summarise the policy"}]},
    ]  # fmt: skip
    for body in calls:
        message = client.messages.create(**body)
        expected += dollars(message.model, message.usage.model_dump())
        tokens["output"] = tokens.get("output", 0) + message.usage.output_tokens
    with client.messages.stream(**calls[1]) as stream:
        final = stream.get_final_message()
    expected += dollars(final.model, final.usage.model_dump())
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(
            model="claude-nonexistent", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    stats = conforms(httpx2.get(server.base_url + "/_mock/stats"), "GET", "/_mock/stats")
    assert stats["cost_usd"]["total"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert stats["requests"]["total"] == 6
    assert stats["errors"] == {"not_found_error": 1}
    assert sum(t["output"] for t in stats["tokens"].values()) == tokens["output"] + final.usage.output_tokens
    assert stats["cache"]["read_tokens"] > 0 and 0 < stats["cache"]["hit_rate"] < 1


def test_batch_results_count_at_half_price(server: Server) -> None:
    client = anthropic.Anthropic(base_url=server.base_url, api_key=CANARY, _strict_response_validation=True)
    hello = {"max_tokens": 100, "messages": [{"role": "user", "content": "Write a haiku"}]}
    batch = client.messages.batches.create(
        requests=[
            {"custom_id": "a", "params": {"model": "claude-haiku-4-5", **hello}},
            {"custom_id": "b", "params": {"model": "claude-sonnet-4-6", **hello}},
            {"custom_id": "c", "params": {"model": "claude-nonexistent", **hello}},
        ]
    )
    for _ in range(100):
        if client.messages.batches.retrieve(batch.id).processing_status == "ended":
            break
        time.sleep(0.05)
    results = list(client.messages.batches.results(batch.id))
    list(client.messages.batches.results(batch.id))  # read twice, counted once
    succeeded = [r.result.message for r in results if r.result.type == "succeeded"]
    assert len(succeeded) == 2
    expected = sum(dollars(m.model, m.usage.model_dump()) for m in succeeded) / 2
    stats = conforms(httpx2.get(server.base_url + "/_mock/stats"), "GET", "/_mock/stats")
    assert stats["batch"]["results"] == 2
    assert stats["cost_usd"]["batch"] == pytest.approx(expected, rel=1e-9)
    assert stats["cost_usd"]["total"] == pytest.approx(expected, rel=1e-9)  # nothing else was answered


def test_journal_and_logs_never_hold_the_key(server: Server) -> None:
    base = server.base_url
    hello = {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]}
    httpx2.post(base + "/v1/messages", json=hello, headers=HEADERS)
    httpx2.post(base + "/v1/messages", json={**hello, "stream": True}, headers=HEADERS)
    bearer = {"anthropic-version": "2026-10-21", "authorization": f"Bearer {CANARY}"}
    httpx2.post(base + "/v1/messages", json=hello, headers=bearer)
    httpx2.post(base + "/v1/messages", json={"bad": True}, headers=HEADERS)
    httpx2.post(base + "/v1/messages", json=hello, headers={**HEADERS, "x-mockclaude-fault": "529"})
    httpx2.post(base + "/v1/messages", json=hello, headers={**HEADERS, "x-mockclaude-fault": "bogus=1"})
    httpx2.post(base + "/v1/messages", content=b"{not json", headers=HEADERS)
    journal = conforms(httpx2.get(base + "/_mock/journal"), "GET", "/_mock/journal")
    assert journal["count"] == 7
    raw = orjson.dumps(journal).decode()
    assert CANARY not in raw and CANARY[-12:] not in raw
    first = journal["data"][0]
    assert first["request"]["headers"]["x-api-key"] == "<redacted>"
    assert journal["data"][2]["request"]["headers"]["authorization"] == "<redacted>"
    assert first["response"]["type"] == "message" and first["request"]["body"] == hello
    assert journal["data"][1]["response"]["message"]["type"] == "message"  # a stream, accumulated
    assert [e["status"] for e in journal["data"]] == [200, 200, 200, 400, 529, 400, 400]
    log_text = server.log.read_text()
    assert "POST /v1/messages" in log_text  # the access log is on, so there was something to leak into
    assert CANARY not in log_text


def test_journal_is_bounded_and_filtered(server: Server) -> None:
    for _ in range(60):
        httpx2.get(server.base_url + "/v1/models", headers=HEADERS)
    journal = httpx2.get(server.base_url + "/_mock/journal").json()
    assert journal["count"] == 50  # --journal-size 50: the oldest went
    assert len(httpx2.get(server.base_url + "/_mock/journal", params={"limit": 3}).json()["data"]) == 3
    assert (
        httpx2.get(server.base_url + "/_mock/journal", params={"path": "/v1/messages"}).json()["count"] == 0
    )
    bad = httpx2.get(server.base_url + "/_mock/journal", params={"limit": "-1"})
    assert bad.status_code == 400 and bad.headers["x-mockclaude-error"] == "true"
    conforms(bad, "GET", "/_mock/journal")
    cleared = conforms(httpx2.delete(server.base_url + "/_mock/journal"), "DELETE", "/_mock/journal")
    assert cleared == {"cleared": 50}


def test_prometheus_metrics_parse_and_agree_with_stats(server: Server) -> None:
    hello = {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]}
    for fault in ("", "529", "error_after=3"):
        extra = {"x-mockclaude-fault": fault} if fault else {}
        httpx2.post(
            server.base_url + "/v1/messages", json={**hello, "stream": True}, headers={**HEADERS, **extra}
        )
    text = conforms(httpx2.get(server.base_url + "/_mock/metrics"), "GET", "/_mock/metrics")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples
    }
    assert samples[("mockclaude_requests_total", (("model", "claude-haiku-4-5-20251001"),))] == 2
    assert samples[("mockclaude_faults_injected_total", (("kind", "529"),))] == 1
    assert samples[("mockclaude_faults_injected_total", (("kind", "error_event"),))] == 1
    assert samples[("mockclaude_errors_total", (("type", "stream_error_event"),))] == 1
    stats = httpx2.get(server.base_url + "/_mock/stats").json()
    cost = samples[("mockclaude_cost_usd_total", (("model", "claude-haiku-4-5-20251001"),))]
    assert cost == pytest.approx(stats["cost_usd"]["total"])


def test_reset_health_config_and_spec(server: Server) -> None:
    base = server.base_url
    httpx2.post(base + "/_mock/faults", json={"fault": "529"})
    httpx2.get(base + "/v1/models", headers=HEADERS)
    health = conforms(httpx2.get(base + "/_mock/health"), "GET", "/_mock/health")
    assert health["faults"] == 1 and health["recordings"] > 0
    assert conforms(httpx2.post(base + "/_mock/reset"), "POST", "/_mock/reset") == {"reset": True}
    assert httpx2.get(base + "/_mock/faults").json()["data"] == []
    assert httpx2.get(base + "/_mock/stats").json()["requests"]["total"] == 0
    assert httpx2.get(base + "/_mock/journal").json()["count"] == 0
    config = conforms(httpx2.get(base + "/_mock/config"), "GET", "/_mock/config")
    assert config["latency"] == "instant" and config["journal_size"] == 50
    spec = httpx2.get(base + "/_mock/openapi.yaml")
    assert yaml.safe_load(spec.text)["info"]["title"] == "mockclaude admin API"
    reload = conforms(httpx2.post(base + "/_mock/reload"), "POST", "/_mock/reload")
    assert reload["reloaded"] is True
    limits = conforms(httpx2.get(base + "/_mock/ratelimits"), "GET", "/_mock/ratelimits")
    assert limits == {"enabled": False, "buckets": []}


def test_admin_spec_is_valid_and_covers_every_admin_route() -> None:
    from openapi_spec_validator import validate

    validate(ADMIN_SPEC)
    app = create_app(MockConfig(latency="instant"))
    served = {
        (m, p.pattern.removesuffix("$")) for m, p, _, _ in app._routes if p.pattern.startswith("/_mock/")
    }
    documented = {
        (method.upper(), path.replace("{fault_id}", "(?P<fault_id>[^/]+)"))
        for path, item in ADMIN_SPEC["paths"].items()
        for method in item
    }
    assert served == documented


async def call(
    app: Any, path: str, client: tuple[str, int], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """One request through the app's ASGI interface, from a chosen peer address."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http", "method": "GET", "path": path, "query_string": b"", "client": client,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], orjson.loads(body)


def test_admin_answers_loopback_only_unless_allowed_and_checks_the_token() -> None:
    remote = ("10.1.2.3", 50000)
    local = ("127.0.0.1", 50000)
    closed = create_app(MockConfig(latency="instant"))
    status, body = asyncio.run(call(closed, "/_mock/health", remote))
    assert status == 403 and "loopback clients only" in body["error"]["message"]
    assert asyncio.run(call(closed, "/_mock/health", local))[0] == 200
    assert asyncio.run(call(closed, "/v1/models", remote, HEADERS))[0] == 200
    guarded = create_app(MockConfig(latency="instant", admin_remote=True, admin_token="t0ken"))
    status, body = asyncio.run(call(guarded, "/_mock/stats", remote))
    assert status == 401 and body["error"]["message"].startswith("mockclaude:")
    assert asyncio.run(call(guarded, "/_mock/stats", remote, {"x-mockclaude-admin-token": "wrong"}))[0] == 401
    assert asyncio.run(call(guarded, "/_mock/stats", remote, {"x-mockclaude-admin-token": "t0ken"}))[0] == 200
    status, config = asyncio.run(call(guarded, "/_mock/config", local, {"x-mockclaude-admin-token": "t0ken"}))
    assert status == 200 and "t0ken" not in orjson.dumps(config).decode()


def test_unknown_admin_route_and_method_are_marked(server: Server) -> None:
    for r in (httpx2.get(server.base_url + "/_mock/nothing"), httpx2.put(server.base_url + "/_mock/faults")):
        assert r.status_code in (404, 405) and r.json()["error"]["message"].startswith("mockclaude: ")
        assert r.headers["x-mockclaude-error"] == "true"


def test_journal_survives_odd_bodies_and_keeps_big_ones_as_a_note(server: Server) -> None:
    base = server.base_url
    httpx2.post(base + "/v1/messages", content=b"event: x\ndata: {not json}\n\n", headers=HEADERS)
    httpx2.post(base + "/v1/messages", content=b"x" * 300_000, headers=HEADERS)
    for limit in ("\u00b2", "9" * 5000):
        assert httpx2.get(base + "/_mock/journal", params={"limit": limit}).status_code == 400
    journal = conforms(httpx2.get(base + "/_mock/journal"), "GET", "/_mock/journal")
    odd, big = (e["request"]["body"] for e in journal["data"])
    assert odd["mockclaude_note"] == "body is not JSON"
    assert big == {"mockclaude_note": "body of 300000 bytes not kept (over 65536)"}


def test_inflight_stays_right_across_a_reset(server: Server) -> None:
    import threading

    hello = {"model": "claude-haiku-4-5", "max_tokens": 20, "messages": [{"role": "user", "content": "Hi"}]}
    slow = threading.Thread(
        target=httpx2.post,
        args=(server.base_url + "/v1/messages",),
        kwargs={"json": hello, "headers": {**HEADERS, "x-mockclaude-fault": "delay_ms=600"}, "timeout": 10},
    )
    slow.start()
    for _ in range(100):
        if httpx2.get(server.base_url + "/_mock/stats").json()["requests"]["inflight"] == 1:
            break
    httpx2.post(server.base_url + "/_mock/reset")
    slow.join()
    assert httpx2.get(server.base_url + "/_mock/stats").json()["requests"]["inflight"] == 0


def test_loopback_check_knows_mapped_addresses() -> None:
    app = create_app(MockConfig(latency="instant"))
    for host in ("::1", "::ffff:127.0.0.1", "127.0.0.2"):
        assert asyncio.run(call(app, "/_mock/health", (host, 1)))[0] == 200, host
