"""Rule regexes (``last_user: {matches: ...}``) compiled with RE2, so matching takes linear time in the
text whatever the pattern: ``^(a+)+$`` cannot backtrack. A pattern RE2 cannot run in linear time
(backreferences, lookaround) or that needs more than :data:`MAX_MEM` bytes of automaton is refused when
the rule file loads, with the rule's path."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import re2

MAX_MEM = 8 << 20  # bytes of compiled automaton per pattern (RE2's own default)


class Pattern(Protocol):
    def search(self, text: str) -> object | None: ...


class PatternError(ValueError):
    """RE2 refused a pattern; the message says why."""


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_MEM
    options.log_errors = False  # the refusal is raised (with the rule's path), not printed by RE2
    return options


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Pattern:
    """The RE2 pattern; raises :class:`PatternError` for one RE2 cannot run (kept compiled: rules reuse it)."""
    if not isinstance(pattern, str):
        raise PatternError(f"expected a string, got {pattern!r}")
    try:
        compiled: Pattern = re2.compile(pattern, options=_options())
    except re2.error as exc:
        reason = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise PatternError(f"{reason} (rule regexes run on RE2: no backreferences or lookaround)") from None
    return compiled
