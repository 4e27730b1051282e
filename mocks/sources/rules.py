"""Rules: "when the request looks like this, answer that", from YAML files in a rules directory.

A rule file holds ``rules:``, a list of::

    - name: weather-loop                      # for logs and errors
      when:                                   # every condition given must hold
        model: claude-haiku-4-5               # a name or a list (aliases resolve to the same model)
        last_user: {contains: weather}        # or {equals: ...} or {matches: <regex>}, on the last user text
        tools: [get_weather]                  # tool names that must all be offered
        has_tool_result: false                # whether the last user turn carries tool_result blocks
        json: {metadata.user_id: alice}       # dotted paths into the body, compared for equality
        headers: {x-test-case: weather}       # request headers, compared for equality
        tool_result: {name: Bash, n: 2, contains: PASSED}   # a tool result in the last user turn: of that
                                              # tool, the Nth of the conversation, is_error, text test
      scenario: edit-flow                     # a named state machine (WireMock-style), starts in "Started"
      required_state: Started                 # the rule holds only in this state of its scenario
      new_state: edited                       # where the scenario moves when the rule answers
      answer: {...}                           # one answer, or
      answers: [{...}, {...}]                 # a sequence across turns: answer N for a conversation with
                                              # N assistant turns (the last one repeats)

An answer is any of: ``text`` (``{last_user}`` and ``{tool_result}`` are filled in), ``thinking``,
``tool_use: [{name, input}]``, ``mcp_tool_use: [{name, input, server, result, is_error}]`` (beta
``mcp_servers``: a call the API makes on an MCP server, and its result), ``stop_reason``, ``usage: {input_tokens, output_tokens}``,
``error: {status, type, message}``, and ``latency: {ttft_ms, tokens_per_s}`` (its own pacing).
A bad file is refused with its path and the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockclaude.errors import ERROR_TYPES, RuleError
from mockclaude.files import YAMLError, load_yaml
from mockclaude.protocol.catalog import LatencyProfile
from mockclaude.protocol.ids import seeded_id
from mockclaude.protocol.tokens import content_blocks, text_tokens
from mockclaude.sources.patterns import PatternError, compile_pattern
from mockclaude.sources.synthesis import writer
from mockclaude.sources.synthesis.message import sign, tool_results, tool_use_tokens
from mockclaude.store.matchers import MatchResult, match_key

_WHEN_KEYS = {"model", "last_user", "tools", "has_tool_result", "tool_result", "json", "headers"}
_TOOL_RESULT_KEYS = {"name", "n", "is_error", "equals", "contains", "matches"}
_RULE_KEYS = {"name", "when", "answer", "answers", "scenario", "required_state", "new_state"}
STARTED = "Started"  # the state every scenario starts in (and returns to on reset), as in WireMock
_ANSWER_KEYS = {"text", "thinking", "tool_use", "mcp_tool_use", "stop_reason", "usage", "error", "latency"}
_MCP_KEYS = {"name", "input", "server", "result", "is_error"}
_MATCHERS = ("equals", "contains", "matches")
_STOP_REASONS = ("end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal")


@dataclass(frozen=True)
class Rule:
    name: str
    file: Path
    when: dict[str, Any]
    answers: tuple[dict[str, Any], ...]
    scenario: str | None = None
    required_state: str | None = None
    new_state: str | None = None

    def match(
        self,
        body: dict[str, Any],
        headers: dict[str, str],
        model_ids: set[str],
        states: Mapping[str, str] | None = None,
    ) -> MatchResult:
        """Whether every condition holds; if not, the first that failed and why (cheap checks first).
        ``states`` are the scenarios' current states (a scenario not in it is in ``Started``)."""
        when = self.when
        if self.scenario is not None and self.required_state is not None:
            state = (states or {}).get(self.scenario, STARTED)
            if state != self.required_state:
                return _fail(f"scenario {self.scenario}: in state {state!r}, wanted {self.required_state!r}")
        if "model" in when:
            wanted = when["model"] if isinstance(when["model"], list) else [when["model"]]
            if not model_ids & set(wanted):
                return _fail(f"when.model: {body.get('model')} not in [{', '.join(map(str, wanted))}]")
        messages = body.get("messages") or []
        if "tools" in when:  # the last user text is extracted only when needed
            offered = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
            missing = [str(name) for name in when["tools"] if name not in offered]
            if missing:
                return _fail(f"when.tools: {', '.join(missing)} not offered")
        if "has_tool_result" in when:
            has = bool(tool_results(messages))
            if has != bool(when["has_tool_result"]):
                return _fail(f"when.has_tool_result: {_yaml_bool(has)}, wanted {_yaml_bool(not has)}")
        if "tool_result" in when:
            why = _tool_result_fails(when["tool_result"], messages)
            if why:
                return _fail(f"when.tool_result: {why}")
        if "last_user" in when:
            kind, value = next(iter(when["last_user"].items()))
            if not _text_matches(kind, value, last_user_text(messages)):
                return _fail(f"when.last_user {kind} {value!r}: no")
        for path, expected in (when.get("json") or {}).items():
            found = _dig(body, path)
            if found != expected:
                shown = "missing" if found is None else repr(found)
                return _fail(f"when.json.{path}: {shown}, wanted {expected!r}")
        for name, expected in (when.get("headers") or {}).items():
            sent = headers.get(name.lower())  # never echoed: a header may carry a credential
            if sent != str(expected):
                return _fail(f"when.headers.{name.lower()}: {'missing' if sent is None else 'differs'}")
        return MatchResult(True, f"rule {self.name}: {len(when)} condition(s) hold")

    def matches(self, body: dict[str, Any], headers: dict[str, str], model_ids: set[str]) -> bool:
        return bool(self.match(body, headers, model_ids))

    def answer_for(self, body: dict[str, Any]) -> dict[str, Any]:
        turn = sum(1 for m in body.get("messages") or [] if m.get("role") == "assistant")
        return self.answers[min(turn, len(self.answers) - 1)]


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user turn that has text (a turn of only tool results is skipped)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            blocks = content_blocks(message.get("content"))
            text = "\n".join(
                str(b.get("text", "")) for b in blocks if isinstance(b, dict) and b.get("type") == "text"
            )
            if text:
                return text
    return ""


