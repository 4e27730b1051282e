"""What a field plausibly holds, by its name and format, and from the user's words.

``name`` gets a person (one named in the text first: "Alice is 30" gives Alice), ``city`` a city (one the
text names after "in", "to"…), ``age`` an age, ``email`` the person's address, ``date`` a date; formats get
values in their syntax. Deterministic: every choice comes from the seeded generator it is given.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from typing import Any

from mockclaude.sources.synthesis.toolcalls import arithmetic

_PLACE = re.compile(r"\b(?:in|for|at|near|of|to|from)\s+([A-Z][\w'-]*(?:[ ,]+[A-Z][\w'-]*)*)")
PEOPLE = ("Alice Johnson", "Bob Martinez", "Carol Nguyen", "David Okafor", "Eva Schmidt", "Farah Khan")
CITIES = ("San Francisco", "Paris", "Tokyo", "Berlin", "Toronto", "Sydney")


class Filler:
    """Plausible values for one answer: the text it answers, its seeded generator, the person it names."""

    def __init__(self, text: str, rng: random.Random) -> None:
        self.text = text
        self.rng = rng
        self.people = _people_in(text) + self.rng.sample(PEOPLE, len(PEOPLE))
        self.person = 0  # which person a name-like field names; the next array item names the next one

    def string(self, name: str) -> str:
        """A string a field of this name plausibly holds."""
        key = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower().replace("-", "_")
        parts = set(key.split("_"))
        pick = self.rng.choice
        person = self.people[self.person % len(self.people)]
        first, _, last = person.partition(" ")
        last = last or "Johnson"
        if key in ("first_name", "firstname", "given_name"):
            return first
        if key in ("last_name", "lastname", "surname", "family_name"):
            return last
        if parts & {"username", "login", "handle", "user", "nickname"}:
            return f"{first.lower()}.{last[0].lower()}"
        if "email" in parts or "mail" in parts:
            return f"{first.lower()}.{last.lower()}@example.com"
        if parts & {"name", "author", "customer", "person", "owner", "assignee", "contact", "recipient"}:
            if parts & {
                "file",
                "repo",
                "repository",
                "project",
                "branch",
                "package",
                "tool",
                "model",
                "table",
            }:
                return {"file": "report.pdf", "branch": "main", "table": "users"}.get(
                    next(iter(parts & {"file", "branch", "table"}), ""), "example-project"
                )
            return person
        if parts & {"phone", "mobile", "tel", "telephone"}:
            return f"+1-555-01{self.rng.randint(10, 99)}"
        if parts & {"location", "place", "destination", "origin", "address", "where"}:
            m = _PLACE.search(self.text)
            if m:
                return m.group(1).strip(" ,")
            return "123 Main St, San Francisco, CA" if "address" in parts else "San Francisco, CA"
        if parts & {"city", "town"}:
            m = _PLACE.search(self.text)
            return m.group(1).split(",")[0].strip() if m else pick(CITIES)
        if parts & {"country"}:
            return "US" if "code" in parts else "United States"
        if parts & {"state", "region", "province"}:
            return "California"
        if parts & {"zip", "postal", "zipcode", "postcode"}:
            return "94105"
        if parts & {"company", "organization", "organisation", "org", "employer", "vendor"}:
            return "Acme Corp"
        if parts & {"expression", "formula", "equation", "expr"}:
            found = arithmetic(self.text)
            return found[0] if found else self.text[:80] or "1 + 1"
        if parts & {"unit", "units"}:
            return "celsius"
        if parts & {"url", "uri", "link", "website", "homepage", "href", "endpoint"}:
            return "https://example.com/"
        if parts & {"path", "file", "filename", "filepath", "dir", "directory", "folder"}:
            return "/home/user/project/README.md" if "path" in parts else "README.md"
        if parts & {"command", "cmd", "script", "shell"}:
            return "ls -la"
        if parts & {"id", "uuid", "key", "token", "ref"}:
            return f"{key.replace('_id', '') or 'id'}_{self.rng.getrandbits(32):08x}"
        if parts & {"date", "day", "birthday", "dob", "deadline"}:
            return self.date()
        if parts & {"time", "timestamp", "datetime", "created", "updated", "at"}:
            return self.date_time()
        if parts & {"timezone", "tz"}:
            return "America/Los_Angeles"
        if parts & {"language", "lang", "locale"}:
            return "en" if parts & {"lang", "locale"} else "English"
        if parts & {"currency"}:
            return "USD"
        if parts & {"color", "colour"}:
            return pick(("blue", "green", "red"))
        if parts & {"version"}:
            return "1.0.0"
        if parts & {"status", "state"}:
            return "active"
        if parts & {"sentiment"}:
            return "positive"
        if parts & {"tag", "tags", "label", "labels", "keyword", "keywords", "category", "topic", "skill"}:
            words = [w for w in re.findall(r"[a-z]{4,}", self.text.lower())]
            return words[self.rng.randrange(len(words))] if words else "general"
        if parts & {"title", "subject", "headline", "heading"}:
            words = self.text.split()[:6]
            return " ".join(words).rstrip("?.!") or "Untitled"
        return self.text[:80] or name

    @staticmethod
    def number(name: str, integer: bool) -> float:
        """A number a field of this name plausibly holds (before the schema's bounds)."""
        key = name.lower()
        table = (
            (("age",), 34),
            (("year",), 2026),
            (("month",), 11),
            (("day",), 24),
            (("hour",), 14),
            (("minute", "second"), 30),
            (("port",), 8080),
            (("lat",), 37.7749),
            (("lon", "lng"), -122.4194),
            (("price", "cost", "amount", "total", "salary", "balance"), 19.99),
            (("rating", "score", "stars"), 4),
            (("percent", "pct", "ratio"), 42),
            (("confidence", "probability"), 0.87),
            (("temp",), 21.5),
            (("limit", "max_results", "top_k", "page_size", "per_page"), 10),
            (("page", "version", "offset"), 1),
            (("count", "quantity", "qty", "num", "number", "size", "days"), 3),
            (("timeout", "duration", "seconds", "delay"), 30),
            (("width",), 800),
            (("height",), 600),
        )
        for words, number in table:
            if any(w in key for w in words):
                return float(round(number)) if integer else float(number)
        return 1.0

    def formatted(self, fmt: str) -> str | None:
        """A string in ``fmt`` (None for a format this does not know)."""
        maker = FORMATS.get(fmt)
        return maker(self) if maker is not None else None

    def date(self) -> str:
        return f"2026-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def time(self) -> str:
        return f"{self.rng.randint(8, 18):02d}:{self.rng.choice((0, 15, 30, 45)):02d}:00Z"

    def date_time(self) -> str:
        return f"{self.date()}T{self.time()}"

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


_NAME = re.compile(r"\b([A-Z][a-z]+)(?: ([A-Z][a-z]+))?")
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "I",
        "What",
        "Who",
        "Where",
        "When",
        "Why",
        "How",
        "Please",
        "Can",
        "Could",
        "Would",
        "Should",
        "Is",
        "Are",
        "Do",
        "Does",
        "Tell",
        "Give",
        "Show",
        "Find",
        "Get",
        "Make",
        "Write",
        "Create",
        "List",
        "Extract",
        "Summarize",
        "Return",
        "Hello",
        "Hi",
        "Thanks",
        "Thank",
        "Yes",
        "No",
        "My",
        "Our",
        "Your",
        "This",
        "That",
    ]
)


