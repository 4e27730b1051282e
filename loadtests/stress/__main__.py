"""``make stress``: every attack of issue 15 against a fresh mock on loopback, then a table.

    python -m loadtests.stress [--scale 1.0] [--only NAME ...] [--out loadtests/stress/results/latest.md]

Exit 1 if any attack got a 5xx, a hang or a wrong answer. Bounded in time: every wait has a hang guard
(``HANG_S``); at scale 1 the whole run takes a few minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from loadtests.stress.attacks import ATTACKS, run_attack, table


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.stress", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every count (default 1: the issue's)"
    )
    parser.add_argument(
        "--only", nargs="*", default=(), help="attacks whose name contains one of these words"
    )
    parser.add_argument("--out", type=Path, default=Path("loadtests/stress/results/latest.md"))
    args = parser.parse_args()
    chosen = [a for a in ATTACKS if not args.only or any(w.lower() in a.name.lower() for w in args.only)]
    results = []
    started = time.monotonic()
    for attack in chosen:
        print(f"stress: {attack.name} (defect {attack.defect})...", file=sys.stderr, flush=True)
        results.append(run_attack(attack, args.scale))
    text = table(results)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    took = time.monotonic() - started
    args.out.write_text(f"# make stress (scale {args.scale:g}, {took:.0f} s)\n\n{text}\n")
    bad = [r for r in results if r.counts.errors_5xx or r.counts.hangs or r.counts.wrong or r.health_hangs]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
