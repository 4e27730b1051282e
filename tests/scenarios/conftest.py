"""Collect `tests/scenarios/*.yaml` as tests: one test per scenario file, its steps run in order.

Target: a mock started for the session on a free loopback port (instant latency, one API key, so that
auth errors can be scripted), or any server with `MOCKCLAUDE_SCENARIO_URL` (key: `MOCKCLAUDE_SCENARIO_KEY`).
A bad scenario file is a collection error naming the file, the step and the field.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.scenarios import runner
from tests.support.server import start_server, stop_server

MOCK_KEY = "sk-ant-scenario"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent == Path(__file__).parent:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            scenario = runner.load(self.path)
        except runner.ScenarioError as exc:  # a collection error naming file, step and field, no traceback
            raise self.CollectError(str(exc)) from None

        def test_scenario(scenario_target: runner.Target) -> None:
            with httpx2.Client(timeout=60) as client:
                runner.run(scenario, scenario_target, client)

        yield pytest.Function.from_parent(self, name=scenario.name, callobj=test_scenario)


@pytest.fixture(scope="session")
def scenario_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[runner.Target]:
    url = os.environ.get("MOCKCLAUDE_SCENARIO_URL")
    if url:
        yield runner.Target(url, os.environ.get("MOCKCLAUDE_SCENARIO_KEY", "sk-ant-anything"))
        return
    server = start_server(tmp_path_factory.mktemp("scenarios"), "--latency", "instant", "--api-key", MOCK_KEY)
    yield runner.Target(server.base_url, MOCK_KEY)
    stop_server(server)
