"""What a test costs: per-test overhead of the pytest plugin's fixtures, next to ``responses`` and VCR.py.

    python loadtests/bench/plugin_overhead.py [--tests 200] [--repeat 3]

For each style a test file with N tests (one ``messages.create``-sized call each) is generated in a temporary
folder and run by pytest in a subprocess, whose conftest times each test's whole protocol (set-up, call and
tear-down; not the interpreter's start, imports or collection). Reported: the median and the mean per test
after the first, and the first test (one-time set-up included: imports, building the mock). Best of
``--repeat`` runs (by mean).

Styles
    ``mockclaude_client``   the plugin's in-process client (the SDK, strict validation, no socket)
    ``mockclaude_server``   the plugin's live server on a loopback port, the SDK reading ANTHROPIC_BASE_URL
    ``mockclaude_session``  a run-scoped mock reset between tests, in-process client
    ``responses``           ``requests`` against a canned JSON Message registered with ``responses``
    ``vcr``                 ``requests`` replayed by VCR.py from cassettes recorded here against a live mock

A benchmark, not a test: it prints figures (and writes ``results/plugin-overhead.md``), never fails on them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results") / "plugin-overhead.md"
BODY = '{"model": "claude-haiku-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi %d"}]}'
CANNED = (
    '{"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-haiku-4-5", '
    '"content": [{"type": "text", "text": "Hello"}], "stop_reason": "end_turn", "stop_sequence": null, '
    '"usage": {"input_tokens": 8, "output_tokens": 2}}'
)
HEADERS = '{"x-api-key": "sk-test", "anthropic-version": "2023-06-01", "content-type": "application/json"}'

SDK_CALL = """
    message = client.messages.create(
        model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "Hi %(i)d"}]
    )
    assert message.content
"""

STYLES: dict[str, tuple[str, str]] = {
    # style: (module header, one test with %(i)d)
    "mockclaude_client": (
        "",
        "def test_%(i)d(mockclaude_client):\n    client = mockclaude_client" + SDK_CALL,
    ),
    "mockclaude_server": (
        "import anthropic\n",
        "def test_%(i)d(mockclaude_server):\n    client = anthropic.Anthropic()" + SDK_CALL,
    ),
    "mockclaude_session": (
        "",
        "def test_%(i)d(mockclaude_session):\n    client = mockclaude_session.client()" + SDK_CALL,
    ),
    "responses": (
        f"import requests, responses\nHEADERS = {HEADERS}\nCANNED = {CANNED!r}\n",
        "@responses.activate\ndef test_%(i)d():\n"
        "    responses.post('https://api.anthropic.com/v1/messages', body=CANNED, content_type='application/json')\n"
        "    r = requests.post('https://api.anthropic.com/v1/messages', headers=HEADERS, data=%(body)r)\n"
        "    assert r.json()['content']\n",
    ),
    "vcr": (
        f"import requests, vcr\nHEADERS = {HEADERS}\nBASE = %(base)r\n",
        "def test_%(i)d():\n"
        "    with vcr.use_cassette('cassettes/test_%(i)d.yaml', record_mode=%(mode)r):\n"
        "        r = requests.post(BASE + '/v1/messages', headers=HEADERS, data=%(body)r)\n"
        "    assert r.json()['content']\n",
    ),
}


def write_tests(folder: Path, style: str, count: int, **extra: str) -> Path:
    header, test = STYLES[style]
    path = folder / f"test_{style}_{count}.py"
    parts = [header % extra if "%(" in header else header]
    for i in range(count):
        parts.append(test % {"i": i, "body": BODY % i, **extra})
    path.write_text("\n\n".join(parts), encoding="utf-8")
    return path


CONFTEST = """
import json, pathlib, time, pytest

TIMES = []

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        TIMES.append(time.perf_counter() - started)

def pytest_unconfigure(config):
    pathlib.Path("test-seconds.json").write_text(json.dumps(TIMES))
"""


def run_pytest(folder: Path, path: Path) -> list[float]:
    """The seconds each test of ``path`` took (set-up, call, tear-down), in order."""
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", path.name],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return [float(t) for t in json.loads((folder / "test-seconds.json").read_text())]


def overhead_ms(
    folder: Path, style: str, count: int, repeat: int, **extra: str
) -> tuple[float, float, float]:
    """(median, mean) ms per test after the first, and the first test's ms, for ``style``."""
    path = write_tests(folder, style, count, **extra)
    runs = [run_pytest(folder, path) for _ in range(repeat)]
    best = min(runs, key=lambda times: statistics.fmean(times[1:]))
    rest = best[1:]
    return statistics.median(rest) * 1000, statistics.fmean(rest) * 1000, best[0] * 1000


def record_vcr_cassettes(folder: Path, count: int) -> str:
    """Record the VCR cassettes against a live mock (stopped afterwards): the replay runs need no server."""
    from mockclaude.config import MockConfig
    from mockclaude.testing.mock import MockClaude

    with MockClaude(MockConfig(latency="instant")) as mock:
        server = mock.serve()
        path = write_tests(folder, "vcr", count, base=server.base_url, mode="once")
        run_pytest(folder, path)
        return server.base_url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--styles", nargs="*", default=list(STYLES))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="mockclaude-plugin-bench-") as tmp:
        folder = Path(tmp)
        (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
        for style in args.styles:
            extra = {}
            if style == "vcr":
                extra = {"base": record_vcr_cassettes(folder, args.tests), "mode": "none"}
            median, mean, first = overhead_ms(folder, style, args.tests, args.repeat, **extra)
            rows.append((style, median, mean, first))
            print(
                f"{style:20s} median {median:7.2f} ms, mean {mean:7.2f} ms per test; first test {first:8.1f} ms",
                flush=True,
            )
    lines = [
        "# Per-test overhead of the pytest plugin",
        "",
        f"`python loadtests/bench/plugin_overhead.py --tests {args.tests} --repeat {args.repeat}` "
        f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, shared machine: figures vary with load).",
        "",
        f"Per test: set-up + call + tear-down of tests 2..{args.tests}; first test: one-time set-up included "
        f"(imports, building the mock). Load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        "| style | median ms per test | mean ms per test | first test (ms) |",
        "|---|---:|---:|---:|",
        *(f"| `{style}` | {m:.2f} | {a:.2f} | {f:.1f} |" for style, m, a, f in rows),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
