"""The generator's clock against a mock with a fixed latency profile: TTFT as measured through Locust is
never earlier than the profile (a generator clock that starts late or stops early would show it; the mock
sends on absolute deadlines, so no load can make an answer early). How late it is depends on how busy the
machine is: that is a benchmark figure (``loadtests/capacity.py``), printed here, not a test bound (only a
hang guard: the TTFT median under 10x the profile).

The profile is the catalog's jitter-free ``steady`` one (300 ms to the first token, 50 tokens/s =
20 ms per token), read from the catalog, not restated here. The run's ``--timeout-s 0.8`` is shorter than
every answer (about 0.9 s) but longer than any wait for a byte: a long answer that keeps streaming is no
timeout.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockclaude.config import DEFAULT_CATALOG
from mockclaude.protocol.catalog import ModelCatalog
from tests.load.loadrun import lines, locust_rows, run_locust, scenarios, summary
from tests.support.server import Server, start_server, stop_server

PROFILE = ModelCatalog.load(DEFAULT_CATALOG).profiles["steady"]
TTFT_MS = PROFILE.ttft_ms
ITL_MS = 1000 / PROFILE.tokens_per_s
MIN_SAMPLES = 30
TIMEOUT_S = 0.8


@pytest.fixture(scope="module")
def steady_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("steady"), "--latency", "steady")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def run(steady_mock: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("timing")
    data = scenarios(
        out,
        wait_s=[0.0, 0.05],
        stream_chat={
            "max_tokens": 32,
            "prompts": ["Write a short story about a lighthouse keeper, chapter {n}."],
        },
    )
    done = run_locust(
        out,
        steady_mock.base_url,
        "-u",
        "15",
        "-r",
        "15",
        "-t",
        "13s",
        "--scenarios",
        str(data),
        "--stop-timeout",
        "5",
        "--timeout-s",
        str(TIMEOUT_S),
        "StreamingChatUser",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def test_ttft_and_itl_match_the_profile(run: Path) -> None:
    rows = lines(run / "requests.jsonl")
    ok = [r for r in rows if not r.get("error_class")]
    assert len(ok) == len(rows) >= MIN_SAMPLES, (len(ok), len(rows), "too few requests")
    assert all(r["output_tokens"] >= 30 for r in ok), "answers too short to measure the gap between tokens"
    s = summary(run)["latency"]
    print(f"TTFT {s['ttft_ms']} (profile {TTFT_MS}); ITL {s['itl_ms']} (profile {ITL_MS})")  # the figure
    assert s["ttft_ms"]["min"] >= TTFT_MS - 2, s["ttft_ms"]  # never early, whatever the load
    assert all(r["ttft_ms"] >= TTFT_MS - 2 for r in ok)
    assert s["ttft_ms"]["p50"] <= TTFT_MS * 10, s["ttft_ms"]  # a hang guard, not a timing bound
    assert s["itl_ms"]["p50"] is not None and s["itl_ms"]["p50"] > 0, s["itl_ms"]


def test_the_timeout_is_for_a_byte_not_for_the_whole_answer(run: Path) -> None:
    rows = lines(run / "requests.jsonl")
    assert all(r["e2e_ms"] > TIMEOUT_S * 1000 for r in rows)  # every answer took longer than --timeout-s
    assert not [r for r in rows if r.get("error_class") == "timeout"]


def test_summary_percentiles_are_exact_and_counts_not_inflated(run: Path) -> None:
    rows = lines(run / "requests.jsonl")
    s = summary(run)
    for key in ("ttft_ms", "itl_ms", "e2e_ms"):
        values = [r[key] for r in rows if r.get(key) is not None]
        for p in (50, 95, 99):
            assert s["latency"][key][f"p{p}"] == nearest_rank(values, p), (key, p)
    # one Locust request per HTTP request; the metric rows are entries of their own, outside the total
    locust = locust_rows(run)
    assert int(locust[("", "Aggregated")]["Request Count"]) == len(rows) == s["requests"]["total"]
    assert int(locust[("SSE", "stream_chat")]["Request Count"]) == len(rows)
    assert int(locust[("METRIC", "TTFT ms")]["Request Count"]) == len(rows)
    assert int(locust[("METRIC", "ITL ms")]["Request Count"]) == len(rows)
