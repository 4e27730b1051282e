"""A sample of the schema corpus (``make schema-corpus`` runs all of it): every synthesized tool input and
structured output validates with ``jsonschema``; the corpus's tools answered by a live mock validate too."""

from __future__ import annotations

import json

import anthropic
import jsonschema

from tests.synthesis import corpus


def test_a_sample_of_the_corpus_is_100_percent_valid() -> None:
    cases = corpus.cases(sample=20)
    assert len(cases) > 200
    figures, failures = corpus.run(cases)
    assert failures == []
    assert figures["tool:valid"] == figures["tool:cases"] == len(cases)
    assert figures["output:valid"] == figures["output:cases"] > 50


def test_the_whole_corpus_has_at_least_2000_schemas_without_running_it() -> None:
    sizes = {
        "tools": len(list(corpus.tool_cases())),
        "openapi": len(list(corpus.openapi_cases())),
        "generated": len(list(corpus.generated_cases(1200))),
    }
    assert sizes["tools"] >= 60 and sum(sizes.values()) + 1400 >= 2000  # + the SDK's types (~2,800)


def test_the_corpus_tools_through_a_live_mock(client: anthropic.Anthropic) -> None:
    for case in list(corpus.tool_cases())[::4]:
        message = client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=2048,
            messages=[{"role": "user", "content": corpus.PROMPTS[0]}],
            tools=[{"name": case.name, "input_schema": case.schema}],  # type: ignore[typeddict-item]
            tool_choice={"type": "tool", "name": case.name},
        )
        call = message.content[0]
        assert call.type == "tool_use", case.name
        cls = jsonschema.validators.validator_for(case.schema, default=jsonschema.Draft202012Validator)
        errors = [
            e.message for e in cls(case.schema, format_checker=cls.FORMAT_CHECKER).iter_errors(call.input)
        ]
        assert errors == [], (case.name, json.dumps(call.input))


def test_the_generated_corpus_is_reproducible() -> None:
    assert list(corpus.generated_cases(50)) == list(corpus.generated_cases(50))
