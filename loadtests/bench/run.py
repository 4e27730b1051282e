#!/usr/bin/env python3
"""Benchmark of the mock (``make bench``): wrk on 127.0.0.1 against mockclaude, Prism and WireMock, in one run.

Not a test: it measures and writes ``loadtests/bench/results/latest.md``; it never fails on a missed target.

Reference systems (started exactly as the shared harness starts them, from its SYSTEMS table):
  prism-validated  Stoplight Prism mock, validated spec, default settings
  wiremock         WireMock standalone, default settings (request journal on)
each serving the static Messages answer (JSON on /v1/messages, SSE on /v1/messages/stream).

mockclaude (``--latency instant``, otherwise default settings: strict validation, answer memo on), one fresh
server process per scenario:
  stored        the same valid request every time: validated and synthesized once, then answered from memory
  fresh         every request different (fresh.lua puts a counter in the user text): parse, validate against
                the OpenAPI spec, semantic rules and synthesis on every request
  stream        the same request with "stream": true (instant SSE), streams/s
  stream-fresh  every streamed request different (c=32 only)

Method per system: start (own session), check answers, warm up (wrk -c32), a validity pass (check.lua: every
answer a 200 with a complete body, not timed), then wrk -t1 -c{1,32,64} -d10s --latency per scenario; before
each timed run wait (<= 30 s) for a quiet machine and re-run when other processes used > 25 % of a core
(the harness's measured_run). Server RSS (process tree) sampled every 0.25 s from /proc.

It reuses the shared harness (start/stop, wrk runs and parsing, RSS/CPU sampling) from a writable copy of
../shared/bench (``make bench`` makes it in /tmp/mockclaude-bench and runs its setup.sh).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import http.client
import importlib.metadata as md
import json
import os
import pathlib
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from mockproc import launch_mock

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
PATH = "/v1/messages"
HEADERS = {"content-type": "application/json", "x-api-key": "test", "anthropic-version": "2023-06-01"}
STORED_BODY = b'{"model":"claude-haiku-4-5","max_tokens":1000,"messages":[{"role":"user","content":"Hello, Claude Haiku 4.5!"}]}'
STREAM_BODY = (
    b'{"model":"claude-haiku-4-5","max_tokens":1000,"stream":true,'
    b'"messages":[{"role":"user","content":"Hello, Claude Haiku 4.5!"}]}'
)
MIB = 1024

# name -> (wrk script, extra environment for wrk, answer kind, connections it runs at; None = --conns)
SCENARIOS: dict[str, tuple[str, dict[str, str], str, list[int] | None]] = {
    "stored": ("stored.lua", {}, "json", None),
    "fresh": ("fresh.lua", {}, "json", None),
    "stream": ("stream.lua", {}, "sse", None),
    "stream-fresh": ("fresh.lua", {"STREAM": "1"}, "sse", [32]),
}
REFERENCES = ("prism-validated", "wiremock")


# ------------------------------------------------------------------ small helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def env(extra: dict[str, str]) -> Iterator[None]:
    """wrk inherits this process's environment: the Lua scripts read STREAM, CHECK and BODY_SCRIPT."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def post(port: int, body: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", PATH, body=body, headers=HEADERS)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def sh(cmd: list[str] | str, cwd: pathlib.Path | None = None) -> str:
    try:
        out = subprocess.run(
            cmd, shell=isinstance(cmd, str), cwd=cwd, capture_output=True, text=True, timeout=60
        )
        return (out.stdout + out.stderr).strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"? ({exc})"