def numbered_tool_results(messages: list[dict[str, Any]]) -> list[tuple[int, str, str, bool]]:
    """(N, tool name, text, is_error) for the tool results of the final user turn, N counting every tool
    result of the conversation from 1 (the first result the client sent back is 1)."""
    final = tool_results(messages)
    if not final:
        return []
    total = sum(
        1
        for m in messages
        if m.get("role") == "user"
        for b in content_blocks(m.get("content"))
        if isinstance(b, dict) and b.get("type") == "tool_result"
    )
    first = total - len(final) + 1
    return [(first + i, name, text, is_error) for i, (name, text, is_error) in enumerate(final)]


def _tool_result_fails(wanted: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    """Why no tool result of the final user turn fits ``wanted`` ("" when one does)."""
    results = numbered_tool_results(messages)
    if not results:
        return "the last user turn carries no tool result"
    text_test = next(((k, wanted[k]) for k in _MATCHERS if k in wanted), None)
    for n, name, text, is_error in results:
        if "name" in wanted and name != wanted["name"]:
            continue
        if "n" in wanted and n != wanted["n"]:
            continue
        if "is_error" in wanted and is_error != bool(wanted["is_error"]):
            continue
        if text_test is not None and not _text_matches(text_test[0], str(text_test[1]), text):
            continue
        return ""
    shown = ", ".join(f"#{n} {name}" for n, name, _, _ in results)
    return f"none of the tool results ({shown}) fits {_flow(wanted)}"


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in mapping.items()) + "}"


def _text_matches(kind: str, value: str, text: str) -> bool:
    if kind == "equals":
        return text == value
    if kind == "contains":
        return value.lower() in text.lower()
    return compile_pattern(value).search(text) is not None


def _fail(reason: str) -> MatchResult:
    return MatchResult(False, reason)


def _yaml_bool(value: bool) -> str:
    return "true" if value else "false"


def explain_rules(
    rules: list[Rule],
    body: dict[str, Any],
    headers: dict[str, str],
    model_ids: set[str],
    states: Mapping[str, str] | None = None,
) -> list[tuple[str, MatchResult]]:
    """The rules tried for a request, in order, each with why it did or did not fire: up to and including
    the first that fires (the one that answers), or all of them when none does. Pure: no I/O, no state."""
    tried: list[tuple[str, MatchResult]] = []
    for rule in rules:
        result = rule.match(body, headers, model_ids, states)
        tried.append((rule.name, result))
        if result:
            break
    return tried


