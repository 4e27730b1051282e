"""Which tools a synthesized answer calls: read from the user's own words in the last turn.

For ``tool_choice: auto`` (deterministic; measured by ``python -m tests.intent.evaluate``):
- only the user's own words count: text blocks of the last user turn, without blocks injected by the
  client (``<system-reminder>`` and other tagged blocks), tool results, documents or images;
- greetings, thanks and small talk get text, and so do questions about ideas ("what is a closure?");
- a tool is called when the turn asks for something the tool does: one of its name's words is said, or an
  action word that stands for it (``run`` → a Bash or shell tool, ``open`` → a read tool, ``forecast`` →
  a weather tool), arithmetic for a calculator, a file path for a file tool, or the tool named outright;
  its description's first sentence only breaks ties;
- the best first, at most 3 in parallel, only the best with ``disable_parallel_tool_use``. Tools loaded
  lazily (``defer_loading``) or that say to never be called are not called.
``any`` calls the best tool even with no score; ``tool`` calls the named one; ``none`` never calls one.
"""

from __future__ import annotations

import re
from typing import Any

from mockclaude.protocol.tokens import content_blocks
from mockclaude.sources.synthesis.toolcalls import arithmetic


def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _vocabulary(
    "a about an and any are as at be but by can could do does for from get give has have how i i'd i'm if in "
    "into is it its me my of on or our please some tell that the their them then there these this those to "
    "up us use using was we what what's when where which who why will with would you your current just all "
    "now so also one quick quickly real really want need like let let's"
)
# Words of small talk: a turn made only of these (and stop words) is answered in text.
SOCIAL = _vocabulary(
    "hi hello hey hiya howdy yo greetings morning afternoon evening night good day thanks thank thx ty cheers "
    "much lot appreciate appreciated ok okay cool great nice perfect awesome wonderful bye goodbye see later "
    "say doing going well fine today there again sure yes no yep nope alright got it that's that nothing "
    "else everything name who are help how's what's up sup lovely excellent brilliant welcome"
)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# Action words and the words in tool names they stand for.
CONCEPTS: dict[str, frozenset[str]] = {
    concept: frozenset(map(_stem, names.split()))
    for concept, names in {
        "shell": "bash shell command terminal exec execute run",
        "read": "read view open cat file",
        "edit": "edit replace modify update patch",
        "write": "write create save",
        "search": "search find grep glob lookup query",
        "weather": "weather forecast",
        "calc": "calculator calculate calc math compute arithmetic",
        "order": "order shipping status track tracking",
        "refund": "refund return",
        "email": "email mail send message",
        "calendar": "calendar event schedule meeting book booking appointment",
        "translate": "translate translation",
        "stock": "stock price quote ticker",
        "web": "web search fetch url browse",
        "fetch": "fetch url web download http",
        "agent": "agent subagent",
    }.items()
}
SAID: dict[str, str] = {
    word: concept
    for concept, words in {
        "shell": "run execute exec launch install build compile test tests lint shell terminal command npm pip "
        "git pytest ls mkdir commit deploy docker cargo grep start serve server",
        "read": "read open show view display cat contents look",
        "edit": "edit change modify replace fix rename update refactor tweak correct bump",
        "write": "write create save",
        "search": "find search locate",
        "weather": "weather forecast temperature rain raining sunny snow snowing umbrella hot cold humid windy",
        "calc": "calculate compute multiply divide plus minus times percent sqrt",
        "order": "package shipment delivery tracking shipped",
        "refund": "refund reimburse",
        "email": "email mail",
        "calendar": "schedule meeting calendar appointment book reschedule",
        "translate": "translate",
        "stock": "stock ticker shares",
        "web": "google online internet news",
        "fetch": "url download webpage website",
        "agent": "subagent delegate agents",
    }.items()
    for word in map(_stem, words.split())
}
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PATH = re.compile(r"(?:^|[\s`'\"(])(?:[\w.-]*/)*[\w-]+\.[a-z0-9]{1,5}\b|(?:^|\s)(?:\.{0,2}/)[\w./-]+")
_ASKING = re.compile(
    r"^\s*(?:what(?:'s| is| are| does| do)?|who|why|how|explain|describe|define|tell me about|"
    r"is it true|when (?:was|did))\b",
    re.I,
)
_HOW_TO = re.compile(r"^\s*how (?:do|can|should|would) (?:i|we|you)\b|^\s*how to\b", re.I)
_INJECTED = re.compile(  # the opening tag of a block a client injects; its closing tag is found with find()
    r"<(system-reminder|command-name|command-message|command-args|local-command-stdout|local-command-stderr|"
    r"local-command-caveat|ide_selection|ide_opened_file|user-prompt-submit-hook|task-notification|"
    r"[a-z]{1,40}(?:[-_][a-z]{1,40}){0,4}-(?:reminder|notification|context|hook))\b[^<>]{0,200}>"
)
READ_AT_MOST = 1000  # characters read from each end of a long turn: the ask is in its first or last words
_CALC_WORDS = CONCEPTS["calc"]
FILE_CONCEPTS = frozenset({"read", "edit", "write"})
FILE_NAMES = CONCEPTS["read"] | CONCEPTS["edit"] | CONCEPTS["write"]
# Words that put a file in view, so that read, edit and write are about files.
FILE_OBJECTS = _vocabulary(
    "file folder directory dir code codebase function class method module readme config line repo "
    "repository project script test package changelog makefile dockerfile license source src"
)