# ------------------------------------------------------------------ answer checks (outside the timed runs)
class AnswerChecker:
    """Checks one answer against the repo's OpenAPI response schemas (Message; each SSE event's data)."""

    def __init__(self) -> None:
        from mockclaude.config import MockConfig
        from mockclaude.protocol.contract import Contract

        contract = Contract(MockConfig().spec_path)
        self.message = contract.schema_validator("Message")
        self.event = contract.schema_validator("RawMessageStreamEvent")

    def json(self, status: int, headers: dict[str, str], data: bytes) -> str | None:
        if status != 200:
            return f"status {status}: {data[:200]!r}"
        if not headers.get("content-type", "").startswith("application/json"):
            return f"content-type {headers.get('content-type')}"
        message = json.loads(data)
        errors = [e.message for e in self.message.iter_errors(message)]
        if errors:
            return f"Message schema: {errors[0]}"
        if not any(b.get("type") == "text" and b.get("text") for b in message["content"]):
            return "no text in the answer"
        return None

    def sse(self, status: int, headers: dict[str, str], data: bytes) -> str | None:
        if status != 200:
            return f"status {status}: {data[:200]!r}"
        if not headers.get("content-type", "").startswith("text/event-stream"):
            return f"content-type {headers.get('content-type')}"
        names = []
        for chunk in data.decode().split("\n\n"):
            if not chunk.strip():
                continue
            lines = dict(line.split(": ", 1) for line in chunk.split("\n"))
            payload = json.loads(lines["data"])
            if payload.get("type") != lines["event"]:
                return f"event {lines['event']} carries type {payload.get('type')}"
            # the spec's RawMessageStreamEvent union has no ping variant (the API sends {"type":"ping"})
            errors = (
                [] if payload == {"type": "ping"} else [e.message for e in self.event.iter_errors(payload)]
            )
            if errors:
                return f"{lines['event']} schema: {errors[0]}"
            names.append(lines["event"])
        if not names or names[0] != "message_start" or names[-1] != "message_stop":
            return f"events {names[:1]}…{names[-1:]}"
        if "content_block_delta" not in names:
            return "no content_block_delta"
        return None


def fresh_body(tag: str, stream: bool) -> bytes:
    flag = '"stream":true,' if stream else ""
    return (
        '{"model":"claude-haiku-4-5","max_tokens":1000,'
        + flag
        + f'"messages":[{{"role":"user","content":"Hello, Claude Haiku 4.5! Request check-{tag}."}}]}}'
    ).encode()


def check_answers(checker: AnswerChecker, port: int, scenario: str) -> dict[str, Any]:
    """Requests of the scenario's shape, each answer checked; also the memo hit for 'stored'."""
    kind = SCENARIOS[scenario][2]
    check = checker.sse if kind == "sse" else checker.json
    if scenario in ("stored", "stream"):
        bodies = [STREAM_BODY if kind == "sse" else STORED_BODY] * 2
    else:
        bodies = [fresh_body(f"{time.time_ns()}-{i}", kind == "sse") for i in range(2)]
    answers = [post(port, b) for b in bodies]
    problems = [p for p in (check(*a) for a in answers) if p]
    same = answers[0][2] == answers[1][2]
    if scenario in ("stored", "stream") and not same:
        problems.append("two identical requests got different answers (memo not hit?)")
    if scenario not in ("stored", "stream") and same:
        problems.append("two different requests got the same answer")
    return {"ok": not problems, "problems": problems, "answer_bytes": len(answers[0][2])}


def check_pass(port: int, scenario: str, seconds: int, outfile: pathlib.Path) -> dict[str, Any]:
    """wrk with check.lua's response(): counts 200s with a complete body, other statuses, incomplete bodies."""
    lua, extra, kind, _ = SCENARIOS[scenario]
    cmd = [
        "wrk",
        "-t1",
        "-c32",
        f"-d{seconds}s",
        "-s",
        str(HERE / "check.lua"),
        f"http://127.0.0.1:{port}{PATH}",
    ]
    with env({**extra, "CHECK": kind, "BODY_SCRIPT": str(HERE / lua)}):
        out = sh(cmd)
    outfile.write_text("# " + " ".join(cmd) + "\n" + out + "\n")
    m = re.search(r"CHECK ok=(\d+) bad_status=(\d+) bad_body=(\d+)", out)
    if not m:
        return {"ok": 0, "bad_status": None, "bad_body": None, "error": out[-300:]}
    ok, bad_status, bad_body = map(int, m.groups())
    return {"ok": ok, "bad_status": bad_status, "bad_body": bad_body}


# ------------------------------------------------------------------ one system
def row(system: str, scenario: str, r: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "c",
        "rps",
        "p50_ms",
        "p99_ms",
        "requests",
        "non2xx",
        "socket_errors",
        "errors",
        "server_cpu_pct",
        "wrk_cpu_pct",
        "foreign_cpu_pct",
        "attempts",
        "rss_start_kb",
        "rss_peak_kb",
        "rss_end_kb",
        "elapsed_s",
    )
    return {"system": system, "scenario": scenario, **{k: r.get(k) for k in keep}}