def _dig(body: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(body, dict):
            body = body.get(part)
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return None
    return body


def build_message(
    answer: dict[str, Any], body: dict[str, Any], model_id: str, input_usage: dict[str, Any]
) -> dict[str, Any]:
    """The Message a rule answer describes."""
    seed = match_key("POST", "/v1/messages", body).encode()
    messages = body.get("messages") or []
    fill = {
        "last_user": last_user_text(messages),
        "tool_result": "; ".join(text for _, text, _ in tool_results(messages)),
    }
    content: list[dict[str, Any]] = []
    output = 0
    thinking = body.get("thinking") or {}
    thought = str(answer.get("thinking") or "")
    if not thought and thinking.get("type") == "enabled":
        # Manual thinking: every answer of the API starts with a thinking block, and the client must send
        # it back with a tool's result; a rule that gives none gets one, signed like the mock's own.
        thought = writer.thinking_text(fill["last_user"])
    if thought:
        shown = "" if thinking.get("display") == "omitted" and not answer.get("thinking") else thought
        content.append({"type": "thinking", "thinking": shown, "signature": sign(thought, seed)})
        output += text_tokens(thought)
    content += mcp_blocks(answer.get("mcp_tool_use") or [], body, seed)
    output += sum(tool_use_tokens(b) for b in content if b["type"] == "mcp_tool_use")
    if answer.get("text"):
        text = str(answer["text"]).format_map(fill)
        content.append({"type": "text", "text": text, "citations": None})
        output += text_tokens(text)
    for i, call in enumerate(answer.get("tool_use") or []):
        block = {
            "type": "tool_use",
            "id": seeded_id("toolu", seed, f"rule{i}"),
            "name": call["name"],
            "input": call.get("input") or {},
        }
        content.append(block)
        output += tool_use_tokens(block)
    stop = answer.get("stop_reason") or ("tool_use" if answer.get("tool_use") else "end_turn")
    usage = {**input_usage, "output_tokens": output, "service_tier": "standard", "inference_geo": "global"}
    usage.update(answer.get("usage") or {})
    return {
        "id": seeded_id("msg", seed, "rule"),
        "type": "message",
        "role": "assistant",
        "model": model_id,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "stop_details": None,
        "usage": usage,
    }


def mcp_blocks(calls: list[dict[str, Any]], body: dict[str, Any], seed: bytes) -> list[dict[str, Any]]:
    """A rule's MCP calls (beta ``mcp_servers``): each an ``mcp_tool_use`` block, on the named server or the
    request's first, and its ``mcp_tool_result`` (the API runs the call itself)."""
    servers = [s.get("name") for s in body.get("mcp_servers") or () if isinstance(s, dict)]
    blocks: list[dict[str, Any]] = []
    for i, call in enumerate(calls):
        use_id = seeded_id("mcptoolu", seed, f"rule{i}")
        server = call.get("server") or (servers[0] if servers else "mcp")
        blocks.append(
            {
                "type": "mcp_tool_use",
                "id": use_id,
                "name": call["name"],
                "server_name": server,
                "input": call.get("input") or {},
            }
        )
        result = [{"type": "text", "text": str(call.get("result", "")), "citations": None}]
        blocks.append(
            {
                "type": "mcp_tool_result",
                "tool_use_id": use_id,
                "is_error": bool(call.get("is_error", False)),
                "content": result,
            }
        )
    return blocks


def answer_profile(answer: dict[str, Any]) -> LatencyProfile | None:
    latency = answer.get("latency")
    if not latency:
        return None
    return LatencyProfile(
        name="rule",
        ttft_ms=float(latency.get("ttft_ms", 0)),
        tokens_per_s=float(latency.get("tokens_per_s", 0)),
    )


# -- loading --------------------------------------------------------------------------------------------
def load_rules(directory: Path | None) -> list[Rule]:
    if directory is None or not directory.exists():
        return []
    rules: list[Rule] = []
    for path in sorted(directory.glob("*.yaml")):
        rules.extend(parse_rules(path, path.read_text(encoding="utf-8")))
    return rules


def parse_rules(path: Path, text: str) -> list[Rule]:
    try:
        data = load_yaml(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(
            f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleError(f"{path}: rules: expected a list of rules under the key 'rules'")
    return [_parse_rule(path, i, raw) for i, raw in enumerate(data["rules"])]


def _parse_rule(path: Path, index: int, raw: Any) -> Rule:
    where = f"{path}: rules[{index}]"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: expected a mapping")
    _known_fields(where, raw, _RULE_KEYS)
    for key in ("scenario", "required_state", "new_state"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key]):
            raise RuleError(f"{where}.{key}: expected a non-empty string, got {raw[key]!r}")
    if ("required_state" in raw or "new_state" in raw) and "scenario" not in raw:
        raise RuleError(f"{where}: required_state and new_state need a scenario (its name)")
    when = raw.get("when") or {}
    if not isinstance(when, dict):
        raise RuleError(f"{where}.when: expected a mapping")
    for key, value in when.items():
        if key not in _WHEN_KEYS:
            raise RuleError(
                f"{where}.when.{key}: unknown condition (expected one of {', '.join(sorted(_WHEN_KEYS))})"
            )
        if key == "last_user":
            if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _MATCHERS:
                raise RuleError(
                    f"{where}.when.last_user: expected one of {{equals|contains|matches: text}}, got {value!r}"
                )
            _check_pattern(f"{where}.when.last_user", value)
        if key in ("json", "headers") and not isinstance(value, dict):
            raise RuleError(f"{where}.when.{key}: expected a mapping of path to value")
        if key == "tools" and not isinstance(value, list):
            raise RuleError(f"{where}.when.tools: expected a list of tool names")
        if key == "tool_result":
            _check_tool_result(f"{where}.when.tool_result", value)
    if ("answer" in raw) == ("answers" in raw):
        raise RuleError(f"{where}: give exactly one of answer or answers")
    answers = raw["answers"] if "answers" in raw else [raw["answer"]]
    if not isinstance(answers, list) or not answers:
        raise RuleError(f"{where}.answers: expected a non-empty list")
    for n, answer in enumerate(answers):
        _check_answer(f"{where}.{'answers[' + str(n) + ']' if 'answers' in raw else 'answer'}", answer)
    return Rule(
        str(raw.get("name") or f"{path.stem}[{index}]"),
        path,
        when,
        tuple(answers),
        scenario=raw.get("scenario"),
        required_state=raw.get("required_state"),
        new_state=raw.get("new_state"),
    )


def _check_tool_result(where: str, value: Any) -> None:
    if not isinstance(value, dict) or not value:
        raise RuleError(f"{where}: expected a mapping of {', '.join(sorted(_TOOL_RESULT_KEYS))}")
    _known_fields(where, value, _TOOL_RESULT_KEYS)
    if sum(k in value for k in _MATCHERS) > 1:
        raise RuleError(f"{where}: give at most one of equals, contains or matches")
    if "n" in value and (isinstance(value["n"], bool) or not isinstance(value["n"], int) or value["n"] < 1):
        raise RuleError(f"{where}.n: expected a count from 1 (the Nth tool result), got {value['n']!r}")
    if "is_error" in value and not isinstance(value["is_error"], bool):
        raise RuleError(f"{where}.is_error: expected true or false")
    _check_pattern(where, value)


def _known_fields(where: str, mapping: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    """A field outside ``allowed`` is refused, naming it and what is allowed."""
    unknown = set(mapping) - allowed
    if unknown:
        raise RuleError(
            f"{where}.{sorted(unknown)[0]}: unknown field (expected one of {', '.join(sorted(allowed))})"
        )


def _check_pattern(where: str, value: dict[str, Any]) -> None:
    """A ``matches`` regex must compile in RE2 (linear time), else the rule is refused naming it."""
    if "matches" in value:
        try:
            compile_pattern(str(value["matches"]))
        except PatternError as exc:
            raise RuleError(f"{where}.matches: bad regex ({exc})") from None


def _check_answer(where: str, answer: Any) -> None:
    if not isinstance(answer, dict) or not answer:
        raise RuleError(f"{where}: expected a mapping with text, tool_use, error, ...")
    _known_fields(where, answer, _ANSWER_KEYS)
    if "stop_reason" in answer and answer["stop_reason"] not in _STOP_REASONS:
        raise RuleError(
            f"{where}.stop_reason: {answer['stop_reason']!r} is not one of {', '.join(_STOP_REASONS)}"
        )
    for n, call in enumerate(answer.get("tool_use") or []):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise RuleError(f"{where}.tool_use[{n}].name: a tool name is required")
        if not isinstance(call.get("input", {}), dict):
            raise RuleError(f"{where}.tool_use[{n}].input: expected an object")
    for n, call in enumerate(answer.get("mcp_tool_use") or []):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise RuleError(f"{where}.mcp_tool_use[{n}].name: a tool name is required")
        unknown = set(call) - _MCP_KEYS
        if unknown:
            raise RuleError(f"{where}.mcp_tool_use[{n}].{sorted(unknown)[0]}: unknown field")
        if not isinstance(call.get("input", {}), dict):
            raise RuleError(f"{where}.mcp_tool_use[{n}].input: expected an object")
    error = answer.get("error")
    if error is not None:
        if not isinstance(error, dict) or not isinstance(error.get("status"), int):
            raise RuleError(f"{where}.error.status: an HTTP status (integer) is required")
        if "type" in error and error["type"] not in set(ERROR_TYPES.values()):
            raise RuleError(f"{where}.error.type: {error['type']!r} is not an API error type")
