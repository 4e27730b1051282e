"""Dollars from returned usage with the mock's price table (`mocks/content/data/models.yaml`), and a spending cap."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mockclaude.config import DEFAULT_CATALOG
from mockclaude.protocol.catalog import ModelCatalog


@cache
def _catalog() -> ModelCatalog:
    return ModelCatalog.load(DEFAULT_CATALOG)


def cost_usd(model: str, usage: dict[str, Any]) -> float:
    """List-price cost of one answer; an unknown model raises (no silent zero for an unpriced model)."""
    spec = _catalog().get(model)
    if spec is None:
        raise KeyError(f"model {model!r} is not in the price table {DEFAULT_CATALOG}")
    return spec.price.cost(usage)


def total_tokens(usage: dict[str, Any]) -> int:
    keys = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    return sum(int(usage.get(key) or 0) for key in keys)


class BudgetSpent(Exception):
    """No request may be sent any more: the request cap or the dollar budget is used up."""


@dataclass
class Budget:
    """A hard cap on requests and on dollars; `spend` adds one answer's cost from its usage."""

    max_requests: int
    max_usd: float
    requests: int = 0
    spent_usd: float = 0.0

    def allow(self) -> None:
        """Call before each request: raises once either cap is reached."""
        if self.requests >= self.max_requests:
            raise BudgetSpent(f"request cap reached ({self.requests}/{self.max_requests})")
        if self.spent_usd >= self.max_usd:
            raise BudgetSpent(f"dollar budget spent (${self.spent_usd:.4f} of ${self.max_usd:.4f})")
        self.requests += 1

    def spend(self, model: str, usage: dict[str, Any]) -> float:
        cost = cost_usd(model, usage)
        self.spent_usd += cost
        return cost
