"""The schema corpus: real-world-shaped schemas, each answered as a tool input and as a structured output,
every value checked with ``jsonschema`` (formats included). ``make schema-corpus`` runs it whole and prints
the figures; ``tests/synthesis/test_schema_corpus.py`` runs a sample in ``make test``.

Sources, all in the repository or generated reproducibly from pinned packages:
- ``tools``: tool definitions shaped like public MCP servers' and the SDK examples' (``tools.json`` here);
- ``sdk``: every type of the pinned ``anthropic`` SDK (``anthropic.types`` and ``.beta``) as pydantic makes
  its JSON Schema (``$defs``, ``anyOf``, nullable fields, literals, recursion), and the same passed through
  the SDK's own ``transform_schema`` as a structured-output schema;
- ``openapi``: every component schema of ``openapi/anthropic.yaml`` (``$ref`` into ``components``);
- ``generated``: seeded random schemas using every keyword the generator knows (pattern, formats, bounds,
  ``multipleOf``, ``uniqueItems``, ``contains``, ``oneOf``, ``allOf``, ``$ref``, ``prefixItems`` …), and
  structured-output-shaped ones that use only what the API accepts.

A schema is a ``tool`` case (``build_input``: a tool's input) and, when the API accepts it for structured
outputs (no refusal from ``mockclaude.pipeline.output_schemas``), an ``output`` case (``instance``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mockclaude.pipeline.output_schemas import refusal
from mockclaude.sources.synthesis.values import build_input, instance

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
PROMPTS = (
    "What's the weather in Paris, France for 3 days?",
    "Alice is 30 years old and lives in Berlin; add her to the CRM.",
    "resume the last run please",
    "Create an issue titled 'Login fails' in acme/web with label bug",
    "Book a table for 4 at 7pm tomorrow near Union Square",
)


@dataclass(frozen=True)
class Case:
    source: str
    name: str
    schema: dict[str, Any]


def tool_cases() -> Iterator[Case]:
    for tool in json.loads((HERE / "tools.json").read_text()):
        yield Case("tools", tool["name"], tool["input_schema"])


def claude_code_cases() -> Iterator[Case]:
    """Claude Code's own tools, as the installed CLI (``make claude-code``) sends them: captured once from a
    mock's journal into ``~/.cache/mockclaude`` (never committed); none when the CLI is not installed."""
    cache = Path.home() / ".cache" / "mockclaude" / "claude-code-tools.json"
    if not cache.exists():
        tools = capture_claude_code_tools()
        if not tools:
            return
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(tools))
    for tool in json.loads(cache.read_text()):
        if isinstance(tool, dict) and isinstance(tool.get("input_schema"), dict):
            yield Case("claude-code", str(tool["name"]), tool["input_schema"])


def capture_claude_code_tools() -> list[dict[str, Any]]:
    import tempfile

    import pytest

    from tests.clients import test_claude_code as cc
    from tests.support.server import start_server, stop_server

    try:
        cc.claude_binary()
    except pytest.skip.Exception:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        rules.mkdir()
        (rules / "claude-code.yaml").write_text(yaml.safe_dump(cc.RULES))
        server = start_server(Path(tmp), "--latency", "instant", "--rules", str(rules))
        try:
            work = Path(tmp) / "work"
            work.mkdir()
            cc.run_claude(server, work, "-p", "hello")
            entries = cc.journal(server)
        finally:
            stop_server(server)
    tools: dict[str, dict[str, Any]] = {}
    for entry in entries:
        body = entry["request"].get("body")
        for tool in (body.get("tools") if isinstance(body, dict) else None) or []:
            if isinstance(tool, dict) and "name" in tool:
                tools[tool["name"]] = tool
    return list(tools.values())


def sdk_cases(limit: int | None = None) -> Iterator[Case]:
    import anthropic.types as stable
    import anthropic.types.beta as beta
    from anthropic.lib._parse._transform import transform_schema
    from pydantic import TypeAdapter

    count = 0
    for module in (stable, beta):
        for name in sorted(dir(module)):
            kind = getattr(module, name)
            if not inspect.isclass(kind) or (limit is not None and count >= limit):
                continue
            try:
                schema = TypeAdapter(kind).json_schema()
            except Exception:  # a type pydantic cannot describe is simply not in the corpus
                continue
            count += 1
            yield Case("sdk", f"{module.__name__}.{name}", schema)
            try:
                yield Case("sdk-strict", f"{module.__name__}.{name}", transform_schema(schema))
            except (ValueError, TypeError):
                continue


