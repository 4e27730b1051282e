"""The README's fenced code blocks, for tests that run them (so the README's examples stay true)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(language: str) -> list[str]:
    """Every ```<language> block of the README, in order."""
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def block(language: str, marker: str) -> str:
    """The one ```<language> block containing ``marker``."""
    found = [b for b in blocks(language) if marker in b]
    assert len(found) == 1, f"README has {len(found)} {language} blocks containing {marker!r}, expected 1"
    return found[0]


def followed_by(first: str, language: str) -> str | None:
    """The ```<language> block right after the block ``first`` (its documented output), if there is one."""
    text = README.read_text(encoding="utf-8")
    end = text.index(first) + len(first)
    match = re.match(rf"```\s*```{language}\n(.*?)```", text[end:], flags=re.S)
    return match.group(1) if match else None