def timed_runs(
    bench: Any,
    args: argparse.Namespace,
    system: str,
    scenario: str,
    port: int,
    path: str,
    lua: str,
    conns: list[int],
    pid: int,
    rundir: pathlib.Path,
    extra_env: dict[str, str],
) -> list[dict[str, Any]]:
    rows = []
    for c in conns:
        time.sleep(1)
        with env(extra_env):
            r = bench.measured_run(
                port,
                path,
                lua,
                c,
                args.duration,
                pid,
                str(rundir / f"wrk_{scenario}_c{c}"),
                retries=args.retries,
            )
        rows.append(row(system, scenario, r))
        print(
            f"   {system:16s} {scenario:12s} c={c:<3d} rps={r['rps']} p50={r['p50_ms']}ms p99={r['p99_ms']}ms "
            f"err={r['errors']} rss={r['rss_peak_kb'] // MIB}MiB srvCPU={r['server_cpu_pct']}% "
            f"wrkCPU={r['wrk_cpu_pct']}% foreign={r['foreign_cpu_pct']}% tries={r['attempts']}",
            flush=True,
        )
    return rows


def bench_reference(bench: Any, args: argparse.Namespace, name: str, outdir: pathlib.Path) -> dict[str, Any]:
    desc, argv_fn, warm = next((d, f, w) for n, d, f, w in bench.SYSTEMS if n == name)
    port = free_port()
    rundir = outdir / name
    rundir.mkdir(parents=True, exist_ok=True)
    rec: dict[str, Any] = {"system": name, "desc": desc, "port": port, "rows": []}
    print(f"[{name}] starting on {port}", flush=True)
    proc, log, st = bench.start(name, argv_fn, port, rundir)
    rec.update(st)
    try:
        if st["startup_s"] is None:
            rec["failed"] = f"no successful response: {st['last_err']}"
            print(f"   FAILED: {rec['failed']}", flush=True)
            return rec
        rec["rss_idle_kb"] = bench.sample(proc.pid)[0]
        rec["verify_json"] = bench.verify(port, bench.PATH, bench.REQ, bench.MESSAGE)["ok"]
        rec["verify_sse"] = bench.verify(port, bench.SPATH, bench.REQ_STREAM, bench.STREAM)["ok"]
        print(
            f"   startup {st['startup_s']}s, json ok={rec['verify_json']}, sse ok={rec['verify_sse']}",
            flush=True,
        )
        bench.run_wrk(
            port, bench.PATH, "post.lua", 32, args.warmup_ref or warm, proc.pid, rundir / "wrk_warmup.txt"
        )
        rec["rows"] += timed_runs(
            bench, args, name, "json", port, bench.PATH, "post.lua", args.conns, proc.pid, rundir, {}
        )
        if rec["verify_sse"]:
            rec["rows"] += timed_runs(
                bench,
                args,
                name,
                "sse",
                port,
                bench.SPATH,
                "post_stream.lua",
                args.conns,
                proc.pid,
                rundir,
                {},
            )
        rec["verify_after"] = bench.verify(port, bench.PATH, bench.REQ, bench.MESSAGE)["ok"]
    finally:
        rec["stop"] = bench.stop(proc, log)
        bench.trim_log(rundir / "server.log")
    return rec


def start_mock(
    args: argparse.Namespace, port: int, rundir: pathlib.Path
) -> tuple[subprocess.Popen[bytes], Any, float]:
    log = open(rundir / "server.log", "wb")  # noqa: SIM115 (closed by bench.stop)
    t0 = time.monotonic()
    proc = launch_mock(port, "instant", args.mock_args, log)
    while time.monotonic() - t0 < 60 and proc.poll() is None:
        try:
            if post(port, STORED_BODY, timeout=2.0)[0] == 200:
                return proc, log, round(time.monotonic() - t0, 2)
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"mockclaude did not answer on {port} (see {rundir / 'server.log'})")


