"""Declarative request-and-assert scenarios (`tests/scenarios/*.yaml`): load, check, run.

A scenario is a list of steps; each sends one request (with `${variable}` substitution) and checks the
answer: status, JSON paths (equals / contains / matches / exists), keywords in the answer's text, headers
present, latency, tokens and cost (usage priced with the mock's table). `extract` stores values of a step's
answer (a JSON path) as variables for later steps, e.g. a tool_use id for the next tool_result. A streamed
answer is checked against the event grammar and accumulated into its Message, so paths work the same.

Paths: `stop_reason`, `usage.output_tokens`, `content[0].text`, `content[type=tool_use].id` (the first
element whose `type` is `tool_use`). The format is `scenario.schema.json`; a bad file is refused with its
path, the step and the field.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import yaml

from mockclaude.protocol.sse import accumulate
from tests.contract.budget import cost_usd, total_tokens
from tests.contract.curl import curl
from tests.spec.sse_grammar import StreamGrammarError, check_stream_text

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
BUILTIN_VARIABLES = ("api_key", "base_url")
_VARIABLE = re.compile(r"\$\{(\w+)\}")
_PATH_PART = re.compile(r"\.?([A-Za-z_][\w-]*)|\[(\d+)\]|\[([A-Za-z_][\w-]*)=([^\]]*)\]")
_MISSING = object()


class ScenarioError(Exception):
    """The scenario file is wrong: the message names the file, the step and the field."""


class StepFailed(AssertionError):
    """A step's answer did not meet its expectations: the message names the file, step and assertion."""


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    variables: dict[str, Any]
    steps: list[dict[str, Any]]


@dataclass
class Target:
    base_url: str
    api_key: str


@dataclass
class Answer:
    status: int
    headers: httpx2.Headers
    text: str
    elapsed_ms: float
    document: Any = None  # JSON body, or the Message a stream accumulates to
    problems: list[str] = field(default_factory=list)


# -- loading ------------------------------------------------------------------------------------------------


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def load(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        raise ScenarioError(f"{_where(path, data, list(error.absolute_path))}: {error.message}")
    _check_paths_and_variables(path, data)
    return Scenario(path, data["name"], dict(data.get("variables") or {}), data["steps"])


def _where(path: Path, data: Any, parts: list[Any]) -> str:
    """`file: step N ("name"): field a.b[0]` for a location inside the document."""
    if len(parts) >= 2 and parts[0] == "steps" and isinstance(parts[1], int):
        step = data["steps"][parts[1]]
        name = step.get("name") if isinstance(step, dict) else None
        rest = _dotted(parts[2:])
        return f"{path}: step {parts[1] + 1} ({name!r}): field {rest or '<the step itself>'}"
    return f"{path}: field {_dotted(parts) or '<the document itself>'}"


def _dotted(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check_paths_and_variables(path: Path, data: dict[str, Any]) -> None:
    known = set(BUILTIN_VARIABLES) | set(data.get("variables") or {})
    for i, step in enumerate(data["steps"]):
        for where, text in _strings(step["request"], ["request"]):
            for name in _VARIABLE.findall(text):
                if name not in known:
                    location = _where(path, data, ["steps", i, *where])
                    raise ScenarioError(f"{location}: unknown variable ${{{name}}} (known: {sorted(known)})")
        expect = step.get("expect") or {}
        for n, assertion in enumerate(expect.get("json") or []):
            _check_path(path, data, ["steps", i, "expect", "json", n, "path"], assertion["path"])
        for name, json_path in (step.get("extract") or {}).items():
            _check_path(path, data, ["steps", i, "extract", name], json_path)
            known.add(name)


def _check_path(path: Path, data: Any, where: list[Any], json_path: str) -> None:
    try:
        parse_path(json_path)
    except ValueError as exc:
        raise ScenarioError(f"{_where(path, data, where)}: {exc}") from None


def _strings(node: Any, where: list[Any]) -> list[tuple[list[Any], str]]:
    if isinstance(node, str):
        return [(where, node)]
    if isinstance(node, dict):
        return [found for k, v in node.items() for found in _strings(v, [*where, k])]
    if isinstance(node, list):
        return [found for i, v in enumerate(node) for found in _strings(v, [*where, i])]
    return []


# -- paths ----------------------------------------------------------------------------------------------------


def parse_path(text: str) -> list[tuple[str, ...]]:
    """`content[type=tool_use].input.a` -> [("key", "content"), ("where", "type", "tool_use"), ...]."""
    text = text.removeprefix("$").removeprefix(".")
    parts: list[tuple[str, ...]] = []
    pos = 0
    while pos < len(text):
        match = _PATH_PART.match(text, pos)
        if match is None or (pos == 0 and text.startswith(".")):
            raise ValueError(f"bad JSON path {text!r} at character {pos + 1}")
        key, index, where_key, where_value = match.groups()
        if key is not None:
            parts.append(("key", key))
        elif index is not None:
            parts.append(("index", index))
        else:
            parts.append(("where", where_key, where_value))
        pos = match.end()
    if not parts:
        raise ValueError("empty JSON path")
    return parts


def resolve(document: Any, text: str) -> Any:
    """The value at the path, or `_MISSING`."""
    node = document
    for part in parse_path(text):
        if part[0] == "key" and isinstance(node, dict) and part[1] in node:
            node = node[part[1]]
        elif part[0] == "index" and isinstance(node, list) and int(part[1]) < len(node):
            node = node[int(part[1])]
        elif part[0] == "where" and isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict) and str(x.get(part[1])) == part[2]), _MISSING)
            if node is _MISSING:
                return _MISSING
        else:
            return _MISSING
    return node


