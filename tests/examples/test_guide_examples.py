"""The guide's examples (``examples/``), run offline against the mock: as scripts against a live server
(``ANTHROPIC_BASE_URL``), and through their functions with in-process clients for closer checks."""

from __future__ import annotations

import asyncio
import re
import runpy
from pathlib import Path
from typing import Any

import anthropic
import pytest

from mockclaude.testing.mock import MockClaude

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))

# What each script prints when run against the mock (from the shipped recordings and rules).
PRINTS = {
    "hello_world.py": [r"^Hello! It's nice to meet you\. How can I help you today\?$"],
    "fibonacci.py": [r"^def fibonacci\(n: int\) -> int:$", r"^fibonacci\(10\) = 55$"],
    "calculator_tool.py": [r"^calculator\('15 \* 23'\)$", r"^15 \* 23 = 345\.$"],
    "retry_backoff.py": [
        r"^attempt 1: 429 RateLimitError; retrying in 0\.10 s$",
        r"^attempt 2: 529 OverloadedError",
    ],
    "multi_agent.py": [r"^## Fetch user data$", r"^## Design login page$", r"^A clean login page needs"],
    "prompt_cache.py": [
        r"^input \d+, cache write [1-9]\d*, cache read 0,",
        r"^input \d+, cache write 0, cache read [1-9]\d*,",
    ],
    "customer_service.py": [r"^bot: .*Your order A-1042: shipped on 20 November, arriving Friday\."],
    "cost_estimate.py": [r"^total \$0\.\d{6}$"],
}


def example(name: str) -> dict[str, Any]:
    """The example's functions, without running its ``__main__`` block."""
    return runpy.run_path(str(EXAMPLES / name))


def test_every_example_is_checked() -> None:
    assert sorted(PRINTS) == SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_against_the_live_mock(
    script: str, mockclaude_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    printed = capsys.readouterr().out
    for pattern in PRINTS[script]:
        assert re.search(pattern, printed, re.MULTILINE), f"{script} did not print {pattern!r}:\n{printed}"
    assert mockclaude_server.journal.messages(), f"{script} sent nothing to the mock"


def test_fibonacci_code_computes_the_sequence(mockclaude_client: Any) -> None:
    fibonacci = example("fibonacci.py")["main"](mockclaude_client)
    expected = [0, 1]
    while len(expected) < 15:
        expected.append(expected[-1] + expected[-2])
    assert [fibonacci(n) for n in range(15)] == expected


def test_calculator_tool_loop(mockclaude_client: Any, mockclaude_journal: Any) -> None:
    calculator = example("calculator_tool.py")
    assert calculator["calculate"]("2 + 3 * 4 - -1") == "15"
    with pytest.raises(ValueError, match="unsupported"):
        calculator["calculate"]("__import__('os')")
    assert calculator["main"](mockclaude_client) == "15 * 23 = 345."
    first, second = mockclaude_journal.messages()
    assert first["tools"][0]["name"] == "calculator"
    result = second["messages"][-1]["content"][0]
    assert (result["type"], result["content"]) == ("tool_result", "345")


def test_retry_backoff_through_429_and_529(mockclaude: MockClaude) -> None:
    retry = example("retry_backoff.py")
    client = mockclaude.client(max_retries=0)
    mockclaude.faults.add("429; times=1; retry_after=0.01")
    mockclaude.faults.add("529; times=2; retry_after=0.01")
    assert retry["main"](client).content[0].text
    assert [e["status"] for e in mockclaude.journal.entries("/v1/messages")] == [429, 529, 200]

    mockclaude.reset()
    mockclaude.faults.add("529; retry_after=0.01")  # never recovers
    with pytest.raises(anthropic.OverloadedError):
        retry["create_with_backoff"](
            client,
            attempts=3,
            model="claude-haiku-4-5",
            max_tokens=64,
            messages=[{"role": "user", "content": "hi"}],
        )
    assert len(mockclaude.journal.messages()) == 3


def test_multi_agent_fan_out(mockclaude_async_client: Any, mockclaude_journal: Any) -> None:
    multi = example("multi_agent.py")
    results = asyncio.run(multi["orchestrate"](mockclaude_async_client, multi["SUBTASKS"]))
    assert list(results) == multi["SUBTASKS"]
    assert results["Design login page"].startswith("A clean login page needs")
    assert sorted(m["messages"][0]["content"] for m in mockclaude_journal.messages()) == sorted(
        multi["SUBTASKS"]
    )


def test_prompt_cache_helper_writes_then_reads(mockclaude_client: Any) -> None:
    first, second = example("prompt_cache.py")["main"](mockclaude_client)
    assert first.usage.cache_creation_input_tokens > 0 and first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0


def test_customer_service_bot_uses_its_tool(mockclaude_client: Any, mockclaude_journal: Any) -> None:
    bot_module = example("customer_service.py")
    answer = bot_module["main"](mockclaude_client)
    assert bot_module["ORDERS"]["A-1042"] in answer
    entries = mockclaude_journal.entries("/v1/messages")
    assert [e["origin"] for e in entries] == ["rule:order-status-tool-loop"] * 2
    assert entries[1]["request"]["body"]["messages"][-1]["content"][0]["type"] == "tool_result"


def test_cost_estimate_matches_the_mocks_own_accounting(mockclaude: MockClaude) -> None:
    total = example("cost_estimate.py")["main"](mockclaude.client())
    assert total > 0
    assert total == pytest.approx(
        mockclaude.admin.stats()["cost_usd"]["total"], abs=1e-6
    )  # stats round to 1e-6
    assert total == pytest.approx(
        sum(e["cost_usd"] for e in mockclaude.journal.entries("/v1/messages")), rel=1e-9
    )
