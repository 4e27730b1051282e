"""The scenario format: bad files are refused naming the file, the step and the field; a scenario whose
expectations the answer misses fails naming the step and the assertion, with a curl reproduction."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.scenarios import runner
from tests.support.readme_blocks import block

GOOD_STEP = """
  - name: hello
    request:
      method: POST
      path: /v1/messages
      body: {model: claude-haiku-4-5, max_tokens: 16, messages: [{role: user, content: "Hello, Claude"}]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("second_step", "step_and_field"),
    [
        ("    expect: {status: ok}", "step 2 ('second'): field expect.status"),
        ("    expect: {stauts: 200}", "step 2 ('second'): field expect: Additional properties"),
        (
            "    expect: {json: [{path: 'content[0', equals: 1}]}",
            "step 2 ('second'): field expect.json[0].path",
        ),
        ("    expect: {json: [{path: type}]}", "step 2 ('second'): field expect.json[0]"),
        ("    extract: {id: 'content..id'}", "step 2 ('second'): field extract.id"),
        ("    expect: {latency_ms_under: -1}", "step 2 ('second'): field expect.latency_ms_under"),
    ],
)
def test_bad_step_is_named(tmp_path: Path, second_step: str, step_and_field: str) -> None:
    text = f"name: bad\nsteps:{GOOD_STEP}  - name: second\n    request: {{method: GET, path: /v1/models}}\n{second_step}\n"
    path = write(tmp_path, text)
    with pytest.raises(runner.ScenarioError) as error:
        runner.load(path)
    assert str(error.value).startswith(f"{path}: {step_and_field}"), str(error.value)


def test_unknown_variable_is_named(tmp_path: Path) -> None:
    step = GOOD_STEP.replace("claude-haiku-4-5", "'${model}'")
    path = write(tmp_path, f"name: bad\nsteps:{step}")
    with pytest.raises(
        runner.ScenarioError,
        match=r"step 1 \('hello'\): field request.body.model: unknown variable \$\{model\}",
    ):
        runner.load(path)


def test_variable_from_an_earlier_extraction_is_known(tmp_path: Path) -> None:
    second = GOOD_STEP.replace("Hello, Claude", "${first}")
    text = f"name: ok\nsteps:{GOOD_STEP}    extract: {{first: id}}\n{second}"
    assert len(runner.load(write(tmp_path, text)).steps) == 2


def test_missing_request_and_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "name: bad\nsteps:\n  - name: lonely\n")
    with pytest.raises(
        runner.ScenarioError, match=r"step 1 \('lonely'\): field <the step itself>: 'request' is a required"
    ):
        runner.load(path)
    path.write_text("name: [unclosed\n")
    with pytest.raises(runner.ScenarioError, match="not valid YAML"):
        runner.load(path)


@pytest.mark.parametrize(
    ("expect", "problem"),
    [
        ("{status: 201}", "status: expected 201, got 200"),
        ("{json: [{path: stop_reason, equals: tool_use}]}", "json[0] stop_reason: expected 'tool_use'"),
        ("{json: [{path: model, matches: '^gpt'}]}", "does not match /^gpt/"),
        ("{json: [{path: 'content[type=tool_use].id', exists: true}]}", "exists should be True"),
        ("{text_contains: [zebra]}", "text_contains: 'zebra' not in the answer's text"),
        ("{headers_present: [x-nonexistent]}", "headers_present: no 'x-nonexistent' header"),
        ("{tokens_under: 2}", "tokens_under:"),
        ("{cost_usd_under: 0.0000001}", "cost_usd_under:"),
        ("{latency_ms_under: 0.001}", "latency_ms_under: took"),
    ],
)
def test_missed_expectation_fails_with_step_and_curl(
    tmp_path: Path, scenario_target: runner.Target, expect: str, problem: str
) -> None:
    scenario = runner.load(write(tmp_path, f"name: strict\nsteps:{GOOD_STEP}    expect: {expect}\n"))
    with httpx2.Client() as client, pytest.raises(runner.StepFailed) as failure:
        runner.run(scenario, scenario_target, client)
    message = str(failure.value)
    assert "step 1 ('hello')" in message and problem in message, message
    assert "reproduce: curl -sS -X POST" in message and "$ANTHROPIC_API_KEY" in message


def test_extraction_feeds_the_next_step(tmp_path: Path, scenario_target: runner.Target) -> None:
    text = (
        "name: chain\nsteps:\n"
        "  - name: list\n    request: {method: GET, path: /v1/models}\n    extract: {first: 'data[0].id'}\n"
        "  - name: get\n    request: {method: GET, path: '/v1/models/${first}'}\n"
        "    expect: {status: 200, json: [{path: type, equals: model}]}\n"
    )
    with httpx2.Client() as client:
        log = runner.run(runner.load(write(tmp_path, text)), scenario_target, client)
    assert len(log) == 2


def test_readme_example_runs(tmp_path: Path, scenario_target: runner.Target) -> None:
    path = write(tmp_path, block("yaml", "name: calculator tool round trip"))
    with httpx2.Client() as client:
        assert len(runner.run(runner.load(path), scenario_target, client)) == 1


def test_bad_file_is_a_collection_error_naming_file_step_and_field(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "from tests.scenarios.conftest import ScenarioFile\n\n"
        "def pytest_collect_file(parent, file_path):\n"
        "    if file_path.suffix == '.yaml':\n"
        "        return ScenarioFile.from_parent(parent, path=file_path)\n"
    )
    pytester.makefile(
        ".yaml",
        bad="name: x\nsteps:\n  - name: ask\n    request: {method: GET, path: /v1/models}\n    expect: {status: ok}\n",
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*bad.yaml: step 1 ('ask'): field expect.status: 'ok' is not valid*"])
    assert "Traceback" not in result.stdout.str()
