"""A prompt cache helper: mark a long, stable system prompt cacheable and report what the cache did.

The first call writes the prefix to the cache (``cache_creation_input_tokens``); calls within the
cache's lifetime (5 minutes, refreshed on every read) read it (``cache_read_input_tokens``), billed at a
tenth of the input price.
"""

from __future__ import annotations

from typing import Any

import anthropic

HANDBOOK = " ".join(
    f"Rule {n}: refunds for order class {n} are granted within {n % 30 + 1} days of delivery when the item is unused."
    for n in range(1, 301)
)


def cached_system(text: str) -> list[dict[str, Any]]:
    """A system prompt whose whole text is one cache breakpoint."""
    return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]


def ask_with_cache(client: anthropic.Anthropic, document: str, question: str) -> anthropic.types.Message:
    message = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=300,
        system=cached_system(document),  # type: ignore[arg-type]
        messages=[{"role": "user", "content": question}],
    )
    usage = message.usage
    print(
        f"input {usage.input_tokens}, cache write {usage.cache_creation_input_tokens}, "
        f"cache read {usage.cache_read_input_tokens}, output {usage.output_tokens}"
    )
    return message


def main(client: anthropic.Anthropic | None = None) -> list[anthropic.types.Message]:
    client = client or anthropic.Anthropic()
    questions = ["How long do refunds take for order class 7?", "And for order class 12?"]
    return [ask_with_cache(client, HANDBOOK, q) for q in questions]


if __name__ == "__main__":
    main()
