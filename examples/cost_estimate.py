"""The cost of a conversation: each answer's ``usage`` priced with the list prices of the model catalog."""

from __future__ import annotations

from typing import Any

import anthropic

from mockclaude.config import DEFAULT_CATALOG
from mockclaude.protocol.catalog import ModelCatalog

QUESTIONS = [
    "What is 17 * 23?",
    "Explain TCP slow start in two sentences.",
    "Thanks! Summarise that in one line.",
]


def conversation_cost(
    client: anthropic.Anthropic, questions: list[str], model: str = "claude-haiku-4-5"
) -> float:
    catalog = ModelCatalog.load(DEFAULT_CATALOG)
    messages: list[dict[str, Any]] = []
    total = 0.0
    for question in questions:
        messages.append({"role": "user", "content": question})
        message = client.messages.create(model=model, max_tokens=300, messages=messages)  # type: ignore[arg-type]
        messages.append({"role": "assistant", "content": message.content})
        spec = catalog.get(message.model)
        if spec is None:
            raise LookupError(f"{message.model} is not in the catalog ({DEFAULT_CATALOG})")
        cost = spec.price.cost(message.usage.model_dump())
        total += cost
        print(
            f"{message.usage.input_tokens:>5} in {message.usage.output_tokens:>4} out  ${cost:.6f}  "
            f"(${spec.price.input}/${spec.price.output} per MTok)"
        )
    print(f"total ${total:.6f}")
    return total


def main(client: anthropic.Anthropic | None = None) -> float:
    return conversation_cost(client or anthropic.Anthropic(), QUESTIONS)


if __name__ == "__main__":
    main()