def words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


def _name_parts(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    return {_stem(p) for p in spaced.lower().split() if p not in STOP_WORDS}


def user_words(content: Any) -> str:
    """The user's own words in a user turn's content: its text blocks, without the blocks and passages a
    client injects (``<system-reminder>…</system-reminder>`` and the like). Tool results, documents and
    images are not the user's words."""
    parts = []
    for block in content_blocks(content):
        if isinstance(block, dict) and block.get("type") == "text":
            text = _without_injected(str(block.get("text", ""))).strip()
            if text:
                parts.append(text)
    return "\n".join(parts)


def _without_injected(text: str) -> str:
    """``text`` without its injected blocks, in one pass (an unclosed tag ends the search: linear time)."""
    kept, pos = [], 0
    while (opening := _INJECTED.search(text, pos)) is not None:
        closing = f"</{opening.group(1)}>"
        end = text.find(closing, opening.end())
        if end < 0:
            break
        kept.append(text[pos : opening.start()])
        pos = end + len(closing)
    kept.append(text[pos:])
    return " ".join(kept)


def _summary(description: str) -> set[str]:
    """The words of a description's first sentence (what the tool does), 4+ letters."""
    first = re.split(r"(?<=[.!?])\s|\n", description.strip(), maxsplit=1)[0][:200]
    return {w for w in words(first) if len(w) >= 4}


def callable_by_auto(tool: dict[str, Any]) -> bool:
    description = str(tool.get("description", "")).lower()
    return not tool.get("defer_loading") and "never call this tool" not in description


def _signals(text: str) -> tuple[set[str], set[str], bool]:
    """The words said, the concepts they stand for, and whether a file is in view (a path or a word for
    one); the file verbs (read, edit, write…) only count with a file in view ("write a haiku" is no file)."""
    said = words(_PATH.sub(" ", text))  # the words of a path are no request ("tests/test_api.py")
    files = bool(_PATH.search(text)) or bool(said & FILE_OBJECTS)
    concepts = {SAID[w] for w in said if w in SAID}
    if files and "search" in concepts:
        concepts.add("shell")  # a search through code runs in the shell
    if not files:
        concepts -= FILE_CONCEPTS
    elif not concepts & (FILE_CONCEPTS | {"shell"}) and _PATH.search(text):
        concepts.add("read")  # a file named with nothing to do to it: it is to be read
    return said, concepts, files


def score_tool(tool: dict[str, Any], text: str) -> int:
    """How strongly ``text`` asks for ``tool``: 3 per word of its name said, 2 per word an action word
    stands for, +1 when its whole name is covered, +3 when named outright or for arithmetic and a calculator;
    then +1 per word of its description's first sentence said (at most 2). 0: not asked for."""
    strong, bonus = _scores(tool, text, _signals(text), frozenset())
    return strong + bonus if strong else 0


def _shared_words(tools: list[dict[str, Any]]) -> frozenset[str]:
    """Words in the names or first sentences of two or more tools: they tell less which one is meant
    ("order" in lookup_order_status and in issue_refund's "Refund an order")."""
    seen: dict[str, int] = {}
    for tool in tools:
        for word in _name_parts(str(tool.get("name", ""))) | _summary(str(tool.get("description", ""))):
            seen[word] = seen.get(word, 0) + 1
    return frozenset(w for w, n in seen.items() if n > 1)


def _scores(
    tool: dict[str, Any], text: str, signals: tuple[set[str], set[str], bool], shared: frozenset[str]
) -> tuple[int, int]:
    said, concepts, files = signals
    name = str(tool.get("name", ""))
    parts = _name_parts(name)
    direct = parts & said
    if not files:
        direct -= FILE_NAMES
    implied = (parts & {n for c in concepts for n in CONCEPTS[c]}) - direct
    strong = 3 * len(direct - shared) + 2 * len(direct & shared) + 2 * len(implied)
    if strong and parts <= direct | implied:
        strong += 1
    if name and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):  # as spelled: "Write", not "write"
        strong += 3
    summary = _summary(str(tool.get("description", "")))
    if arithmetic(text) and (parts | summary) & _CALC_WORDS:
        strong += 3
    return strong, min(2, len((summary - parts) & said))


