"""Parse `text/event-stream` bodies and check the Messages streaming event grammar.

Reusable by the spec tests (examples in the OpenAPI document) and the mock server tests (real streams).

Parsing follows the SSE rules the Anthropic SDK's decoder uses: lines end in CRLF, LF or CR; a blank line
ends an event; `field: value` with one optional space after the colon; `data` lines are joined with `\\n`;
lines starting with `:` are comments.

Grammar (Messages API streaming):

    stream        := ping* message_start body message_delta+ message_stop      (ping allowed anywhere)
    body          := block*       with blocks numbered 0, 1, 2, ... in order, never interleaved
    block         := content_block_start(i) content_block_delta(i)* content_block_stop(i)
    error         := may appear anywhere after which the stream must end (nothing but the end follows)

Each event must carry an `event:` name equal to the `type` of its JSON data. Delta types must fit the block
(text: text_delta, citations_delta; tool_use/server_tool_use/mcp_tool_use: input_json_delta; thinking: thinking_delta,
signature_delta; beta compaction: compaction_delta), and the `partial_json` fragments of a tool block must join into a JSON object.

Usage (e.g. from a mock-server test)::

    from tests.spec.sse_grammar import check_stream_text   # the repository root is on sys.path (tests is a package)

    events = check_stream_text(response.text)    # raises StreamGrammarError listing every problem
    assert events[-1].data["type"] == "message_stop"

or step by step: `parse_sse(text)` -> `decode_events(...)` -> `grammar_problems(...)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MESSAGE_EVENT_TYPES = (
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
)
ALL_EVENT_TYPES = (*MESSAGE_EVENT_TYPES, "ping", "error")

DELTAS_FOR_BLOCK: dict[str, frozenset[str]] = {
    "text": frozenset({"text_delta", "citations_delta"}),
    "tool_use": frozenset({"input_json_delta"}),
    "server_tool_use": frozenset({"input_json_delta"}),
    "mcp_tool_use": frozenset({"input_json_delta"}),  # beta
    "thinking": frozenset({"thinking_delta", "signature_delta"}),
    "compaction": frozenset({"compaction_delta"}),  # beta
}

_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched server-sent event."""

    event: str | None
    data: str
    id: str | None = None
    retry: int | None = None


@dataclass(frozen=True)
class StreamEvent:
    """An SSE event whose data parsed as a JSON object."""

    name: str | None
    data: dict[str, Any]


class StreamGrammarError(AssertionError):
    """A stream broke the event grammar; `problems` lists every violation found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_sse(text: str) -> list[SSEEvent]:
    """Split an event-stream body into events (events with no `data` line are not dispatched)."""
    events: list[SSEEvent] = []
    name: str | None = None
    data: list[str] = []
    event_id: str | None = None
    retry: int | None = None
    lines = _LINE_SPLIT.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the text's final line terminator
    for line in [*lines, ""]:
        if line == "":
            if data:
                events.append(SSEEvent(name, "\n".join(data), event_id, retry))
            name, data, retry = None, [], None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value
        elif field == "retry" and value.isdigit():
            retry = int(value)
    return events


def decode_events(events: Iterable[SSEEvent]) -> tuple[list[StreamEvent], list[str]]:
    """Parse each event's data as a JSON object; return the decoded events and any problems found."""
    decoded: list[StreamEvent] = []
    problems: list[str] = []
    for n, event in enumerate(events):
        try:
            data = json.loads(event.data)
        except json.JSONDecodeError as exc:
            problems.append(f"event #{n} ({event.event}): data is not JSON: {exc}")
            continue
        if not isinstance(data, dict):
            problems.append(f"event #{n} ({event.event}): data is not a JSON object")
            continue
        decoded.append(StreamEvent(event.event, data))
    return decoded, problems


def grammar_problems(events: Iterable[StreamEvent]) -> list[str]:
    """Every way in which the sequence of events breaks the Messages streaming grammar."""
    checker = _GrammarChecker()
    for n, event in enumerate(events):
        checker.feed(n, event)
    checker.finish()
    return checker.problems


def check_stream_text(text: str) -> list[StreamEvent]:
    """Parse a whole event-stream body and raise `StreamGrammarError` listing all problems, if any."""
    decoded, problems = decode_events(parse_sse(text))
    problems += grammar_problems(decoded)
    if problems:
        raise StreamGrammarError(problems)
    return decoded


