"""Measure the ``tool_choice: auto`` heuristic on the labelled turns of ``cases.yaml``.

Every case is sent to the mock (in process, through the official SDK, no rules) as a real request: the
``claude_code`` set in Claude Code's own request shape (``claude_code_request.json``, captured from the
CLI), the other sets as plain Messages requests. The first ``tool_use`` block of the answer, or none,
is compared with the label.

    python -m tests.intent.evaluate        # the figures, on cases.yaml and on held_out.yaml
    python -m tests.intent.evaluate -v     # and every case it gets wrong

Precision: of the answers that call a tool, the share that call the labelled tool first. Recall: of the
turns labelled with a tool, the share answered by calling it first.
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockclaude.config import MockConfig
from mockclaude.testing.mock import MockClaude

HERE = Path(__file__).parent
NO_TOOL = "-"
CLAUDE_CODE_BETAS = [
    "claude-code-20250219",
    "interleaved-thinking-2025-05-14",
    "context-management-2025-06-27",
    "effort-2025-11-24",
]


@dataclass(frozen=True)
class Case:
    toolset: str
    expected: str  # a tool name, or NO_TOOL
    turn: str
    injected: str = ""


@dataclass(frozen=True)
class Outcome:
    case: Case
    called: tuple[str, ...]  # the tools the answer calls, in order

    @property
    def first(self) -> str:
        return self.called[0] if self.called else NO_TOOL


def load_cases(name: str = "cases.yaml") -> tuple[dict[str, list[dict[str, Any]]], list[Case]]:
    """The toolsets and cases of ``name`` (``cases.yaml``, or ``held_out.yaml`` with its own toolsets
    added to those of ``cases.yaml``)."""
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    toolsets = data.get("toolsets") or {}
    if name != "cases.yaml":
        toolsets = {**load_cases()[0], **toolsets}
    cases = [Case(set_name, *row) for set_name, rows in data["cases"].items() for row in rows]
    return toolsets, cases


def claude_code_request() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((HERE / "claude_code_request.json").read_text(encoding="utf-8"))
    return body


def reminder(text: str) -> dict[str, str]:
    return {"type": "text", "text": f"<system-reminder>\n{text}\n</system-reminder>"}


def request_for(
    case: Case, toolsets: dict[str, list[dict[str, Any]]], shape: dict[str, Any]
) -> dict[str, Any]:
    """The request a client would send for this case."""
    if case.toolset == "claude_code":
        body = copy.deepcopy(shape)
        body.pop("stream", None)
        user = next(m for m in body["messages"] if m["role"] == "user")  # then a mid-conversation system turn
        blocks = user["content"]
        blocks[-1]["text"] = case.turn
        if case.injected:
            blocks.insert(len(blocks) - 1, reminder(case.injected))
        return body
    content: list[dict[str, str]] = [reminder(case.injected)] if case.injected else []
    content.append({"type": "text", "text": case.turn})
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "tools": toolsets[case.toolset],
        "messages": [{"role": "user", "content": content}],
    }


def run_cases(
    cases: list[Case] | None = None, client: Any = None, name: str = "cases.yaml"
) -> Iterator[Outcome]:
    """Each case (of ``name``) sent to the mock (``client``, or an in-process mock with no rules), and the
    tools its answer calls."""
    toolsets, every = load_cases(name)
    if client is None:
        with MockClaude(MockConfig(latency="instant", rules_dir=None)) as mock:
            yield from run_cases(cases, mock.client(), name)
        return
    shape = claude_code_request()
    for case in every if cases is None else cases:
        body = request_for(case, toolsets, shape)
        if case.toolset == "claude_code":
            with client.beta.messages.stream(**body, betas=CLAUDE_CODE_BETAS) as stream:  # as the CLI does
                message = stream.get_final_message()
        else:
            message = client.messages.create(**body)
        called = tuple(block.name for block in message.content if block.type == "tool_use")
        yield Outcome(case, called)


@dataclass(frozen=True)
class Figures:
    cases: int
    precision: float
    recall: float
    text_kept: float  # of the turns labelled "text", the share answered in text
    extra_calls: int  # tools called beside the first one
    misses: tuple[Outcome, ...]


def figures(outcomes: list[Outcome]) -> Figures:
    calls = [o for o in outcomes if o.called]
    wanted = [o for o in outcomes if o.case.expected != NO_TOOL]
    text = [o for o in outcomes if o.case.expected == NO_TOOL]
    right = [o for o in wanted if o.first == o.case.expected]
    return Figures(
        cases=len(outcomes),
        precision=len(right) / len(calls) if calls else 1.0,
        recall=len(right) / len(wanted) if wanted else 1.0,
        text_kept=sum(1 for o in text if not o.called) / len(text) if text else 1.0,
        extra_calls=sum(len(o.called) - 1 for o in calls),
        misses=tuple(o for o in outcomes if o.first != o.case.expected),
    )


def report(outcomes: list[Outcome], verbose: bool) -> str:
    lines = []
    sets = sorted({o.case.toolset for o in outcomes})
    for name in [*sets, "all"]:
        chosen = [o for o in outcomes if name in ("all", o.case.toolset)]
        f = figures(chosen)
        lines.append(
            f"{name:12} cases {f.cases:4}  precision {f.precision:6.1%}  recall {f.recall:6.1%}  "
            f"text kept {f.text_kept:6.1%}  extra parallel calls {f.extra_calls}"
        )
    if verbose:
        for o in figures(outcomes).misses:
            lines.append(
                f"  miss [{o.case.toolset}] {o.case.turn!r}: wanted {o.case.expected}, got {list(o.called)}"
            )
        for o in outcomes:
            if len(o.called) > 1:
                lines.append(f"  parallel [{o.case.toolset}] {o.case.turn!r}: {list(o.called)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cases answered wrongly")
    args = parser.parse_args()
    print("labelled set (cases.yaml, the heuristic was tuned on it):")
    print(report(list(run_cases()), args.verbose))
    print("held out (held_out.yaml, never tuned on):")
    print(report(list(run_cases(name="held_out.yaml")), args.verbose))


if __name__ == "__main__":
    main()