def small_talk(text: str) -> bool:
    """Greetings, thanks and pleasantries: no tool."""
    said = {w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}
    return not said or said <= SOCIAL


def _about_ideas(text: str, tools: list[dict[str, Any]]) -> bool:
    """A question about an idea: asked as a question, with nothing a tool works on (no path, no sums, and
    no action word or tool name said)."""
    if not _ASKING.search(text) or _PATH.search(text) or arithmetic(text):
        return False
    if _HOW_TO.search(text):
        return True  # asking how to do something: the answer is the how
    said, concepts, _ = _signals(text)
    if any(_name_parts(str(t.get("name", ""))) & said for t in tools):
        return False
    return not concepts - {"search", "shell"}


def choose_tools(
    tools: list[dict[str, Any]], tool_choice: dict[str, Any] | None, text: str
) -> list[dict[str, Any]]:
    """The tools to call for the user's words ``text``, best first (empty list: answer in text)."""
    callable_tools = [t for t in tools if t.get("name") and "input_schema" in t]
    choice = (tool_choice or {}).get("type", "auto")
    if not callable_tools or choice == "none":
        return []
    single = bool((tool_choice or {}).get("disable_parallel_tool_use"))
    if choice == "tool":
        named = [t for t in callable_tools if t["name"] == tool_choice.get("name")] if tool_choice else []
        return named[:1]
    if len(text) > 2 * READ_AT_MOST:
        text = f"{text[:READ_AT_MOST]}\n{text[-READ_AT_MOST:]}"
    signals, shared = _signals(text), _shared_words(callable_tools)
    scored = sorted(  # stable: ties keep the request's order
        ((_scores(t, text, signals, shared), t) for t in callable_tools), key=lambda p: -(p[0][0] + p[0][1])
    )
    if choice == "any":
        chosen = [t for (strong, _), t in scored if strong >= 2] or [scored[0][1]]
    elif small_talk(text) or _about_ideas(text, callable_tools):
        chosen = []
    else:
        # Every tool asked for as strongly as the best (two asks in one turn: parallel calls).
        best = max((strong for (strong, _), t in scored if callable_by_auto(t)), default=0)
        chosen = [t for (strong, _), t in scored if strong >= 2 and strong == best and callable_by_auto(t)]
    return chosen[:1] if single else chosen[:3]
