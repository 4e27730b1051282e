"""Which tools a synthesized answer calls, and with what input.

The heuristic for ``tool_choice: auto`` (documented in the README), deterministic:
- the last user turn's words (lower-cased, stop words removed, plural 's' dropped) are compared with
  each tool's name parts (split on ``_``, ``-`` and camelCase) and its description words;
- score = 2 per name part found + 1 per description word found (3+ letters), +3 when the text asks
  for the tool by name, +2 when the text holds arithmetic and the tool is about calculation/math;
- a tool is called when its score is at least 2; the best first, at most 3 in parallel, only the
  best when ``disable_parallel_tool_use`` is true. ``any`` calls the best tool even with score 0;
  ``tool`` calls the named one; ``none`` never calls a tool.
Inputs are built from the tool's ``input_schema`` by :mod:`mockclaude.sources.synthesis.values`.
"""

from __future__ import annotations

import re
from typing import Any

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "get",
        "give",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "tell",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "up",
        "us",
        "use",
        "using",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "current",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")
_ARITH = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x×^])\s*(-?\d+(?:\.\d+)?)")
_CALC_WORDS = frozenset(
    {"calc", "calculate", "calculator", "calculation", "math", "arithmetic", "compute", "evaluate"}
)


def words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _name_parts(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    return {_stem(p) for p in spaced.lower().split() if p not in STOP_WORDS}


def score_tool(tool: dict[str, Any], text: str) -> int:
    said = words(text)
    name = str(tool.get("name", ""))
    parts = _name_parts(name)
    described = {w for w in words(str(tool.get("description", ""))) if len(w) >= 3}
    score = 2 * len(parts & said) + len((described - parts) & said)
    if name and name.lower() in text.lower():
        score += 3
    if _ARITH.search(text) and (parts | described) & _CALC_WORDS:
        score += 2
    return score


def choose_tools(
    tools: list[dict[str, Any]], tool_choice: dict[str, Any] | None, text: str
) -> list[dict[str, Any]]:
    """The tools to call, best first (empty list: answer in text)."""
    callable_tools = [t for t in tools if t.get("name") and "input_schema" in t]
    choice = (tool_choice or {}).get("type", "auto")
    if not callable_tools or choice == "none":
        return []
    single = bool((tool_choice or {}).get("disable_parallel_tool_use"))
    if choice == "tool":
        named = [t for t in callable_tools if t["name"] == tool_choice.get("name")] if tool_choice else []
        return named[:1]
    ranked = sorted(callable_tools, key=lambda t: -score_tool(t, text))  # stable: ties keep request order
    chosen = [t for t in ranked if score_tool(t, text) >= 2]
    if choice == "any" and not chosen:
        chosen = ranked[:1]
    return chosen[:1] if single else chosen[:3]


def arithmetic(text: str) -> tuple[str, str] | None:
    """The first ``a op b`` in the text and its result, as strings (None when there is none)."""
    m = _ARITH.search(text)
    if not m:
        return None
    a, op, b = float(m.group(1)), m.group(2), float(m.group(3))
    if op in "+":
        r = a + b
    elif op == "-":
        r = a - b
    elif op in "*x×":
        r = a * b
    elif op == "^":
        r = a**b if abs(b) < 64 else float("inf")
    else:
        r = a / b if b else float("nan")
    result = str(int(r)) if r == r and r not in (float("inf"), float("-inf")) and r == int(r) else f"{r:.6g}"
    return m.group(0), result