# -- running --------------------------------------------------------------------------------------------------


def substitute(node: Any, variables: dict[str, Any]) -> Any:
    if isinstance(node, str):
        whole = _VARIABLE.fullmatch(node)
        if whole:
            return variables[whole.group(1)]
        return _VARIABLE.sub(lambda m: str(variables[m.group(1)]), node)
    if isinstance(node, dict):
        return {k: substitute(v, variables) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, variables) for v in node]
    return node


def prepare(request: dict[str, Any], target: Target) -> tuple[str, str, dict[str, str], bytes | None]:
    headers: dict[str, str | None] = {"x-api-key": target.api_key, "anthropic-version": "2023-06-01"}
    content: bytes | None = None
    if "body" in request:
        content = json.dumps(request["body"]).encode()
        headers["content-type"] = "application/json"
    elif "raw_body" in request:
        content = request["raw_body"].encode()
        headers["content-type"] = "application/json"
    headers.update(request.get("headers") or {})
    sent = {k: v for k, v in headers.items() if v is not None}
    return request["method"], target.base_url.rstrip("/") + request["path"], sent, content


def send(
    client: httpx2.Client, method: str, url: str, headers: dict[str, str], content: bytes | None
) -> Answer:
    started = time.perf_counter()
    response = client.request(method, url, headers=headers, content=content)
    elapsed_ms = (time.perf_counter() - started) * 1000
    answer = Answer(response.status_code, response.headers, response.text, elapsed_ms)
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == "text/event-stream":
        try:
            events = [event.data for event in check_stream_text(response.text)]
        except StreamGrammarError as exc:
            answer.problems.append(f"the stream breaks the event grammar: {exc}")
        else:
            try:
                answer.document = accumulate(events)
            except (KeyError, TypeError, IndexError) as exc:
                answer.problems.append(f"the stream does not add up to a Message: missing {exc}")
    elif media == "application/json":
        answer.document = response.json()
    return answer


def answer_text(answer: Answer) -> str:
    content = answer.document.get("content") if isinstance(answer.document, dict) else None
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return answer.text


