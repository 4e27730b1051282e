"""Recording sets at scale: start-up time, resident memory and per-request match cost with N recordings.

    python loadtests/bench/recordings_scale.py --sizes 10000 100000

For each size: N distinct recordings are generated (the shipped hello recording with another user text
each) into a temporary directory; the server is started on it (``--latency instant``) and timed until
its first answer; its RSS is read from /proc; a recorded request is checked to come back as recorded;
and the match cost is measured in-process as the mean time of ``RecordingStore.find`` over 20,000
lookups (hits and misses), which is all the pipeline adds per request for recordings.
Writes ``loadtests/bench/results/recordings.md``.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import orjson

from mockclaude.files import dump_yaml, load_yaml
from mockclaude.store.matchers import match_key
from mockclaude.store.recordings import RecordingStore

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "mocks" / "content" / "recordings" / "seed" / "hello.yaml"
RESULTS = Path(__file__).with_name("results") / "recordings.md"


def generate(directory: Path, count: int) -> list[dict]:
    template = load_yaml(SEED.read_text())
    bodies = []
    for i in range(count):
        document = copy.deepcopy(template)
        body = document["request"]["body"]
        body["messages"][0]["content"] = f"Hello, Claude (recording {i})"
        document["request"]["match_key"] = match_key("POST", "/v1/messages", body)
        document["response"]["body"]["id"] = f"msg_01Scale{i:016d}"
        with (directory / f"r{i:06d}.yaml").open("w") as handle:
            dump_yaml(document, handle)
        bodies.append(body)
    return bodies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(count: int) -> dict[str, float | str]:
    directory = Path(tempfile.mkdtemp(prefix=f"mockclaude-rec{count}-"))
    try:
        started = time.perf_counter()
        bodies = generate(directory, count)
        generated = time.perf_counter() - started
        cold = start_once(directory, bodies, count)
        warm = start_once(directory, bodies, count)
        store = RecordingStore(directory)
        lookups = [bodies[i % count] for i in range(0, 20_000 * 7, 7)]
        misses = [{**b, "max_tokens": 7} for b in lookups[:10_000]]
        t = time.perf_counter()
        hits = sum(store.find("POST", "/v1/messages", b) is not None for b in lookups)
        hit_us = (time.perf_counter() - t) / len(lookups) * 1e6
        t = time.perf_counter()
        missed = sum(store.find("POST", "/v1/messages", b) is None for b in misses)
        miss_us = (time.perf_counter() - t) / len(misses) * 1e6
        assert hits == len(lookups) and missed == len(misses)
        return {
            "recordings": count,
            "generate s": generated,
            "cold start s": cold[0],
            "warm start s": warm[0],
            "RSS MiB": warm[1],
            "replayed": "yes" if cold[2] and warm[2] else "NO",
            "match hit µs": hit_us,
            "match miss µs": miss_us,
        }
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def start_once(directory: Path, bodies: list[dict], count: int) -> tuple[float, float, bool]:
    """(seconds from launch to the first answer, RSS MiB then, whether a recorded request replays)."""
    port = free_port()
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "k"}
    launched = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockclaude",
            "serve",
            "--port",
            str(port),
            "--latency",
            "instant",
            "--recordings",
            str(directory),
            "--log-level",
            "warning",
        ],
    )
    try:
        while True:
            try:
                if (
                    httpx2.get(f"http://127.0.0.1:{port}/v1/models", headers=headers, timeout=0.5).status_code
                    == 200
                ):
                    break
            except httpx2.TransportError:
                time.sleep(0.005)
            if process.poll() is not None or time.perf_counter() - launched > 300:
                raise RuntimeError("server did not start")
        startup = time.perf_counter() - launched
        rss = rss_mib(process.pid)
        probe = bodies[count // 2]
        answer = httpx2.post(
            f"http://127.0.0.1:{port}/v1/messages", content=orjson.dumps(probe), headers=headers
        )
        replayed = answer.json()["id"] == f"msg_01Scale{count // 2:016d}"
    finally:
        process.terminate()
        process.wait(15)
    return startup, rss, replayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    rows = [measure(n) for n in args.sizes]
    keys = list(rows[0])
    lines = [
        "# Recording sets at scale (`make bench-recordings`)",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; command: "
        f"`python loadtests/bench/recordings_scale.py --sizes {' '.join(map(str, args.sizes))}`",
        "- start-up: process launch to the first answer; cold = first start on the set, warm = the next one",
        "  (the parsed recordings are reused from the cache for unchanged files); RSS right after the warm start;",
        "  match: mean `RecordingStore.find` time in-process over 20,000 hits and 10,000 misses.",
        "",
        "| " + " | ".join(keys) + " |",
        "|" + "---:|" * len(keys),
    ]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(
                f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
                for v in row.values()
            )
            + " |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
