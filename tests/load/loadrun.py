"""Running the real Locust CLI on loadtests/ against a real mock, and reading what it wrote."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

REPO = Path(__file__).resolve().parents[2]
LOCUSTFILE = REPO / "loadtests" / "locustfile.py"
DATA = REPO / "loadtests" / "data" / "scenarios.yaml"


def locust_cmd(out: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--out-dir",
        str(out),
        "--progress-s",
        "0",
        *args,
    ]


def run_locust(out: Path, host: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A headless run; Locust's CSV files go to out/locust_*.csv, ours next to them."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = locust_cmd(out, "--host", host, "--headless", "--only-summary", "--csv", str(out / "locust"), *args)
    return subprocess.run(cmd, cwd=out, capture_output=True, text=True, timeout=timeout)


def scenarios(tmp: Path, **sections: Any) -> Path:
    """The shipped data file with some sections replaced (prompts and sizes a test needs)."""
    data = yaml.safe_load(DATA.read_text())
    data.update(sections)
    path = tmp / "scenarios.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def lines(path: Path, kind: str = "request") -> list[dict[str, Any]]:
    with path.open("rb") as f:
        return [row for row in (orjson.loads(x) for x in f if x.strip()) if row.get("kind") == kind]


def summary(out: Path) -> dict[str, Any]:
    return orjson.loads((out / "summary.json").read_bytes())


def locust_rows(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    """Locust's own stats CSV: (type, name) -> row; the total is ("", "Aggregated")."""
    with (out / "locust_stats.csv").open() as f:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(f)}
