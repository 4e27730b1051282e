"""The live subset's caps: requests and dollars (usage × the price table in mocks/content/data/models.yaml)."""

from __future__ import annotations

import pytest

from tests.contract.budget import Budget, BudgetSpent, cost_usd, total_tokens

# claude-haiku-4-5 lists at $1 per million input tokens and $5 per million output tokens.
USAGE = {"input_tokens": 1_000_000, "output_tokens": 200_000, "cache_read_input_tokens": 0}


def test_cost_from_usage_uses_the_price_table() -> None:
    assert cost_usd("claude-haiku-4-5", USAGE) == pytest.approx(1.0 + 1.0)
    assert cost_usd("claude-haiku-4-5-20251001", USAGE) == cost_usd("claude-haiku-4-5", USAGE)
    assert total_tokens(USAGE) == 1_200_000


def test_unknown_model_is_not_free() -> None:
    with pytest.raises(KeyError, match="not in the price table"):
        cost_usd("claude-unpriced-1", USAGE)


def test_request_cap_stops_requests() -> None:
    budget = Budget(max_requests=2, max_usd=100)
    budget.allow()
    budget.allow()
    with pytest.raises(BudgetSpent, match="request cap reached"):
        budget.allow()


def test_dollar_budget_stops_requests_once_spent() -> None:
    budget = Budget(max_requests=100, max_usd=3.0)
    budget.allow()
    assert budget.spend("claude-haiku-4-5", USAGE) == pytest.approx(2.0)
    budget.allow()
    budget.spend("claude-haiku-4-5", USAGE)
    with pytest.raises(BudgetSpent, match=r"dollar budget spent \(\$4\.0000 of \$3\.0000\)"):
        budget.allow()
