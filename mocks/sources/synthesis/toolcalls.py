"""Arithmetic in the user's words, which a calculator call's input and a written answer carry out.

Which tools are called: :mod:`mockclaude.sources.synthesis.intent`; their inputs:
:mod:`mockclaude.sources.synthesis.values`.
"""

from __future__ import annotations

import re

_ARITH = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x×^])\s*(-?\d+(?:\.\d+)?)")


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
