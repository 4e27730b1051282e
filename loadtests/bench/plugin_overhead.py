"""What a test costs: per-test overhead of the pytest plugin's fixtures, next to ``responses`` and VCR.py.

    python loadtests/bench/plugin_overhead.py [--tests 200] [--repeat 3]

For each style a test file with N tests (one ``messages.create``-sized call each) is generated in a temporary
folder and run by pytest in a subprocess, whose conftest times the test loop (set-up, call and tear-down of
every test; not the interpreter's start, imports or collection). The same file with 1 test is run too: the
per-test cost is ``(loop(N) - loop(1)) / (N - 1)``, and ``loop(1)`` is the first test's (one-time set-up
included). Best of ``--repeat``.

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
import os
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
import time, pathlib, pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        pathlib.Path("loop-seconds").write_text(repr(time.perf_counter() - started))
"""


def run_pytest(folder: Path, path: Path) -> float:
    """The seconds pytest spent in its test loop running ``path``."""
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", path.name],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return float((folder / "loop-seconds").read_text())


def overhead_ms(folder: Path, style: str, count: int, repeat: int, **extra: str) -> tuple[float, float]:
    """(ms per test after the first, ms of the first test) for ``style``, best of ``repeat`` runs."""
    many, one = write_tests(folder, style, count, **extra), write_tests(folder, style, 1, **extra)
    runs = [(run_pytest(folder, many), run_pytest(folder, one)) for _ in range(repeat)]
    per_test = min(max(m - o, 0.0) / (count - 1) for m, o in runs)
    return per_test * 1000, min(o for _, o in runs) * 1000


def record_vcr_cassettes(folder: Path, count: int) -> str:
    """Record the VCR cassettes against a live mock (stopped afterwards): the replay runs need no server."""
    from mockclaude.config import MockConfig
    from mockclaude.testing.mock import MockClaude

    with MockClaude(MockConfig(latency="instant")) as mock:
        server = mock.serve()
        path = write_tests(folder, "vcr", count, base=server.base_url, mode="once")
        run_pytest(folder, path)
        write_tests(folder, "vcr", 1, base=server.base_url, mode="once")
        run_pytest(folder, folder / "test_vcr_1.py")
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
            ms, first = overhead_ms(folder, style, args.tests, args.repeat, **extra)
            rows.append((style, ms, first))
            print(f"{style:20s} {ms:8.2f} ms per test, first test {first:8.1f} ms", flush=True)
    lines = [
        "# Per-test overhead of the pytest plugin",
        "",
        f"`python loadtests/bench/plugin_overhead.py --tests {args.tests} --repeat {args.repeat}` "
        f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, shared machine: figures vary with load).",
        "",
        f"Per test: `(loop({args.tests}) - loop(1)) / {args.tests - 1}`; first test: `loop(1)`, one-time set-up included.",
        "",
        "| style | ms per test | first test (ms) |",
        "|---|---:|---:|",
        *(f"| `{style}` | {ms:.2f} | {first:.1f} |" for style, ms, first in rows),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