def failed_expectations(expect: dict[str, Any], answer: Answer) -> list[str]:
    problems = list(answer.problems)
    wanted = expect.get("status")
    if wanted is not None:
        statuses = wanted if isinstance(wanted, list) else [wanted]
        if answer.status not in statuses:
            problems.append(f"status: expected {wanted}, got {answer.status}")
    for n, assertion in enumerate(expect.get("json") or []):
        problem = _json_problem(answer.document, assertion)
        if problem:
            problems.append(f"json[{n}] {assertion['path']}: {problem}")
    text = answer_text(answer).lower()
    for keyword in expect.get("text_contains") or []:
        if keyword.lower() not in text:
            problems.append(
                f"text_contains: {keyword!r} not in the answer's text {answer_text(answer)[:200]!r}"
            )
    for name in expect.get("headers_present") or []:
        if name not in answer.headers:
            problems.append(f"headers_present: no {name!r} header")
    limit = expect.get("latency_ms_under")
    if limit is not None and answer.elapsed_ms >= limit:
        problems.append(f"latency_ms_under: took {answer.elapsed_ms:.0f} ms, limit {limit} ms")
    problems += _usage_problems(expect, answer.document)
    return problems


def _json_problem(document: Any, assertion: dict[str, Any]) -> str | None:
    value = resolve(document, assertion["path"])
    if "exists" in assertion:
        return (
            None
            if (value is not _MISSING) == assertion["exists"]
            else f"exists should be {assertion['exists']}"
        )
    if value is _MISSING:
        return "no such path in the answer"
    if "equals" in assertion and value != assertion["equals"]:
        return f"expected {assertion['equals']!r}, got {value!r}"
    if "contains" in assertion and not _contains(value, assertion["contains"]):
        return f"{value!r} does not contain {assertion['contains']!r}"
    if "matches" in assertion and not re.search(assertion["matches"], str(value)):
        return f"{value!r} does not match /{assertion['matches']}/"
    return None


def _contains(value: Any, part: Any) -> bool:
    if isinstance(value, str):
        return str(part) in value
    if isinstance(value, list):
        return part in value
    if isinstance(value, dict):
        return isinstance(part, dict) and all(value.get(k) == v for k, v in part.items())
    return False


def _usage_problems(expect: dict[str, Any], document: Any) -> list[str]:
    wanted = [key for key in ("tokens_under", "cost_usd_under") if key in expect]
    if not wanted:
        return []
    usage = document.get("usage") if isinstance(document, dict) else None
    if not isinstance(usage, dict):
        return [f"{key}: the answer has no usage" for key in wanted]
    problems = []
    if "tokens_under" in expect and total_tokens(usage) >= expect["tokens_under"]:
        problems.append(f"tokens_under: {total_tokens(usage)} tokens, limit {expect['tokens_under']}")
    if "cost_usd_under" in expect:
        cost = cost_usd(str(document.get("model")), usage)
        if cost >= expect["cost_usd_under"]:
            problems.append(f"cost_usd_under: ${cost:.6f}, limit ${expect['cost_usd_under']}")
    return problems


def run(scenario: Scenario, target: Target, client: httpx2.Client) -> list[str]:
    """Run every step in order; raise StepFailed at the first step that misses; return a log line per step."""
    variables: dict[str, Any] = {"api_key": target.api_key, "base_url": target.base_url, **scenario.variables}
    log = []
    for i, step in enumerate(scenario.steps):
        label = f"{scenario.path}: step {i + 1} ({step['name']!r})"
        method, url, headers, content = prepare(substitute(step["request"], variables), target)
        answer = send(client, method, url, headers, content)
        problems = failed_expectations(step.get("expect") or {}, answer)
        for name, json_path in (step.get("extract") or {}).items():
            value = resolve(answer.document, json_path)
            if value is _MISSING:
                problems.append(f"extract.{name}: no {json_path!r} in the answer")
            variables[name] = value
        if problems:
            listed = "\n  - ".join(problems)
            raise StepFailed(
                f"{label}:\n  - {listed}\nanswer {answer.status}: {answer.text[:500]}\n"
                f"reproduce: {curl(method, url, headers, content)}"
            )
        log.append(f"{label}: {answer.status} in {answer.elapsed_ms:.0f} ms")
    return log
