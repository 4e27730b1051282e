"""The fenced code blocks of README.md and docs/**/*.md, for tests that run them (so the examples stay true).

A block is found by a marker it contains, wherever it lives (the README or a page of docs/); a marker must
pick out exactly one block across all pages, so moving a block between pages needs no test change."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def pages() -> list[Path]:
    """README.md, then every Markdown page under docs/, in a stable order."""
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks_of(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def blocks(language: str) -> list[str]:
    """Every ```<language> block of the README and docs/, in page order."""
    return [b for page in pages() for b in _blocks_of(page.read_text(encoding="utf-8"), language)]


def block(language: str, marker: str) -> str:
    """The one ```<language> block (README or docs/) containing ``marker``."""
    found = [b for b in blocks(language) if marker in b]
    assert len(found) == 1, (
        f"README.md and docs/ have {len(found)} {language} blocks containing {marker!r}, expected 1"
    )
    return found[0]


def followed_by(first: str, language: str) -> str | None:
    """The ```<language> block right after the block ``first`` (its documented output), if there is one."""
    for page in pages():
        text = page.read_text(encoding="utf-8")
        if first in text:
            end = text.index(first) + len(first)
            match = re.match(rf"```\s*```{language}\n(.*?)```", text[end:], flags=re.S)
            return match.group(1) if match else None
    return None
