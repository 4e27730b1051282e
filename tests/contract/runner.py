"""`make contract`: the thorough contract run against a server over HTTP, with JUnit XML and the summary.

    python tests/contract/runner.py [--url URL] [--key KEY] [--profile thorough|fast] [pytest args...]

Without `--url` it starts the mock on a free loopback port with the contract settings
(`contract.target.MOCK_FLAGS`) and stops it afterwards. The scenarios run too: against `--url` when given,
otherwise against their own mock (they need strict validation, which the contract mock relaxes).
Reports: `reports/contract-junit.xml` and `reports/contract-summary.md`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS.parent))  # the repository root, so `tests` imports as a package

from tests.contract import target  # noqa: E402
from tests.support.server import start_server, stop_server  # noqa: E402

REPORTS = TESTS.parent / "reports"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="", help="server under test (default: a mock started here)")
    parser.add_argument("--key", default="", help="API key to send (default: the contract mock's)")
    parser.add_argument("--profile", default="thorough", choices=["fast", "thorough"])
    args, pytest_args = parser.parse_known_args(argv)
    REPORTS.mkdir(exist_ok=True)
    server = None
    env = {**os.environ, "MOCKCLAUDE_CONTRACT_PROFILE": args.profile}
    if args.url:
        env.update(MOCKCLAUDE_CONTRACT_URL=args.url, MOCKCLAUDE_SCENARIO_URL=args.url)
        if args.key:
            env.update(MOCKCLAUDE_CONTRACT_KEY=args.key, MOCKCLAUDE_SCENARIO_KEY=args.key)
    else:
        server = start_server(REPORTS, *target.MOCK_FLAGS.split())
        env["MOCKCLAUDE_CONTRACT_URL"] = server.base_url
        print(f"contract: mock started on {server.base_url} ({target.MOCK_FLAGS}); log {server.log}")
    started = time.monotonic()
    try:
        command = [
            sys.executable,
            "-m",
            "pytest",
            "tests/contract",
            "tests/scenarios",
            "-p",
            "no:cacheprovider",
        ]
        command += ["-q", "-rfEs", f"--junitxml={REPORTS / 'contract-junit.xml'}", *pytest_args]
        code = subprocess.call(command, env=env, cwd=TESTS.parent)
    finally:
        if server is not None:
            stop_server(server)
    print(f"contract: profile {args.profile}, {time.monotonic() - started:.0f} s, exit {code}")
    print("contract: reports/contract-junit.xml, reports/contract-checks.xml, reports/contract-summary.md")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
