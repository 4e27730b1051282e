"""Contract tests: the summary report is written at the end of the session and shown in the terminal."""

from __future__ import annotations

import pytest

from tests.contract.reporting import REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    path = REPORT.write()
    if path is None:
        return
    terminalreporter.section("contract summary")
    terminalreporter.write_line(f"profile {REPORT.profile}; full report with curl reproductions: {path}")
    for operation in sorted(REPORT.cases):
        failed = sum(bad for _, bad in REPORT.outcomes[operation].values())
        terminalreporter.write_line(
            f"  {operation:55} {REPORT.total_cases(operation):5} cases  {failed} failed check results"
        )