def _people_in(text: str) -> list[str]:
    """Capitalized words of the text that look like a person's name (not after in/at/for: places); full
    names first, then words inside a sentence, then a sentence's first word (often a verb: "Book …")."""
    ranked: list[tuple[int, str]] = []
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        word_before = before.rsplit(" ", 1)[-1].lower()
        if m.group(1) in _NOT_NAMES or word_before in ("in", "at", "for", "near", "of", "from", "to"):
            continue
        initial = not before or before[-1] in ".!?:"
        ranked.append((0 if m.group(2) else 2 if initial else 1, m.group(0)))
    return [name for _, name in sorted(ranked, key=lambda r: r[0])]


FORMATS: dict[str, Any] = {
    "date": Filler.date,
    "time": Filler.time,
    "date-time": Filler.date_time,
    "duration": lambda g: f"PT{g.rng.randint(1, 3)}H{g.rng.choice((0, 15, 30, 45))}M",
    "email": lambda g: g.string("email"),
    "idn-email": lambda g: g.string("email"),
    "hostname": lambda g: "api.example.com",
    "idn-hostname": lambda g: "api.example.com",
    "ipv4": lambda g: f"192.0.2.{g.rng.randint(1, 254)}",
    "ipv6": lambda g: f"2001:db8::{g.rng.randint(1, 0xFFFF):x}",
    "uri": lambda g: "https://example.com/",
    "url": lambda g: "https://example.com/",
    "iri": lambda g: "https://example.com/",
    "uri-reference": lambda g: "https://example.com/docs",
    "iri-reference": lambda g: "https://example.com/docs",
    "uri-template": lambda g: "https://example.com/items/{id}",
    "uuid": Filler.uuid4,
    "regex": lambda g: "^[a-z]+$",
    "json-pointer": lambda g: "/items/0",
    "relative-json-pointer": lambda g: "0/items",
    "byte": lambda g: base64.b64encode(g.text[:24].encode() or b"data").decode(),
    "binary": lambda g: "data",
    "password": lambda g: "correct-horse-battery",
    "phone": lambda g: g.string("phone"),
}
