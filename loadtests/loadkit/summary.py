"""The run's summary, computed exactly from the JSONL file: percentiles, errors, tokens, cost, gates.

Percentiles are nearest-rank over every sample (the smallest value with at least p% of the samples at
or below it), not Locust's rounded buckets. ``python -m loadkit.summary DIR`` recomputes ``summary.json``
and the plots of a finished run from ``DIR/requests.jsonl``.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from . import health
from .records import ERROR_CLASSES, RATE_LIMIT_FAMILIES

SCHEMA = "mockclaude-load-summary/1"
PERCENTILES = (50, 90, 95, 99, 99.9)
LATENCIES = ("ttft_ms", "first_text_ttft_ms", "itl_ms", "decode_tps", "e2e_ms", "e2e_tps", "headers_ms")
WINDOW_S = 5.0


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def dist(values: Iterable[float | None]) -> dict[str, Any]:
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return {"n": 0}
    out: dict[str, Any] = {"n": len(xs), "min": xs[0], "mean": round(sum(xs) / len(xs), 3)}
    for p in PERCENTILES:
        out[f"p{p:g}"] = xs[max(1, math.ceil(p / 100 * len(xs))) - 1]
    out["max"] = xs[-1]
    return out


def read_lines(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


def split(lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        kinds[line.get("kind", "request")].append(line)
    return kinds["request"], kinds["workflow"], kinds["health"]


def end_t(r: dict[str, Any]) -> float:
    return float(r["t"]) + (r.get("end_ms") or 0) / 1000


def windows(requests: list[dict[str, Any]], stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time windows (the step shape's steady windows, else 5 s slices) with their measured concurrency
    (mean requests in flight, by Little's law, over the requests started in the window) and exact TTFT/e2e
    percentiles. A request belongs to the window in which it started, however long it took (keeping only
    those that also ended inside would leave out the slow ones and bias the percentiles low); the step
    shape holds its last level one more step so the last window's requests can finish."""
    if not requests:
        return []
    if stages:
        spans = [(s["start"] + s.get("settle_s", 0), s["end"], s.get("users")) for s in stages]
    else:
        t0, t1 = min(r["t"] for r in requests), max(end_t(r) for r in requests)
        n = max(1, math.ceil((t1 - t0) / WINDOW_S))
        spans = [(t0 + i * WINDOW_S, t0 + (i + 1) * WINDOW_S, None) for i in range(n)]
    out = []
    for start, end, users in spans:
        inside = [r for r in requests if start <= r["t"] < end]
        if not inside or end <= start:
            continue
        busy_s = sum((r.get("e2e_ms") or 0) / 1000 for r in inside)
        errors = sum(1 for r in inside if r.get("error_class"))
        out.append(
            {
                "start": start,
                "end": end,
                "users": users,
                "concurrency": round(busy_s / (end - start), 2),
                "requests": len(inside),
                "errors": errors,
                "requests_per_s": round(len(inside) / (end - start), 2),
                "ttft_ms": dist(r.get("ttft_ms") for r in inside if not r.get("error_class")),
                "e2e_ms": dist(r.get("e2e_ms") for r in inside if not r.get("error_class")),
            }
        )
    return out