class _GrammarChecker:
    """State machine over the event sequence; collects problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.started = False
        self.open_block: int | None = None
        self.block_types: list[str] = []
        self.partial_json: dict[int, str] = {}
        self.seen_message_delta = False
        self.finished_by: str | None = None  # "message_stop" or "error"

    def fail(self, n: int, etype: str, problem: str) -> None:
        self.problems.append(f"event #{n} ({etype}): {problem}")

    def feed(self, n: int, event: StreamEvent) -> None:
        etype = event.data.get("type")
        label = str(etype)
        if event.name is None:
            self.fail(n, label, "missing `event:` line")
        elif event.name != etype:
            self.fail(n, label, f"event name {event.name!r} differs from data type {etype!r}")
        if etype not in ALL_EVENT_TYPES:
            self.fail(n, label, "unknown event type")
            return
        if etype == "ping":
            return
        if self.finished_by is not None:
            self.fail(n, label, f"event after {self.finished_by}")
            return
        if etype == "error":
            self.finished_by = "error"
            return
        if not self.started and etype != "message_start":
            self.fail(n, label, "first event must be message_start")
        handler = getattr(self, f"_on_{etype}")
        handler(n, event.data)

    def _on_message_start(self, n: int, data: dict[str, Any]) -> None:
        if self.started:
            self.fail(n, "message_start", "message_start repeated")
        self.started = True

    def _index(self, n: int, data: dict[str, Any]) -> int | None:
        index = data.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            self.fail(n, str(data.get("type")), f"index must be an integer, got {index!r}")
            return None
        return index

    def _on_content_block_start(self, n: int, data: dict[str, Any]) -> None:
        index = self._index(n, data)
        if self.seen_message_delta:
            self.fail(n, "content_block_start", "content block after message_delta")
        if self.open_block is not None:
            self.fail(n, "content_block_start", f"block {self.open_block} is still open")
        if index is not None and index != len(self.block_types):
            self.fail(n, "content_block_start", f"index {index}, expected {len(self.block_types)}")
        block = data.get("content_block")
        block_type = block.get("type") if isinstance(block, dict) else None
        self.block_types.append(str(block_type))
        self.open_block = index

    def _on_content_block_delta(self, n: int, data: dict[str, Any]) -> None:
        index = self._index(n, data)
        if index is None:
            return
        if index != self.open_block:
            self.fail(n, "content_block_delta", f"index {index} is not the open block ({self.open_block})")
            return
        delta = data.get("delta")
        delta_type = delta.get("type") if isinstance(delta, dict) else None
        block_type = self.block_types[index] if index < len(self.block_types) else None
        allowed = DELTAS_FOR_BLOCK.get(str(block_type), frozenset())
        if delta_type not in allowed:
            self.fail(n, "content_block_delta", f"{delta_type!r} delta does not fit a {block_type!r} block")
        if delta_type == "input_json_delta" and isinstance(delta, dict):
            self.partial_json[index] = self.partial_json.get(index, "") + str(delta.get("partial_json", ""))

    def _on_content_block_stop(self, n: int, data: dict[str, Any]) -> None:
        index = self._index(n, data)
        if index is None:
            return
        if index != self.open_block:
            self.fail(n, "content_block_stop", f"index {index} is not the open block ({self.open_block})")
            return
        self.open_block = None
        joined = self.partial_json.get(index, "")
        if joined:
            try:
                parsed = json.loads(joined)
            except json.JSONDecodeError as exc:
                self.fail(n, "content_block_stop", f"input_json_delta fragments do not form JSON: {exc}")
            else:
                if not isinstance(parsed, dict):
                    self.fail(n, "content_block_stop", "input_json_delta fragments do not form a JSON object")

    def _on_message_delta(self, n: int, data: dict[str, Any]) -> None:
        if self.open_block is not None:
            self.fail(n, "message_delta", f"block {self.open_block} is still open")
        self.seen_message_delta = True

    def _on_message_stop(self, n: int, data: dict[str, Any]) -> None:
        if not self.seen_message_delta:
            self.fail(n, "message_stop", "message_stop without a preceding message_delta")
        if self.open_block is not None:
            self.fail(n, "message_stop", f"block {self.open_block} is still open")
        self.finished_by = "message_stop"

    def finish(self) -> None:
        if not self.started and self.finished_by != "error":
            self.problems.append("stream has no message_start")
        elif self.finished_by is None:
            self.problems.append("stream does not end with message_stop (or error)")
