#!/usr/bin/env python3
"""Soak of the mock (``make soak``): a steady, paced request rate for N minutes, server RSS sampled throughout.

Not a test: it measures and writes ``loadtests/bench/results/soak.md``.

It starts its own ``mockclaude serve --latency instant`` (or targets ``--url`` with ``--pid``), then sends
``--rate`` requests/s (open loop: request i is due at start + i/rate, whatever the answers' speed; at most
``--max-inflight`` in flight, beyond that a due request is skipped and counted) for ``--minutes``. The mix
(seeded, reproducible): ``--stream-share`` streamed (SSE), the rest JSON; ``--repeat-share`` drawn from a pool
of repeated bodies (the memo path), the rest unique (fresh synthesis); a few with a cached system prefix
(``cache_control``, the prompt-cache path). Every answer is checked: 200, a complete Message or SSE stream
(message_start … message_stop). Server RSS is read from /proc every ``--sample-s`` seconds.

wrk cannot pace, so the generator is asyncio + httpx2 (uvloop when available) on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import pathlib
import platform
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
from mockproc import launch_mock

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
HEADERS = {"content-type": "application/json", "x-api-key": "test", "anthropic-version": "2023-06-01"}
CLK = os.sysconf("SC_CLK_TCK")
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
]


# ------------------------------------------------------------------ request mix
def long_prompt(n: int) -> str:
    rng = random.Random(n)
    return f"You are assistant number {n}. " + " ".join(rng.choice(WORDS) for _ in range(1400)) + "."


PREFIXES = [long_prompt(n) for n in range(3)]
TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather for a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


def make_body(kind: str, text: str, stream: bool, n: int) -> dict[str, Any]:
    """One valid Messages request of the given shape (all are accepted by strict validation)."""
    if kind == "simple":
        body: dict[str, Any] = {
            "model": "claude-haiku-4-5",
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": text}],
        }
    elif kind == "conversation":
        body = {
            "model": "claude-sonnet-4-6",
            "max_tokens": 2048,
            "system": "You answer briefly.",
            "messages": [
                {"role": "user", "content": "Hi there."},
                {"role": "assistant", "content": "Hello! How can I help?"},
                {"role": "user", "content": [{"type": "text", "text": text}]},
            ],
        }
    elif kind == "tools":
        body = {
            "model": "claude-opus-4-6",
            "max_tokens": 1024,
            "tools": TOOLS,
            "messages": [{"role": "user", "content": f"What is the weather in Paris? {text}"}],
        }
    elif kind == "short":
        body = {
            "model": "claude-haiku-4-5",
            "max_tokens": 8,
            "stop_sequences": ["\n\n"],
            "messages": [{"role": "user", "content": text}],
        }
    elif kind == "cached":
        body = {
            "model": "claude-sonnet-4-6",
            "max_tokens": 512,
            "system": [
                {"type": "text", "text": PREFIXES[n % len(PREFIXES)], "cache_control": {"type": "ephemeral"}}
            ],
            "messages": [{"role": "user", "content": text}],
        }
    else:
        raise ValueError(kind)
    if stream:
        body["stream"] = True
    return body


KINDS = ("simple", "conversation", "tools", "short")


class Mix:
    def __init__(
        self, seed: int, stream_share: float, repeat_share: float, cached_share: float, pool: int
    ) -> None:
        self.rng = random.Random(seed)
        self.stream_share, self.repeat_share, self.cached_share = stream_share, repeat_share, cached_share
        self.run_tag = f"{seed}-{time.time_ns()}"
        self.pool = [
            json.dumps(
                make_body(KINDS[i % len(KINDS)], f"Repeated question number {i}.", i % 2 == 1, i)
            ).encode()
            for i in range(pool)
        ]
        self.pool_streams = [i % 2 == 1 for i in range(pool)]

    def next(self, i: int) -> tuple[str, bool, bytes]:
        """(label, stream, body) for request i."""
        r = self.rng.random()
        if r < self.cached_share:
            stream = self.rng.random() < self.stream_share
            body = make_body("cached", f"Fresh question {self.run_tag}-{i}.", stream, i)
            return "fresh-cached", stream, json.dumps(body).encode()
        if self.rng.random() < self.repeat_share:
            # the pool holds half streamed, half JSON bodies; pick to honour stream_share
            stream = self.rng.random() < self.stream_share
            k = self.rng.randrange(len(self.pool) // 2) * 2 + (1 if stream else 0)
            return "repeated", stream, self.pool[k]
        stream = self.rng.random() < self.stream_share
        kind = KINDS[self.rng.randrange(len(KINDS))]
        return (
            "fresh",
            stream,
            json.dumps(make_body(kind, f"Fresh question {self.run_tag}-{i}.", stream, i)).encode(),
        )


# ------------------------------------------------------------------ /proc
def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


# ------------------------------------------------------------------ run
def complete(stream: bool, status: int, data: bytes) -> str | None:
    if status != 200:
        return f"status {status}"
    if stream:
        if not data.startswith(b"event: message_start") or b"event: message_stop" not in data:
            return "incomplete stream"
        return None
    try:
        msg = json.loads(data)
    except ValueError:
        return "not JSON"
    if msg.get("type") != "message" or not msg.get("content") or msg.get("stop_reason") is None:
        return "incomplete message"
    return None


@dataclass
class Minute:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


@dataclass
class Stats:
    minutes: dict[int, Minute] = field(default_factory=dict)
    by_label: dict[str, list[int]] = field(default_factory=dict)  # label -> [sent, ok]
    error_kinds: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    skipped: int = 0
    late: int = 0
    inflight: int = 0
    max_inflight_seen: int = 0
    rss: list[tuple[float, int, float]] = field(default_factory=list)  # (t, rss kB, server CPU % since last)

    def minute(self, t: float) -> Minute:
        return self.minutes.setdefault(int(t // 60), Minute())


async def one(
    client: httpx2.AsyncClient, url: str, stats: Stats, label: str, stream: bool, body: bytes, t_rel: float
) -> None:
    m = stats.minute(t_rel)
    counts = stats.by_label.setdefault(f"{label} {'sse' if stream else 'json'}", [0, 0])
    m.sent += 1
    counts[0] += 1
    stats.inflight += 1
    stats.max_inflight_seen = max(stats.max_inflight_seen, stats.inflight)
    t0 = time.perf_counter()
    problem = None
    try:
        resp = await client.post(url, content=body, headers=HEADERS)
        problem = complete(stream, resp.status_code, resp.content)
        if problem and len(stats.error_examples) < 5:
            stats.error_examples.append(f"{problem}: {resp.content[:200]!r}")
    except httpx2.HTTPError as exc:
        problem = type(exc).__name__
        if len(stats.error_examples) < 5:
            stats.error_examples.append(f"{problem}: {exc}")
    finally:
        stats.inflight -= 1
    if problem is None:
        m.ok += 1
        counts[1] += 1
        m.latencies.append((time.perf_counter() - t0) * 1000)
    else:
        m.errors += 1
        stats.error_kinds[problem] = stats.error_kinds.get(problem, 0) + 1


async def sampler(pid: int, stats: Stats, start: float, every: float, stop: asyncio.Event) -> None:
    last_t, last_cpu = time.monotonic(), cpu_ticks(pid)
    while True:
        now = time.monotonic()
        cpu = cpu_ticks(pid)
        pct = 100.0 * (cpu - last_cpu) / CLK / max(1e-6, now - last_t)
        stats.rss.append((now - start, rss_kb(pid), round(pct, 1)))
        last_t, last_cpu = now, cpu
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def soak(args: argparse.Namespace, url: str, pid: int) -> tuple[Stats, float]:
    mix = Mix(args.seed, args.stream_share, args.repeat_share, args.cached_share, args.pool)
    stats = Stats()
    limits = httpx2.Limits(max_connections=args.max_inflight, max_keepalive_connections=args.max_inflight)
    duration = args.minutes * 60
    tasks: set[asyncio.Task[None]] = set()
    async with httpx2.AsyncClient(limits=limits, timeout=httpx2.Timeout(args.timeout)) as client:
        for i in range(10):  # preflight: every shape answered, connections opened
            for kind in (*KINDS, "cached"):
                body = json.dumps(make_body(kind, f"Preflight {i}.", i % 2 == 1, i)).encode()
                resp = await client.post(url, content=body, headers=HEADERS)
                problem = complete(i % 2 == 1, resp.status_code, resp.content)
                if problem:
                    raise SystemExit(f"soak.py: preflight {kind}: {problem}: {resp.content[:300]!r}")
        stop = asyncio.Event()
        start = time.monotonic()
        sampling = asyncio.create_task(sampler(pid, stats, start, args.sample_s, stop))
        i = 0
        while True:
            t = time.monotonic() - start
            if t >= duration:
                break
            due = min(int(t * args.rate) + 1, int(duration * args.rate))
            while i < due:
                if (t - i / args.rate) > 0.05:
                    stats.late += 1
                if stats.inflight >= args.max_inflight:
                    stats.skipped += 1
                else:
                    label, stream, body = mix.next(i)
                    task = asyncio.create_task(one(client, url, stats, label, stream, body, t))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                i += 1
            await asyncio.sleep(min(0.01, 1.0 / args.rate))
        if tasks:
            await asyncio.wait(tasks, timeout=args.timeout + 5)
        stop.set()
        await sampling
    return stats, time.monotonic() - start


# ------------------------------------------------------------------ server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_mock(args: argparse.Namespace, logfile: pathlib.Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = open(logfile, "wb")  # noqa: SIM115 (the server's lifetime)
    proc = launch_mock(port, args.latency, args.mock_args, log)
    url = f"http://127.0.0.1:{port}/v1/messages"
    body = json.dumps(make_body("simple", "ready?", False, 0)).encode()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60 and proc.poll() is None:
        try:
            if httpx2.post(url, content=body, headers=HEADERS, timeout=2).status_code == 200:
                return proc, url
        except httpx2.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"soak.py: mockclaude did not start (see {logfile})")


# ------------------------------------------------------------------ report
def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def slope_mib_per_min(points: list[tuple[float, int, float]]) -> float | None:
    if len(points) < 3:
        return None
    xs = [p[0] / 60 for p in points]
    ys = [p[1] / 1024 for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / den if den else None


def report(
    args: argparse.Namespace,
    stats: Stats,
    elapsed: float,
    rss_idle: int,
    started: dt.datetime,
    client_cpu: float,
    cmd: str,
) -> str:
    mib = lambda kb: kb / 1024  # noqa: E731
    samples = stats.rss
    at = lambda sec: min(samples, key=lambda p: abs(p[0] - sec))[1]  # noqa: E731
    start_rss, end_rss, max_rss = samples[0][1], samples[-1][1], max(p[1] for p in samples)
    one_min = at(60)
    second_half = [p for p in samples if p[0] >= elapsed / 2]
    slope = slope_mib_per_min(second_half)
    growth = end_rss - one_min
    flat = growth <= max(5 * 1024, one_min // 20) and (slope is None or abs(slope) < 0.5)
    lat = [x for m in stats.minutes.values() for x in m.latencies]
    sent = sum(m.sent for m in stats.minutes.values())
    ok = sum(m.ok for m in stats.minutes.values())
    errors = sum(m.errors for m in stats.minutes.values())
    cpu_vals = [p[2] for p in samples[1:]]
    lines = [
        "# mockclaude soak (`make soak`)",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} CPUs, Linux {platform.release()}, "
        f"python {platform.python_version()}",
        f"- command: `{cmd}`",
        f"- server: `mockclaude serve --latency {args.latency}{' ' + args.mock_args if args.mock_args else ''}` "
        "(default settings otherwise: strict validation, answer memo 4096)",
        f"- load: {args.rate:g} requests/s open loop for {args.minutes:g} min (elapsed {elapsed / 60:.2f} min); "
        f"{args.stream_share:.0%} streamed; {args.repeat_share:.0%} of the rest from a pool of {args.pool} "
        f"repeated bodies; {args.cached_share:.0%} with a cached system prefix; httpx2 client, "
        f"≤ {args.max_inflight} in flight",
        "",
        "## Resident memory (server RSS)",
        "",
        "| idle (before load) | start of load | at 1 min | end | max | end − at 1 min | slope, 2nd half |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {mib(rss_idle):.1f} MiB | {mib(start_rss):.1f} MiB | {mib(one_min):.1f} MiB | {mib(end_rss):.1f} MiB "
        f"| {mib(max_rss):.1f} MiB | {mib(growth):+.1f} MiB | "
        f"{'–' if slope is None else f'{slope:+.3f} MiB/min'} |",
        "",
        f"Verdict: RSS **{'flat' if flat else 'NOT flat'}** (flat = end within max(5 MiB, 5 %) of the RSS at 1 min, "
        "when the answer memo has filled, and |slope| over the second half < 0.5 MiB/min).",
        "",
        "## Requests",
        "",
        f"- sent {sent:,}, complete 200s {ok:,}, errors {errors:,}"
        f"{' ' + json.dumps(stats.error_kinds) if stats.error_kinds else ''}; skipped (too many in flight) "
        f"{stats.skipped:,}; started > 50 ms late {stats.late:,}; max in flight {stats.max_inflight_seen}",
        f"- achieved rate {sent / elapsed:,.1f} requests/s; latency (send → whole answer, client side) "
        f"p50 {pct(lat, 0.5) or 0:.2f} ms, p99 {pct(lat, 0.99) or 0:.2f} ms, max {max(lat, default=0):.1f} ms",
        f"- server CPU {statistics.fmean(cpu_vals) if cpu_vals else 0:.0f} % of a core on average; "
        f"generator CPU {100 * client_cpu / elapsed:.0f} %",
        "- by request kind (sent / complete): "
        + ", ".join(f"{k} {v[0]:,}/{v[1]:,}" for k, v in sorted(stats.by_label.items())),
    ]
    if stats.error_examples:
        lines += ["- first errors: " + "; ".join(stats.error_examples)]
    lines += [
        "",
        "## Per minute",
        "",
        "| minute | sent | errors | p50 ms | p99 ms | RSS at end MiB | server CPU % |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in sorted(stats.minutes):
        m = stats.minutes[k]
        in_min = [p for p in samples if k * 60 <= p[0] < (k + 1) * 60] or samples[-1:]
        cpu = statistics.fmean(p[2] for p in in_min)
        lines.append(
            f"| {k + 1} | {m.sent:,} | {m.errors:,} | {pct(m.latencies, 0.5) or 0:.2f} "
            f"| {pct(m.latencies, 0.99) or 0:.2f} | {mib(in_min[-1][1]):.1f} | {cpu:.0f} |"
        )
    lines += [
        "",
        f"RSS samples (every {args.sample_s:g} s, MiB): " + " ".join(f"{mib(p[1]):.1f}" for p in samples),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=500.0, help="requests per second (open loop)")
    ap.add_argument("--stream-share", type=float, default=0.3)
    ap.add_argument("--repeat-share", type=float, default=0.5)
    ap.add_argument("--cached-share", type=float, default=0.05)
    ap.add_argument("--pool", type=int, default=64, help="repeated bodies in the pool")
    ap.add_argument("--max-inflight", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--sample-s", type=float, default=5.0, help="RSS sampling period")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency", default="instant", help="mock latency profile (default instant)")
    ap.add_argument("--mock-args", default="", help="extra arguments for `mockclaude serve`")
    ap.add_argument("--url", help="target a running server instead (needs --pid for RSS)")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--out", default=str(HERE / "results/soak.md"))
    args = ap.parse_args()
    started = dt.datetime.now(dt.UTC)
    proc = None
    if args.url:
        if not args.pid:
            ap.error("--url needs --pid")
        url, pid = args.url, args.pid
    else:
        logfile = pathlib.Path(f"/tmp/mockclaude-soak-{started:%Y%m%dT%H%M%SZ}.log")
        proc, url = start_mock(args, logfile)
        pid = proc.pid
        print(f"soak: mockclaude pid {pid} at {url} (log {logfile})", flush=True)
    try:
        rss_idle = rss_kb(pid)
        print(
            f"soak: {args.rate:g} req/s for {args.minutes:g} min; idle RSS {rss_idle / 1024:.1f} MiB",
            flush=True,
        )
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        c0 = resource.getrusage(resource.RUSAGE_SELF)
        stats, elapsed = runner(soak(args, url, pid))
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    cmd = " ".join(["loadtests/bench/soak.py", *sys.argv[1:]])
    text = report(args, stats, elapsed, rss_idle, started, client_cpu, cmd)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
