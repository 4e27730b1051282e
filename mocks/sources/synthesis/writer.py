"""Text that reads like an answer: short on-topic templates keyed by the kind of request.

Deterministic: the choice among variants comes from the request seed. It is a mock, but a demo
should look sane: greetings get a greeting, arithmetic gets the result, code requests get code.
"""

from __future__ import annotations

import re

from mockclaude.sources.synthesis.toolcalls import arithmetic

_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|greetings)\b", re.I)
_CODE = re.compile(
    r"\b(code|function|script|program|implement|python|javascript|typescript|sql|regex|class)\b", re.I
)
_SUMMARY = re.compile(r"\b(summari[sz]e|summary|tl;?dr)\b", re.I)
_TOPIC = re.compile(
    r"(?:what (?:is|are)|explain|describe|tell me about|how does|how do|why (?:is|are|does|do))\s+(.+?)[?.!]*$",
    re.I,
)

_CLOSERS = (
    "Let me know if you'd like more detail on any part of this.",
    "I hope that helps; happy to go deeper if you need.",
    "If you share more context, I can tailor the answer further.",
)
_EXTRA = (
    "In practice, the details depend on your constraints, so it is worth checking them against your own case.",
    "A good next step is to try a small example and compare the result with what you expect.",
    "The key idea is to keep things simple first and add complexity only where it pays off.",
)


def _topic(text: str) -> str:
    line = " ".join(text.split())
    m = _TOPIC.search(line)
    topic = (m.group(1) if m else line).strip()
    return topic[:80] or "your question"


def _pick(options: tuple[str, ...], seed: int) -> str:
    return options[seed % len(options)]


def answer_text(user_text: str, seed: int) -> str:
    """The text of an answer to the last user turn."""
    text = user_text.strip()
    if not text:
        return "I'm here and ready to help. What would you like to work on?"
    if _GREETING.match(text) and len(text) < 60:
        return _pick(
            (
                "Hello! I'm Claude, an AI assistant made by Anthropic. How can I help you today?",
                "Hi there! It's nice to meet you. What can I help you with today?",
                "Hello! How can I help you today? I'm happy to answer questions, write, or work through a problem.",
            ),
            seed,
        )
    found = arithmetic(text)
    if found:
        expression, result = found
        return f"{expression} = {result}. " + _pick(
            (
                "Let me know if you want the steps worked out.",
                "That's the exact result.",
                "Happy to check more.",
            ),
            seed,
        )
    if _CODE.search(text):
        return _code_answer(text, seed)
    if _SUMMARY.search(text):
        sentences = re.split(r"(?<=[.!?])\s+", text)
        gist = " ".join(sentences[1:3] if len(sentences) > 2 else sentences[-1:])[:200]
        return f"Here's a brief summary: {gist} " + _pick(_CLOSERS, seed)
    topic = _topic(text)
    return (
        f"Here's a short answer about {topic}. "
        + _pick(_EXTRA, seed)
        + " "
        + _pick(_EXTRA, seed + 1)
        + " "
        + _pick(_CLOSERS, seed)
    )


def _code_answer(text: str, seed: int) -> str:
    if re.search(r"fibonacci", text, re.I):
        code = (
            "def fibonacci(n: int) -> int:\n"
            '    """Return the n-th Fibonacci number (fibonacci(0) == 0)."""\n'
            "    a, b = 0, 1\n"
            "    for _ in range(n):\n"
            "        a, b = b, a + b\n"
            "    return a\n"
        )
        intro = "Here's an iterative Python function that computes Fibonacci numbers in linear time:"
    elif re.search(r"factorial", text, re.I):
        code = (
            "def factorial(n: int) -> int:\n"
            "    result = 1\n"
            "    for k in range(2, n + 1):\n"
            "        result *= k\n"
            "    return result\n"
        )
        intro = "Here's a simple Python function for the factorial:"
    else:
        code = (
            "def solve(data: list[str]) -> list[str]:\n"
            '    """Clean the input: strip whitespace and drop empty entries."""\n'
            "    return [item.strip() for item in data if item.strip()]\n"
        )
        intro = "Here's a small, readable Python starting point:"
    return f"{intro}\n\n```python\n{code}```\n\n" + _pick(_CLOSERS, seed)


def tool_preamble(names: list[str]) -> str:
    if len(names) == 1:
        return f"I'll use the {names[0]} tool to look that up."
    return "I'll use the " + ", ".join(names[:-1]) + f" and {names[-1]} tools to get that information."


def tool_result_text(results: list[tuple[str, str, bool]]) -> str:
    """A final answer that refers to tool results: (tool name, result text, is_error)."""
    parts = []
    for name, result, is_error in results:
        snippet = " ".join(result.split())[:160] or "no output"
        if is_error:
            parts.append(f"The {name} tool reported an error ({snippet}), so I couldn't complete that step.")
        else:
            parts.append(f"The {name} tool returned: {snippet}.")
    return (
        " ".join(parts)
        + " Based on that, I've answered your question; let me know if you need anything else."
    )


def thinking_text(user_text: str) -> str:
    short = " ".join(user_text.split())[:120]
    return (
        f'The user wrote: "{short}". I should work out what they actually need, check the relevant facts, '
        "and answer clearly and concisely."
    )
