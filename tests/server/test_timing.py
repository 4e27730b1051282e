"""Timing against a real server, measured with the client's clock: time to first token and the gap
between tokens follow the latency profile, alone and with 50 concurrent streams."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
import yaml

from mockclaude.config import DEFAULT_CATALOG
from mockclaude.protocol.tokens import text_tokens
from tests.support.server import Server, start_server, stop_server

TTFT_MS, TOKENS_PER_S, PER_1K_INPUT_MS = 600.0, 80.0, 4.0


@pytest.fixture(scope="module")
def paced_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The mock with Haiku 4.5's published profile (0.6 s, 80 tokens/s) and no jitter, so the medians are exact."""
    tmp = tmp_path_factory.mktemp("paced")
    catalog = yaml.safe_load(DEFAULT_CATALOG.read_text())
    catalog["profiles"]["haiku"].update(
        ttft_ms=TTFT_MS, tokens_per_s=TOKENS_PER_S, jitter=0.0, ttft_ms_per_1k_input=PER_1K_INPUT_MS
    )
    path = Path(tmp) / "catalog.yaml"
    path.write_text(yaml.safe_dump(catalog))
    server = start_server(tmp, "--catalog", str(path))
    yield server
    stop_server(server)


async def one_stream(client: httpx2.AsyncClient, server: Server, n: int) -> tuple[float, list[float], int]:
    """(time to first token ms, per-token gaps ms, input tokens) for one streamed answer."""
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 120,
        "stream": True,
        "messages": [{"role": "user", "content": f"Explain how caches work, take {n}"}],
    }
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k", "content-type": "application/json"}
    sent = time.perf_counter()
    first, previous, gaps, input_tokens = None, None, [], 0
    async with client.stream(
        "POST", server.base_url + "/v1/messages", content=orjson.dumps(body), headers=headers
    ) as response:
        buffer = b""
        async for chunk in response.aiter_bytes():
            now = time.perf_counter()
            buffer += chunk
            while b"\n\n" in buffer:
                raw, buffer = buffer.split(b"\n\n", 1)
                data = orjson.loads(raw.split(b"data: ", 1)[1])
                if data["type"] == "message_start":
                    input_tokens = data["message"]["usage"]["input_tokens"]
                if data["type"] == "content_block_delta" and data["delta"]["type"] == "text_delta":
                    if first is None:
                        first = now
                    elif previous is not None:
                        tokens = text_tokens(data["delta"]["text"])
                        gaps.append((now - previous) * 1000 / tokens)
                    previous = now
    assert first is not None
    return (first - sent) * 1000, gaps, input_tokens


def measure(server: Server, concurrency: int) -> tuple[float, float, float]:
    async def run() -> list[tuple[float, list[float], int]]:
        async with httpx2.AsyncClient(
            timeout=30, limits=httpx2.Limits(max_connections=concurrency)
        ) as client:
            # Warm-up round: opens the connections, so the measured round times the API, not TCP set-up.
            await asyncio.gather(*[one_stream(client, server, i) for i in range(concurrency)])
            return await asyncio.gather(*[one_stream(client, server, i) for i in range(concurrency)])

    results = asyncio.run(run())
    ttfts = [r[0] for r in results]
    gaps = [g for r in results for g in r[1]]
    expected_ttft = TTFT_MS + PER_1K_INPUT_MS * statistics.median(r[2] for r in results) / 1000
    return statistics.median(ttfts), statistics.median(gaps), expected_ttft


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [1, 50])
def test_ttft_and_inter_token_gap_follow_profile(paced_server: Server, concurrency: int) -> None:
    ttft, gap, expected_ttft = measure(paced_server, concurrency)
    expected_gap = 1000 / TOKENS_PER_S
    print(
        f"c={concurrency}: median TTFT {ttft:.2f} ms (profile {expected_ttft:.2f}), median gap {gap:.2f} ms (profile {expected_gap:.2f})"
    )
    assert abs(ttft - expected_ttft) < 3.0
    assert abs(gap - expected_gap) < 3.0


def test_non_stream_answer_waits_for_the_whole_stream(paced_server: Server) -> None:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 40,
        "messages": [{"role": "user", "content": "Explain DNS briefly"}],
    }
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k"}
    started = time.perf_counter()
    response = httpx2.post(paced_server.base_url + "/v1/messages", json=body, headers=headers, timeout=30)
    elapsed_ms = (time.perf_counter() - started) * 1000
    output = response.json()["usage"]["output_tokens"]
    expected = TTFT_MS + (output - 1) * 1000 / TOKENS_PER_S
    assert expected * 0.9 < elapsed_ms < expected + 200
