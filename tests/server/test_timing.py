"""Timing against a real server, measured with the client's clock: time to first token and the gap
between tokens follow the latency profile, alone and with 50 concurrent streams.

The assertions hold on a busy machine: nothing arrives before the profile says it is due (a scheduler can
only make an answer late, never early), and lateness is bounded loosely enough to catch a wrong schedule
(a doubled wait, a missing one) but not a loaded CPU. How close to the profile the mock keeps is a
benchmark figure (``loadtests/capacity.py``, ``make bench``), printed here with ``-s``, not asserted."""

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


async def one_stream(
    client: httpx2.AsyncClient, server: Server, n: int
) -> tuple[float, list[float], int, float, int]:
    """(time to first token ms, per-token gaps ms, input tokens, time to the last text delta ms, tokens
    after the first delta) for one streamed answer."""
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 120,
        "stream": True,
        "messages": [{"role": "user", "content": f"Explain how caches work, take {n}"}],
    }
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k", "content-type": "application/json"}
    sent = time.perf_counter()
    first, previous, gaps, input_tokens, later_tokens = None, None, [], 0, 0
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
                        later_tokens += tokens
                    previous = now
    assert first is not None and previous is not None
    return (first - sent) * 1000, gaps, input_tokens, (previous - sent) * 1000, later_tokens


def measure(server: Server, concurrency: int) -> tuple[list[float], float, float, list[tuple[float, float]]]:
    """Every stream's TTFT, the median gap per token, the profile's TTFT for the median input, and every
    stream's (measured, profile) time from sending to its last text delta."""

    async def run() -> list[tuple[float, list[float], int, float, int]]:
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
    spans = [(r[3], TTFT_MS + PER_1K_INPUT_MS * r[2] / 1000 + r[4] * 1000 / TOKENS_PER_S) for r in results]
    return ttfts, statistics.median(gaps), expected_ttft, spans


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [1, 50])
def test_ttft_and_inter_token_gap_follow_profile(paced_server: Server, concurrency: int) -> None:
    ttfts, gap, expected_ttft, spans = measure(paced_server, concurrency)
    ttft = statistics.median(ttfts)
    expected_gap = 1000 / TOKENS_PER_S
    print(
        f"c={concurrency}: median TTFT {ttft:.2f} ms (profile {expected_ttft:.2f}), median gap {gap:.2f} ms (profile {expected_gap:.2f})"
    )
    # Never early: the first token waits for the profile's time to first token (less a millisecond of clock
    # granularity; the input-length term varies by a few tokens between streams, hence the median input).
    assert min(ttfts) >= expected_ttft - 1.0 - PER_1K_INPUT_MS, (min(ttfts), expected_ttft)
    # ... and no stream's last token comes before the profile's time for all of its tokens.
    assert all(measured >= profile - 1.0 for measured, profile in spans), spans
    # Late only by what a loaded machine adds, not by a second wait or a wrong rate.
    assert ttft < expected_ttft * 1.5
    assert statistics.median(m / p for m, p in spans if p) < 1.5


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
    assert expected * 0.9 < elapsed_ms < expected * 2  # the whole stream's time, once (not twice)
