"""PNG plots of a run: TTFT distribution, latency percentiles against concurrency, output tokens/s over
time, rate-limit headroom over time. Drawn from the same JSONL lines and summary as the numbers."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .records import RATE_LIMIT_FAMILIES
from .summary import end_t, split


def _save(fig: Any, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="gray")


def ttft_distribution(out: Path, requests: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    values = [r["ttft_ms"] for r in requests if r.get("ttft_ms") is not None and not r.get("error_class")]
    if values:
        ax.hist(values, bins=min(80, max(10, int(math.sqrt(len(values))))), color="#4c72b0")
        d = summary["latency"]["ttft_ms"]
        for p, style in (("p50", "-"), ("p95", "--"), ("p99", ":")):
            ax.axvline(d[p], color="black", linestyle=style, label=f"{p} {d[p]:.1f} ms")
        ax.legend()
    else:
        _empty(ax, "no streamed answers in this run")
    ax.set(title="Time to first token (exact, from requests.jsonl)", xlabel="ms", ylabel="requests")
    return _save(fig, out / "ttft_distribution.png")


def latency_vs_concurrency(out: Path, summary: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    rows = sorted(
        (w for w in summary["by_window"] if w["ttft_ms"].get("n") or w["e2e_ms"].get("n")),
        key=lambda w: w["concurrency"],
    )
    if rows:
        xs = [w["concurrency"] for w in rows]
        metric = "ttft_ms" if any(w["ttft_ms"].get("n") for w in rows) else "e2e_ms"
        steps = bool(summary["meta"].get("stages"))  # a step sweep is a curve; other shapes are a cloud
        for p, marker in (("p50", "o"), ("p95", "s"), ("p99", "^")):
            ys = [w[metric].get(p) for w in rows]
            ax.plot(xs, ys, marker=marker, linestyle="-" if steps else "none", label=f"{metric} {p}")
        ax.legend()
    else:
        _empty(ax, "no successful requests")
    ax.set(
        title="Latency percentiles against concurrency (per window)",
        xlabel="requests in flight (mean over the window)",
        ylabel="ms",
    )
    return _save(fig, out / "latency_vs_concurrency.png")


def tokens_per_s(out: Path, requests: list[dict[str, Any]]) -> str:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if requests:
        t0 = min(r["t"] for r in requests)
        buckets: dict[int, int] = defaultdict(int)
        for r in requests:
            buckets[int(end_t(r) - t0)] += r.get("output_tokens") or 0
        xs = list(range(max(buckets) + 1))
        ax.plot(xs, [buckets.get(x, 0) for x in xs], color="#55a868")
    else:
        _empty(ax, "no requests")
    ax.set(title="Output tokens per second (by completion second)", xlabel="s since start", ylabel="tokens/s")
    return _save(fig, out / "tokens_per_s.png")


def ratelimit_headroom(out: Path, requests: list[dict[str, Any]]) -> str:
    """remaining / limit of each header family, per model (limits are per model class)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    t0 = min((r["t"] for r in requests), default=0.0)
    rows = sorted((r for r in requests if r.get("ratelimit")), key=lambda r: r["t"])
    for model in sorted({r.get("model") or "-" for r in rows}):
        for family in RATE_LIMIT_FAMILIES:
            points = [
                (
                    r["t"] - t0,
                    r["ratelimit"].get(f"{family}-remaining", 0) / r["ratelimit"][f"{family}-limit"],
                )
                for r in rows
                if (r.get("model") or "-") == model and r["ratelimit"].get(f"{family}-limit")
            ]
            if points:
                ax.plot(*zip(*points, strict=True), label=f"{model} {family}", linewidth=1)
    if rows:
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7)
    else:
        _empty(ax, "no anthropic-ratelimit-* headers in the answers")
    ax.set(title="Rate-limit headroom (remaining / limit)", xlabel="s since start", ylabel="headroom")
    return _save(fig, out / "ratelimit_headroom.png")


def write_all(out: Path, lines: list[dict[str, Any]], summary: dict[str, Any]) -> list[str]:
    requests, _, _ = split(lines)
    return [
        ttft_distribution(out, requests, summary),
        latency_vs_concurrency(out, summary),
        tokens_per_s(out, requests),
        ratelimit_headroom(out, requests),
    ]
