"""The contract run's readable summary: operations × checks, cases per operation and phase, and each
failure with a curl command that reproduces it. Fed by a schemathesis `after_validate` hook (every check
result of every response), written at the end of the session to `reports/contract-summary.md`
(`MOCKCLAUDE_CONTRACT_REPORT`), and as JUnit XML with one test case per operation × check
(`reports/contract-checks.xml`); pytest's own JUnit file comes from `--junitxml` (see `make contract`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from schemathesis.core.failures import Failure

from tests.contract import target
from tests.contract.curl import curl

REPORT_PATH = Path(os.environ.get("MOCKCLAUDE_CONTRACT_REPORT", "reports/contract-summary.md"))
IN_PROCESS_BASE = "http://testserver"  # what schemathesis puts in curl commands for an ASGI app
MOCK_BASE = "http://127.0.0.1:4010"  # where `make mock` serves


@dataclass
class ContractReport:
    cases: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    outcomes: dict[str, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # operation -> phase -> status classes seen ("2xx", "4xx", ...)
    statuses: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    profile: str = ""

    def record(self, case: Any, response: Any, results: list[Any]) -> None:
        operation = case.operation.label
        phase = case.meta.phase.name.value if case.meta is not None else "explicit"
        self.cases[operation][phase].add(case.id)
        self.statuses[operation][phase].add(f"{response.status_code // 100}xx")
        for result in results:
            passed = result.failure is None
            self.outcomes[operation][result.name][0 if passed else 1] += 1
            if not passed:
                self._failure(operation, result.name, result.failure, case, response)

    def _failure(self, operation: str, check: str, failure: Failure, case: Any, response: Any) -> None:
        key = (operation, check, failure.title)
        if key in self.failures:
            return
        request = response.request
        url = str(request.url)
        if target.base_url() is None:
            url = url.replace(IN_PROCESS_BASE, MOCK_BASE)
        body = request.body.encode() if isinstance(request.body, str) else request.body
        command = curl(request.method, url, request.headers, body, REPORT_PATH.parent / "contract-bodies")
        answer = response.content[:400].decode(errors="replace")
        self.failures[key] = (
            f"{failure.message.strip()}\n\nAnswer: {response.status_code} `{answer}`\n\n```sh\n{command}\n```"
        )

    def total_cases(self, operation: str) -> int:
        return sum(len(ids) for ids in self.cases[operation].values())

    def markdown(self) -> str:
        checks = sorted({name for per_op in self.outcomes.values() for name in per_op})
        phases = sorted({phase for per_op in self.cases.values() for phase in per_op})
        lines = [
            f"# Contract run — profile `{self.profile}` against {target.describe()}",
            "",
            "## Generated cases per operation (and the status classes they got)",
            "",
            "| operation | " + " | ".join(phases) + " | total |",
            "|---|" + "---:|" * (len(phases) + 1),
        ]
        for operation in sorted(self.cases):
            counts = [
                f"{len(self.cases[operation].get(phase, ()))} ({', '.join(sorted(self.statuses[operation][phase]))})"
                for phase in phases
            ]
            lines.append(f"| {operation} | " + " | ".join(counts) + f" | {self.total_cases(operation)} |")
        lines += [
            "",
            "## Checks (passed / failed responses; a check that does not apply to a response counts as passed)",
            "",
            "| operation | " + " | ".join(checks) + " |",
            "|---|" + "---|" * len(checks),
        ]
        for operation in sorted(self.outcomes):
            cells = []
            for name in checks:
                ok, bad = self.outcomes[operation].get(name, [0, 0])
                cells.append(f"{ok} / **{bad}**" if bad else f"{ok} / 0")
            lines.append(f"| {operation} | " + " | ".join(cells) + " |")
        lines += ["", f"## Failures ({len(self.failures)})", ""]
        if not self.failures:
            lines.append("None.")
        if target.base_url() is None and self.failures:
            lines.append(f"Reproduce against `make mock ARGS='{target.MOCK_FLAGS}'`.\n")
        for (operation, check, title), detail in sorted(self.failures.items()):
            lines += [f"### {operation} — `{check}`: {title}", "", detail, ""]
        return "\n".join(lines) + "\n"

    def junit(self) -> ElementTree.ElementTree:
        """One test case per operation × check (pytest's own JUnit file has one per test function)."""
        suite = ElementTree.Element("testsuite", name=f"contract ({self.profile})")
        for operation in sorted(self.outcomes):
            for check, (ok, bad) in sorted(self.outcomes[operation].items()):
                case = ElementTree.SubElement(suite, "testcase", classname=operation, name=check)
                ElementTree.SubElement(case, "system-out").text = f"{ok} responses passed, {bad} failed"
                for (op, name, title), detail in self.failures.items():
                    if (op, name) == (operation, check):
                        ElementTree.SubElement(case, "failure", message=title).text = detail
        failures = sum(1 for case in suite if case.find("failure") is not None)
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failures))
        return ElementTree.ElementTree(suite)

    def write(self) -> Path | None:
        """Write the summary and `contract-checks.xml` (JUnit) next to it; None when nothing ran."""
        if not self.outcomes:
            return None
        REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
        REPORT_PATH.write_text(self.markdown())
        self.junit().write(
            REPORT_PATH.with_name("contract-checks.xml"), encoding="utf-8", xml_declaration=True
        )
        return REPORT_PATH


REPORT = ContractReport()


def attach(schema: Any, profile: str) -> None:
    """Feed REPORT from every response this schema's tests validate."""
    REPORT.profile = profile

    @schema.hook
    def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
        REPORT.record(case, response, results)
