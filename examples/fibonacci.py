"""A code request: ask for a recursive Fibonacci function, then run the code that comes back."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

import anthropic

PROMPT = "Write a recursive Python function to calculate the nth Fibonacci number."


def extract_code(text: str) -> str:
    """The first fenced Python block of an answer."""
    match = re.search(r"```(?:python)?\n(.*?)```", text, re.DOTALL)
    if match is None:
        raise ValueError("the answer has no code block")
    return match.group(1)


def main(client: anthropic.Anthropic | None = None) -> Callable[[int], int]:
    client = client or anthropic.Anthropic()
    message = client.messages.create(
        model="claude-haiku-4-5", max_tokens=1024, messages=[{"role": "user", "content": PROMPT}]
    )
    code = extract_code(message.content[0].text)  # type: ignore[union-attr]
    print(code)
    namespace: dict[str, object] = {}
    exec(code, namespace)  # only ever run code you trust; here: the mock's or your own recording
    name = next(k for k, v in namespace.items() if callable(v) and "fib" in k.lower())
    function = cast(Callable[[int], int], namespace[name])
    print("fibonacci(10) =", function(10))
    return function


if __name__ == "__main__":
    main()