def openapi_cases() -> Iterator[Case]:
    spec = yaml.safe_load((ROOT / "openapi" / "anthropic.yaml").read_text())
    components = spec["components"]["schemas"]
    for name in sorted(components):
        yield Case(
            "openapi", name, {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}
        )


# -- generated schemas -------------------------------------------------------------------------------------

PATTERNS = (
    r"^wf_[a-z0-9-]{6,}$",
    r"^[A-Z]{2}-\d{4}$",
    r"^\d{3}-\d{3}-\d{4}$",
    r"^[a-z][a-z0-9_]{2,15}$",
    r"^(GET|POST|PUT|DELETE)$",
    r"^#[0-9a-fA-F]{6}$",
    r"^v\d+\.\d+\.\d+$",
    r"[a-z]+@[a-z]+\.com",
    r"^sk-[A-Za-z0-9]{8}$",
    r"^\w+(\s\w+)*$",
)
FORMATS = ("date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname", "duration")
NAMES = (
    "name", "title", "email", "city", "age", "price", "count", "url", "path", "query", "status", "id",
    "description", "created_at", "tags", "items", "owner", "latitude", "score", "country", "phone", "notes",
)  # fmt: skip


def generated_cases(count: int, seed: int = 14) -> Iterator[Case]:
    rng = random.Random(seed)
    for i in range(count):
        strict = i % 2 == 1
        defs: dict[str, Any] = {}
        root = _object(rng, 0, strict, defs)
        if defs:
            root["$defs"] = defs
        yield Case("generated-strict" if strict else "generated", f"gen{i}", root)


def _object(rng: random.Random, depth: int, strict: bool, defs: dict[str, Any]) -> dict[str, Any]:
    names = rng.sample(NAMES, rng.randint(1, 5))
    props = {name: _schema(rng, name, depth + 1, strict, defs) for name in names}
    schema: dict[str, Any] = {"type": "object", "properties": props}
    schema["required"] = [n for n in names if strict or rng.random() < 0.6]
    if strict or rng.random() < 0.5:
        schema["additionalProperties"] = False
    if not strict and len(schema["required"]) < len(names) and rng.random() < 0.1:
        schema["minProperties"] = len(schema["required"]) + 1
    return schema


def _schema(rng: random.Random, name: str, depth: int, strict: bool, defs: dict[str, Any]) -> dict[str, Any]:
    roll = rng.random()
    if depth < 3 and roll < 0.12:
        return _object(rng, depth, strict, defs)
    if depth < 3 and roll < 0.24:
        array: dict[str, Any] = {"type": "array", "items": _schema(rng, name, depth + 1, strict, defs)}
        if strict:
            array["minItems"] = rng.choice((0, 1))
        else:
            array["minItems"] = rng.randint(0, 3)
            if rng.random() < 0.5:
                array["maxItems"] = array["minItems"] + rng.randint(0, 3)
            if rng.random() < 0.3:
                array["items"] = {"type": "integer", "minimum": 0, "maximum": 1000}
                array["uniqueItems"] = True
        return array
    if depth < 3 and roll < 0.30:
        key = f"def{len(defs)}"
        defs[key] = _object(rng, depth + 1, strict, defs)
        return {"$ref": f"#/$defs/{key}"}
    if roll < 0.36:
        variants = [_schema(rng, name, depth + 2, strict, defs) for _ in range(2)]
        if not strict and rng.random() < 0.3:  # oneOf: variants of different types, so one value fits one
            variants = [
                {"type": "string", "pattern": rng.choice(PATTERNS)},
                {"type": "integer"},
                {"type": "null"},
            ]
            return {"oneOf": variants[: rng.randint(2, 3)]}
        if rng.random() < 0.5:
            variants.append({"type": "null"})
        return {"anyOf": variants}
    if roll < 0.42:
        return {"enum": rng.sample(["low", "medium", "high", "urgent", 1, 2, None, True], rng.randint(1, 4))}
    if roll < 0.45:
        return {"const": rng.choice(["v1", 42, True])}
    if roll < 0.60:
        number: dict[str, Any] = {"type": rng.choice(("integer", "number"))}
        if not strict:
            low = rng.randint(-50, 50)
            step = rng.choice((None, None, 2, 5, 0.5, 0.25))
            if rng.random() < 0.7:
                number["exclusiveMinimum" if rng.random() < 0.3 else "minimum"] = low
            if rng.random() < 0.7:
                number["exclusiveMaximum" if rng.random() < 0.3 else "maximum"] = low + rng.randint(
                    12 if step else 1, 100
                )  # room for a multiple
            if step is not None:
                number["multipleOf"] = step
        return number
    if roll < 0.66:
        return {"type": "boolean"} if rng.random() < 0.8 else {"type": ["string", "null"]}
    string: dict[str, Any] = {"type": "string"}
    if rng.random() < 0.35:
        string["format"] = rng.choice(FORMATS)
    elif rng.random() < 0.4:
        string["pattern"] = rng.choice(PATTERNS)
    if not strict and "format" not in string and "pattern" not in string and rng.random() < 0.4:
        string["minLength"] = rng.randint(0, 8)
        string["maxLength"] = string["minLength"] + rng.randint(0, 40)
    return string