def _rate_limits(requests: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model (limits are per model class) and header family: the answer with the least headroom
    (remaining / limit), with that answer's own limit, remaining and reset time (the three come from one
    answer, never mixed across answers), and the limits seen (a real API may change them during a run)."""
    out: dict[str, Any] = {}
    for model, rows in sorted(_group([r for r in requests if r.get("ratelimit")], "model").items()):
        for family in RATE_LIMIT_FAMILIES:
            seen = [r for r in rows if r["ratelimit"].get(f"{family}-limit")]
            if not seen:
                continue

            def headroom(r: dict[str, Any], family: str = family) -> float:
                rl = r["ratelimit"]
                return float(rl.get(f"{family}-remaining", 0)) / float(rl[f"{family}-limit"])

            least = min(seen, key=headroom)
            rl = least["ratelimit"]
            out.setdefault(model, {})[family] = {
                "answers": len(seen),
                "least_headroom": {
                    "headroom": round(headroom(least), 4),
                    "limit": rl[f"{family}-limit"],
                    "remaining": rl.get(f"{family}-remaining", 0),
                    "reset": rl.get(f"{family}-reset"),
                    "t": least["t"],
                    "request_id": least.get("request_id"),
                },
                "limits_seen": sorted({r["ratelimit"][f"{family}-limit"] for r in seen}),
            }
    return out


def _workflows(workflows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for w in workflows:
        by[w["scenario"]].append(w)
    for scenario, ws in sorted(by.items()):
        model = sum(w.get("model_ms", 0) for w in ws)
        tool = sum(w.get("tool_ms", 0) for w in ws)
        out[scenario] = {
            "count": len(ws),
            "errors": sum(1 for w in ws if w.get("error_class")),
            "makespan_ms": dist(w["makespan_ms"] for w in ws),
            "straggler_ratio": dist(w.get("straggler_ratio") for w in ws),
            "turns_mean": round(sum(w.get("turns", 0) for w in ws) / len(ws), 2),
            "requests_mean": round(sum(w.get("requests", 0) for w in ws) / len(ws), 2),
            "model_ms_total": round(model, 1),
            "tool_ms_total": round(tool, 1),
            "model_share": round(model / (model + tool), 4) if model + tool else None,
            "cost_usd_mean": sum(w.get("cost_usd", 0) for w in ws) / len(ws),
        }
    return out


def gate_thresholds(options: Any) -> dict[str, float]:
    """The gates set on the command line (p95 TTFT ms, error share, dollars); unset ones are left out."""
    out = {}
    if options.gate_p95_ttft_ms > 0:
        out["p95_ttft_ms"] = options.gate_p95_ttft_ms
    if options.gate_error_rate >= 0:
        out["error_rate"] = options.gate_error_rate
    if options.gate_cost_usd > 0:
        out["cost_usd"] = options.gate_cost_usd
    return out


def gates(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each gate of the run with the measured value and whether it passed (no data fails)."""
    values = {
        "p95_ttft_ms": summary["latency"]["ttft_ms"].get("p95"),
        "error_rate": summary["requests"]["error_rate"] if summary["requests"]["total"] else None,
        "cost_usd": summary["cost"]["total_usd"],
    }
    return [
        {
            "gate": name,
            "threshold": limit,
            "value": values[name],
            "passed": values[name] is not None and values[name] <= limit,
        }
        for name, limit in (summary["meta"].get("gate_thresholds") or {}).items()
    ]