def bench_mock(
    bench: Any, args: argparse.Namespace, checker: AnswerChecker, scenario: str, outdir: pathlib.Path
) -> dict[str, Any]:
    lua, extra, _, conns = SCENARIOS[scenario]
    port = free_port()
    rundir = outdir / f"mockclaude-{scenario}"
    rundir.mkdir(parents=True, exist_ok=True)
    print(f"[mockclaude {scenario}] starting on {port}", flush=True)
    proc, log, startup = start_mock(args, port, rundir)
    rec: dict[str, Any] = {
        "system": "mockclaude",
        "scenario": scenario,
        "port": port,
        "startup_s": startup,
        "rows": [],
    }
    try:
        rec["rss_idle_kb"] = bench.sample(proc.pid)[0]
        rec["answers_before"] = check_answers(checker, port, scenario)
        with env(extra):
            bench.run_wrk(port, PATH, str(HERE / lua), 32, args.warmup, proc.pid, rundir / "wrk_warmup.txt")
        rec["check_pass"] = check_pass(port, scenario, args.check_seconds, rundir / "wrk_check.txt")
        rec["rss_warm_kb"] = bench.sample(proc.pid)[0]
        print(
            f"   startup {startup}s, answers ok={rec['answers_before']['ok']} {rec['answers_before']['problems']}, "
            f"check pass {rec['check_pass']}, RSS idle {rec['rss_idle_kb'] // MIB} MiB, "
            f"after warm-up {rec['rss_warm_kb'] // MIB} MiB",
            flush=True,
        )
        rec["rows"] = timed_runs(
            bench,
            args,
            "mockclaude",
            scenario,
            port,
            PATH,
            str(HERE / lua),
            conns or args.conns,
            proc.pid,
            rundir,
            extra,
        )
        rec["answers_after"] = check_answers(checker, port, scenario)
        rec["rss_after_kb"] = bench.sample(proc.pid)[0]
    finally:
        rec["stop"] = bench.stop(proc, log)
    return rec