# -- running -----------------------------------------------------------------------------------------------


def cases(sample: int | None = None) -> list[Case]:
    """The corpus; ``sample`` keeps every n-th SDK/OpenAPI schema and fewer generated ones (for make test)."""
    out = list(tool_cases()) + list(claude_code_cases())
    sdk = list(sdk_cases(limit=None if sample is None else 1500 // sample))
    api = list(openapi_cases())
    out += sdk + (api if sample is None else api[::sample])
    out += list(generated_cases(1200 if sample is None else 1200 // sample))
    return out


def errors_of(schema: dict[str, Any], value: Any) -> list[str]:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in validator.iter_errors(value)]


def run(corpus: list[Case]) -> tuple[Counter[str], list[str]]:
    figures: Counter[str] = Counter()
    failures: list[str] = []
    for i, case in enumerate(corpus):
        prompt = PROMPTS[i % len(PROMPTS)]
        seed = case.name.encode()
        figures[f"{case.source}:schemas"] += 1
        tool_schema = (
            case.schema
            if case.schema.get("type", "object") == "object" and "$ref" not in case.schema
            else None
        )
        wrapped = tool_schema or {
            "type": "object",
            "properties": {"value": case.schema},
            "required": ["value"],
        }
        if "$defs" in case.schema or "components" in case.schema:
            wrapped = {**{k: v for k, v in case.schema.items() if k in ("$defs", "components")}, **wrapped}
        value = build_input(wrapped, prompt, seed)
        bad = errors_of(wrapped, value)
        figures["tool:cases"] += 1
        figures["tool:valid"] += not bad
        if bad:
            failures.append(f"tool   {case.source} {case.name}: {bad[0]}")
        if refusal({"output_config": {"format": {"type": "json_schema", "schema": case.schema}}}) is None:
            answer = instance(case.schema, prompt, seed)
            bad = errors_of(case.schema, answer)
            figures["output:cases"] += 1
            figures["output:valid"] += not bad
            if bad:
                failures.append(f"output {case.source} {case.name}: {bad[0]}")
    return figures, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="run every n-th schema only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = cases(args.sample)
    figures, failures = run(corpus)
    took = time.perf_counter() - started
    sources = Counter(c.source for c in corpus)
    print(
        f"schema corpus: {len(corpus)} schemas ({', '.join(f'{k} {v}' for k, v in sorted(sources.items()))})"
    )
    for kind in ("tool", "output"):
        cases_, valid = figures[f"{kind}:cases"], figures[f"{kind}:valid"]
        print(f"  {kind:<6} values: {valid}/{cases_} valid ({100 * valid / max(cases_, 1):.2f} %)")
    print(f"  in {took:.1f} s")
    for line in failures[:40]:
        print("  FAIL", line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