def build(lines: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    requests, workflows, samples = split(lines)
    ok = [r for r in requests if not r.get("error_class")]
    classes = Counter(r["error_class"] for r in requests if r.get("error_class"))
    t0 = min((r["t"] for r in requests), default=0.0)
    t1 = max((end_t(r) for r in requests), default=0.0)
    duration = max(t1 - t0, 1e-9)
    tokens = {
        k: sum(r.get(k) or 0 for r in requests)
        for k in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    }
    prompt = (
        tokens["input_tokens"] + tokens["cache_creation_input_tokens"] + tokens["cache_read_input_tokens"]
    )
    cost = sum(r.get("cost_usd", 0) for r in requests)
    model_calls = sum(r.get("model_calls", 0) for r in requests)
    models = Counter(r["model"] for r in requests if r.get("model") and r.get("model_calls"))
    meta = {
        **meta,
        # what answered (the answers' own model field), not what the options said
        "model": meta.get("model") or ", ".join(sorted(models)) or None,
        "models": dict(sorted(models.items())),
    }
    finals = [r for r in requests if r.get("attempts") is not None]
    summary: dict[str, Any] = {
        "schema": SCHEMA,
        "meta": meta,
        "window": {"start": t0, "end": t1, "duration_s": round(duration, 3)},
        "requests": {
            "total": len(requests),
            "ok": len(ok),
            "failed": len(requests) - len(ok),
            # of the logical requests (after retries, if any); every failed attempt is in by_class
            "error_rate": round(sum(1 for r in finals if r.get("error_class")) / len(finals), 6)
            if finals
            else 0.0,
            "attempt_error_rate": round((len(requests) - len(ok)) / len(requests), 6) if requests else 0.0,
            "by_class": {c: classes.get(c, 0) for c in ERROR_CLASSES},
            "by_name": {
                name: {
                    "count": len(rs),
                    "errors": sum(1 for r in rs if r.get("error_class")),
                    "e2e_ms": dist(r.get("e2e_ms") for r in rs if not r.get("error_class")),
                }
                for name, rs in sorted(_group(requests, "name").items())
            },
            "stop_reasons": dict(Counter(r.get("stop_reason") for r in ok if r.get("stop_reason"))),
            "requests_per_s": round(len(requests) / duration, 3),
        },
        "latency": {k: dist(r.get(k) for r in ok) for k in LATENCIES},
        "tokens": {
            **tokens,
            "output_tokens_per_s": round(tokens["output_tokens"] / duration, 2),
            "cache_hit_rate": round(tokens["cache_read_input_tokens"] / prompt, 4) if prompt else None,
        },
        "cost": {
            "total_usd": round(cost, 6),
            # per answer generated (a create message, or one item of batch results); not per HTTP request,
            # which would count batch creates and polls ($0) and failed attempts
            "model_calls": model_calls,
            "per_model_call_usd": cost / model_calls if model_calls else 0.0,
            "per_hour_usd": round(cost / duration * 3600, 4),
            "per_workflow_usd": {s: w["cost_usd_mean"] for s, w in _workflows(workflows).items()},
            "price_table_as_of": meta.get("price_table_as_of"),
        },
        "retries": {
            "attempts": dict(sorted(Counter(str(r["attempts"]) for r in finals).items())),
            "first_attempt_ms": dist(r.get("first_attempt_ms") for r in finals),
            "total_ms": dist(r.get("total_ms") for r in finals),
        },
        "workflows": _workflows(workflows),
        "open_loop": {"send_lag_ms": dist(r.get("send_lag_ms") for r in requests)},
        "rate_limits": _rate_limits(requests),
        "by_window": windows(requests, meta.get("stages") or []),
        "generator": health.verdict(samples, pct),
    }
    expect = {"ttft_ms": (meta.get("expect_ttft_ms") or 0), "itl_ms": (meta.get("expect_itl_ms") or 0)}
    summary["accuracy"] = {
        key: {f"p{p:g}_error_ms": round(summary["latency"][key][f"p{p:g}"] - want, 3) for p in (50, 99)}
        for key, want in expect.items()
        if want and summary["latency"][key]["n"]
    }
    summary["gates"] = gates(summary)
    summary["passed"] = all(g["passed"] for g in summary["gates"])
    return summary


def _group(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r.get(key) or "-"].append(r)
    return out


def headline(summary: dict[str, Any]) -> str:
    """A few lines for the terminal at the end of a run."""
    req, lat, gen = summary["requests"], summary["latency"], summary["generator"]
    errors = ", ".join(f"{c}: {n}" for c, n in req["by_class"].items() if n) or "none"

    def ms(d: dict[str, Any], p: str) -> str:
        return f"{d[p]:.1f}" if d.get(p) is not None else "-"

    lines = [
        f"requests {req['total']} ({req['requests_per_s']}/s), errors {req['failed']} [{errors}]",
        f"TTFT p50 {ms(lat['ttft_ms'], 'p50')} p95 {ms(lat['ttft_ms'], 'p95')} p99 {ms(lat['ttft_ms'], 'p99')} ms"
        f" | ITL p50 {ms(lat['itl_ms'], 'p50')} ms | e2e p95 {ms(lat['e2e_ms'], 'p95')} ms"
        f" | {summary['tokens']['output_tokens_per_s']} output tok/s",
        f"cost ${summary['cost']['total_usd']:.4f} (${summary['cost']['per_hour_usd']:.2f}/h at this load),"
        f" cache hit rate {summary['tokens']['cache_hit_rate']}",
        "generator: "
        + ("BOTTLENECK - " + "; ".join(gen["reasons"]) if gen["generator_bound"] else "healthy"),
    ]
    for g in summary["gates"]:
        lines.append(
            f"gate {g['gate']}: {g['value']} <= {g['threshold']}: {'pass' if g['passed'] else 'FAIL'}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from . import plots

    out_dir = Path(argv[0])
    old = orjson.loads((out_dir / "summary.json").read_bytes()) if (out_dir / "summary.json").exists() else {}
    lines = read_lines(out_dir / "requests.jsonl")
    summary = build(lines, old.get("meta", {}))
    (out_dir / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    plots.write_all(out_dir, lines, summary)
    print(headline(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