# ------------------------------------------------------------------ report
def versions(harness: pathlib.Path) -> dict[str, str]:
    def pkg(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "?"

    def npm(name: str) -> str:
        try:
            return json.loads((harness / "node/node_modules" / name / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            return "?"

    cpuinfo = pathlib.Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = pathlib.Path("/proc/meminfo").read_text().splitlines()
    mem = next((int(line.split()[1]) // MIB for line in meminfo if line.startswith("MemTotal")), 0)
    commit = sh(["git", "rev-parse", "--short", "HEAD"], REPO)
    dirty = sh(["git", "status", "--porcelain", "--", "mocks", "openapi", "pyproject.toml"], REPO)
    return {
        "machine": f"{os.cpu_count()} CPUs, {cpu}, {mem:,} MiB RAM, Linux {platform.release()}",
        "mockclaude": f"{pkg('mockclaude')} (git {commit}{', uncommitted changes in mocks/content/openapi' if dirty else ''})",
        "python": f"{platform.python_version()}; uvicorn {pkg('uvicorn')}, uvloop {pkg('uvloop')}, "
        f"httptools {pkg('httptools')}, orjson {pkg('orjson')}, fastjsonschema {pkg('fastjsonschema')}",
        "prism": f"@stoplight/prism-cli {npm('@stoplight/prism-cli')} on node {sh(['node', '--version'])}",
        "wiremock": f"{npm('wiremock')} (standalone jar) on {sh('java -version 2>&1 | head -1')}",
        "wrk": sh("dpkg-query -W -f='${Version}' wrk") + " (Debian package)",
    }


def fmt(v: Any, nd: int = 0) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and nd:
        return f"{v:,.{nd}f}"
    return f"{v:,.0f}" if isinstance(v, float) else f"{v:,}"


def ms(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def report(recs: list[dict[str, Any]], args: argparse.Namespace, meta: dict[str, Any]) -> str:
    rows = [r for rec in recs for r in rec.get("rows", [])]
    by = {(r["system"], r["scenario"], r["c"]): r for r in rows}
    lines = [
        "# mockclaude benchmark (`make bench`)",
        "",
        f"- date: {meta['date']} (wall time {meta['wall_min']:.1f} min)",
        *[f"- {k}: {v}" for k, v in meta["versions"].items()],
        f"- command: `{meta['command']}`; wrk -t1 -c{{{','.join(map(str, args.conns))}}} -d{args.duration}s --latency "
        f"on 127.0.0.1; warm-up wrk -c32 {args.warmup} s (WireMock 20 s, Prism 5 s, as the harness)",
        f"- raw wrk outputs and server logs: {meta['outdir']}",
        "",
        "## Results",
        "",
        "mockclaude runs with `--latency instant` and otherwise default settings (strict validation against the "
        "OpenAPI spec + semantic rules, answer memo of 4096 entries). Prism and WireMock serve the harness's static "
        "Messages answer (JSON on /v1/messages, SSE on /v1/messages/stream) with their default settings. "
        "req/s is streams/s for the SSE rows. RSS is the server's process tree, at the start of the timed run → "
        "peak during it. foreign CPU = other processes on the machine during the run (% of one core).",
        "",
        "| system | scenario | c | req/s | p50 ms | p99 ms | non-2xx | socket errors | server CPU % | wrk CPU % "
        "| foreign CPU % (tries) | RSS MiB start → peak |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        sock = sum((r["socket_errors"] or {}).values())
        lines.append(
            f"| {r['system']} | {r['scenario']} | {r['c']} | {fmt(r['rps'])} | {ms(r['p50_ms'])} | {ms(r['p99_ms'])} "
            f"| {fmt(r['non2xx'])} | {fmt(sock)} | {fmt(r['server_cpu_pct'])} | {fmt(r['wrk_cpu_pct'])} "
            f"| {fmt(r['foreign_cpu_pct'])} ({r['attempts']}) "
            f"| {fmt(r['rss_start_kb'] // MIB)} → {fmt(r['rss_peak_kb'] // MIB)} |"
        )

    with_errors = [r for r in rows if r["errors"]]
    if with_errors:
        lines += [
            "",
            "Runs with errors (their req/s is not a throughput figure; ratios against them are moot): "
            + "; ".join(
                f"{r['system']} {r['scenario']} c={r['c']}: {r['non2xx'] or 0:,} non-2xx, "
                f"{sum((r['socket_errors'] or {}).values()):,} socket errors"
                for r in with_errors
            ),
        ]

    def rps(system: str, scenario: str, c: int) -> float | None:
        r = by.get((system, scenario, c))
        return r["rps"] if r and r["rps"] else None

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}×" if a and b else "–"

    lines += [
        "",
        "## Ratios (same run)",
        "",
        "| c | stored / prism | stored / wiremock | fresh / prism | fresh / wiremock | stream / prism SSE "
        "| stream / wiremock SSE | stream-fresh / prism SSE |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in args.conns:
        p, w = rps("prism-validated", "json", c), rps("wiremock", "json", c)
        ps, ws = rps("prism-validated", "sse", c), rps("wiremock", "sse", c)
        lines.append(
            f"| {c} | {ratio(rps('mockclaude', 'stored', c), p)} | {ratio(rps('mockclaude', 'stored', c), w)} "
            f"| {ratio(rps('mockclaude', 'fresh', c), p)} | {ratio(rps('mockclaude', 'fresh', c), w)} "
            f"| {ratio(rps('mockclaude', 'stream', c), ps)} | {ratio(rps('mockclaude', 'stream', c), ws)} "
            f"| {ratio(rps('mockclaude', 'stream-fresh', c), ps)} |"
        )

    # targets of the issue, judged on this run at c=32 and c=64 (the loaded points)
    def verdict(ok: bool | None) -> str:
        return "–" if ok is None else "**met**" if ok else "**missed**"

    def at_loaded(
        system: str, scenario: str, ref_system: str, ref_scenario: str, factor: float
    ) -> tuple[str, bool | None]:
        parts, oks = [], []
        for c in (32, 64):
            a, b = rps(system, scenario, c), rps(ref_system, ref_scenario, c)
            if a and b:
                parts.append(
                    f"c={c}: {a:,.0f} vs {factor:g}×{b:,.0f} = {factor * b:,.0f} ({a / (factor * b):.0%})"
                )
                oks.append(a >= factor * b)
        return "; ".join(parts) or "–", (all(oks) if oks else None)

    targets = []
    for label, args_ in (
        ("stored ≥ WireMock (default) static JSON", ("stored", "wiremock", "json", 1.0)),
        ("stored ≥ 10× Prism (default) static JSON", ("stored", "prism-validated", "json", 10.0)),
        ("fresh ≥ 5× Prism (default) static JSON", ("fresh", "prism-validated", "json", 5.0)),
        ("stream ≥ WireMock (default) static SSE", ("stream", "wiremock", "sse", 1.0)),
    ):
        text, ok = at_loaded("mockclaude", args_[0], args_[1], args_[2], args_[3])
        targets.append((label, text, ok))
    for scenario, figure, source in (
        ("stored", 19_000, "WireMock default, shared reference"),
        ("fresh", 9_000, "5× Prism default, shared reference"),
    ):
        vals = [(c, rps("mockclaude", scenario, c)) for c in (32, 64)]
        vals = [(c, v) for c, v in vals if v]
        if vals:
            text = "; ".join(f"c={c}: {v:,.0f} ({v / figure:.0%})" for c, v in vals)
            targets.append(
                (
                    f"{scenario} ≥ {figure:,} req/s (the issue's figure: {source})",
                    text,
                    all(v >= figure for _, v in vals),
                )
            )
    for scenario in ("stored", "fresh", "stream"):
        r = by.get(("mockclaude", scenario, 32))
        if r and r["p99_ms"] is not None:
            targets.append((f"p99 < 5 ms at c=32 ({scenario})", f"{r['p99_ms']:.2f} ms", r["p99_ms"] < 5.0))
    for rec in recs:
        if rec.get("system") == "mockclaude" and rec.get("rows"):
            warm = rec["rss_warm_kb"]
            peak = max(r["rss_peak_kb"] for r in rec["rows"])
            end = rec.get("rss_after_kb") or rec["rows"][-1]["rss_end_kb"]
            grew = peak - warm
            ok = grew <= max(10 * MIB, warm // 10)
            targets.append(
                (
                    f"RSS bounded ({rec['scenario']}): idle → after warm-up → peak → end MiB",
                    f"{rec['rss_idle_kb'] // MIB} → {warm // MIB} → {peak // MIB} → {end // MIB} "
                    f"(+{grew / MIB:.1f} MiB over the timed runs)",
                    ok,
                )
            )
    lines += [
        "",
        "## Targets (issue), judged on this run",
        "",
        "Throughput targets are judged at c=32 and c=64 (both must hold); RSS 'bounded' = the peak over the "
        "timed runs is within max(10 MiB, 10 %) of the RSS after warm-up (the memo is full by then); "
        "the 10-minute soak (`make soak`, results/soak.md) is the long-run check.",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {text} | {verdict(ok)} |" for label, text, ok in targets]

    lines += [
        "",
        "## Validity",
        "",
        "Before and after the timed runs two requests of the scenario's shape are checked against the "
        "repo's OpenAPI response schemas (Message; every SSE event's data as RawMessageStreamEvent, "
        "message_start … message_stop); identical requests must get identical bytes (memo hit), different "
        "ones different answers. The check pass is wrk -c32 with check.lua, whose response() counts 200s "
        "with a complete body. Prism/WireMock: answers compared with the harness's bytes.",
        "",
        "| system | scenario | answers before / after | check pass: complete 200s / other status / incomplete "
        "| non-2xx + socket errors in timed runs |",
        "|---|---|---|---|---:|",
    ]
    for rec in recs:
        errs = sum((r["errors"] or 0) for r in rec.get("rows", []))
        if rec.get("system") == "mockclaude":
            cp = rec.get("check_pass", {})
            before, after = rec.get("answers_before", {}), rec.get("answers_after", {})
            all_probs = before.get("problems", []) + after.get("problems", [])
            probs = f"{all_probs[0][:160]} ({len(all_probs)} problem(s))" if all_probs else ""
            lines.append(
                f"| mockclaude | {rec['scenario']} | {'ok' if before.get('ok') else 'FAIL'} / "
                f"{'ok' if after.get('ok') else 'FAIL'}{' ' + probs if probs else ''} "
                f"| {fmt(cp.get('ok'))} / {fmt(cp.get('bad_status'))} / {fmt(cp.get('bad_body'))} | {errs} |"
            )
        else:
            lines.append(
                f"| {rec['system']} | json, sse | bytes equal: json {rec.get('verify_json')}, "
                f"sse {rec.get('verify_sse')}, after {rec.get('verify_after')}"
                f"{' FAILED ' + rec['failed'] if rec.get('failed') else ''} | – | {errs} |"
            )

    disturbed = [r for r in rows if (r["foreign_cpu_pct"] or 0) > 25 or (r["attempts"] or 1) > 1]
    lines += ["", "## Noise", ""]
    if disturbed:
        lines.append(
            "Runs re-run or kept with other processes using > 25 % of a core (2-core machine shared with "
            "other work; the least disturbed attempt is kept):"
        )
        lines += [
            f"- {r['system']} {r['scenario']} c={r['c']}: foreign {r['foreign_cpu_pct']} %, "
            f"{r['attempts']} attempt(s)"
            for r in disturbed
        ]
    else:
        lines.append(
            "No run was disturbed by other processes (foreign CPU ≤ 25 % of a core in every kept run)."
        )
    lines += [
        "",
        "How to read: see loadtests/bench/README.md. Ratios within one run are what count; absolute "
        "figures move with the machine (2 vCPUs: wrk, the server and the kernel share them).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--harness", default="/tmp/mockclaude-bench", help="writable copy of ../shared/bench (set up)"
    )
    ap.add_argument("--duration", type=int, default=10, help="seconds per timed wrk run")
    ap.add_argument("--conns", default="1,32,64")
    ap.add_argument("--warmup", type=int, default=5, help="mockclaude warm-up seconds (wrk -c32)")
    ap.add_argument("--warmup-ref", type=int, default=None, help="override Prism/WireMock warm-up seconds")
    ap.add_argument("--check-seconds", type=int, default=3, help="seconds of the check.lua validity pass")
    ap.add_argument(
        "--retries",
        type=int,
        default=1,
        help="re-runs of a run disturbed by other processes (harness default 2)",
    )
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=10.0,
        help="max seconds to wait for a quiet machine before each run (harness default 30)",
    )
    ap.add_argument(
        "--only",
        default="",
        help="comma list of prism-validated, wiremock, stored, fresh, stream, stream-fresh (default: all)",
    )
    ap.add_argument("--mock-args", default="", help="extra arguments for `mockclaude serve`")
    ap.add_argument("--out", default=str(HERE / "results/latest.md"))
    ap.add_argument(
        "--report-only", metavar="RESULTS_JSON", help="only re-render the report of a finished run"
    )
    args = ap.parse_args()
    args.conns = [int(c) for c in args.conns.split(",")]
    harness = pathlib.Path(args.harness).resolve()
    if args.report_only:  # re-render a finished run's report from its results.json
        raw = pathlib.Path(args.report_only)
        saved = json.loads(raw.read_text())
        if isinstance(saved, list):  # results.json of an earlier version: recs only
            stamp = dt.datetime.strptime(raw.parent.name.split("-", 1)[1], "%Y%m%dT%H%M%SZ")
            saved = {
                "recs": saved,
                "meta": {
                    "date": f"{stamp:%Y-%m-%d %H:%M} UTC",
                    "wall_min": (raw.stat().st_mtime - stamp.replace(tzinfo=dt.UTC).timestamp()) / 60,
                    "versions": {"versions": "not recorded in this results.json (re-rendered)"},
                    "command": "make bench",
                    "outdir": str(raw.parent),
                },
            }
        text = report(saved["recs"], args, saved["meta"])
        pathlib.Path(args.out).write_text(text)
        print(text)
        return 0
    if not (harness / "bench.py").exists() or not (harness / "node/node_modules/.bin/prism").exists():
        print(
            f"run.py: no set-up harness in {harness}; run `make bench` (copies ../shared/bench, runs setup.sh)",
            file=sys.stderr,
        )
        return 2
    sys.path.insert(0, str(harness))
    import bench  # the shared harness (copy)

    bench.HOME.mkdir(exist_ok=True)
    bench.wait_quiet = functools.partial(bench.wait_quiet, limit_s=args.quiet_wait)
    only = set(filter(None, args.only.split(",")))
    started, t0 = dt.datetime.now(dt.UTC), time.monotonic()
    outdir = harness / "raw" / f"mockclaude-{started:%Y%m%dT%H%M%SZ}"
    outdir.mkdir(parents=True, exist_ok=True)
    checker = AnswerChecker()
    recs: list[dict[str, Any]] = []
    for name in REFERENCES:
        if not only or name in only:
            recs.append(bench_reference(bench, args, name, outdir))
    for scenario in SCENARIOS:
        if not only or scenario in only:
            recs.append(bench_mock(bench, args, checker, scenario, outdir))
    meta = {
        "date": f"{started:%Y-%m-%d %H:%M} UTC",
        "wall_min": (time.monotonic() - t0) / 60,
        "versions": versions(harness),
        "command": " ".join(["loadtests/bench/run.py", *sys.argv[1:]]),
        "outdir": str(outdir),
    }
    with open(outdir / "results.json", "w") as f:
        json.dump({"recs": recs, "meta": meta}, f, indent=1, default=str)
    text = report(recs, args, meta)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text)
    print(f"written: {out}; raw: {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
