"""What the mock answers to beta requests: checked against the generated beta schemas (``BetaMessage``,
each event against ``BetaMessageStreamEvent``, beta batches, results and models) by the ``client`` fixture's
response hook, and parsed by the SDK's beta types under strict response validation. Also: beta batches take
beta params, context-management edits change the count and are reported, and the journal marks the beta
fields that are accepted but not emulated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest
from pydantic import TypeAdapter

from tests.support.conformance import ResponseConformance
from tests.support.server import Server, raw_post, rules_client

if tuple(int(p) for p in anthropic.__version__.split(".")[:2]) < (2, 16):
    pytest.skip(f"needs SDK 2.16's beta types; installed {anthropic.__version__}", allow_module_level=True)

from anthropic.types.beta import BetaMessage, BetaRawMessageStreamEvent
from anthropic.types.beta.messages import BetaMessageBatchIndividualResponse

MODEL = "claude-opus-4-8"
BETAS = ["context-management-2025-06-27", "mcp-client-2025-11-20", "advanced-tool-use-2025-11-20"]
LOOKUP = {
    "name": "lookup",
    "description": "Look a record up",
    "input_schema": {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]},
}
BIG_RESULT = "row " * 400  # ~400 tokens a result, so clearing shows in the count


def tool_conversation(uses: int, thinking: bool = False) -> list[dict[str, Any]]:
    """``uses`` rounds of assistant tool_use / user tool_result, then a user question."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Look up every key."}]
    for i in range(uses):
        think = [{"type": "thinking", "thinking": f"Key {i} next.", "signature": "sig"}] if thinking else []
        use = {"type": "tool_use", "id": f"toolu_{i:02d}", "name": "lookup", "input": {"key": f"k{i}"}}
        messages.append({"role": "assistant", "content": [*think, use]})
        result = {"type": "tool_result", "tool_use_id": f"toolu_{i:02d}", "content": BIG_RESULT}
        messages.append({"role": "user", "content": [result]})
    messages[-1]["content"].append({"type": "text", "text": "Summarise them."})
    return messages


def journal_entry(server: Server, request_id: str) -> dict[str, Any]:
    entries = httpx2.get(server.base_url + "/_mock/journal").json()["data"]
    return next(e for e in entries if e["id"] == request_id)


# -- the answers, against the beta schemas and the SDK's beta types ----------------------------------------


def test_beta_message_conforms_and_parses_strictly(
    client: anthropic.Anthropic, conformance: ResponseConformance
) -> None:
    before = conformance.checked_beta
    raw = client.beta.messages.with_raw_response.create(
        model=MODEL,
        max_tokens=512,
        messages=tool_conversation(2, thinking=True),
        tools=[LOOKUP],
        thinking={"type": "adaptive", "display": "summarized"},
        betas=BETAS,
    )
    message = raw.parse()
    assert isinstance(message, BetaMessage) and message.content
    assert conformance.checked_beta == before + 1  # validated against BetaMessage, not Message
    BetaMessage.model_validate(raw.http_response.json(), strict=False)


def test_every_beta_stream_event_conforms_and_parses(
    mock_server: Server, conformance: ResponseConformance
) -> None:
    body = {
        "model": MODEL,
        "max_tokens": 512,
        "stream": True,
        "messages": tool_conversation(3),
        "tools": [LOOKUP],
        "context_management": {
            "edits": [
                {
                    "type": "clear_tool_uses_20250919",
                    "trigger": {"type": "tool_uses", "value": 1},
                    "keep": {"type": "tool_uses", "value": 1},
                }
            ]
        },
    }
    response = raw_post(mock_server, "/v1/messages?beta=true", body, {"anthropic-beta": ",".join(BETAS)})
    before = conformance.checked_beta
    conformance.check_response(response)  # every event against BetaMessageStreamEvent
    from mockclaude.protocol.sse import parse_sse

    events = [data for _, data in parse_sse(response.text)]
    assert conformance.checked_beta - before == len(events) > 5
    adapter: TypeAdapter[Any] = TypeAdapter(BetaRawMessageStreamEvent)
    parsed = [adapter.validate_python(e) for e in events if e["type"] != "ping"]
    delta = next(e for e in parsed if e.type == "message_delta")
    assert delta.context_management is not None
    assert [edit.type for edit in delta.context_management.applied_edits] == ["clear_tool_uses_20250919"]


def test_sdk_beta_stream_accumulates_the_applied_edits(client: anthropic.Anthropic) -> None:
    edits = [{"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 1000}}]
    with client.beta.messages.stream(
        model=MODEL,
        max_tokens=256,
        messages=tool_conversation(5),
        tools=[LOOKUP],
        context_management={"edits": edits},
        betas=BETAS,
    ) as stream:
        final = stream.get_final_message()
    assert final.context_management is not None
    (applied,) = final.context_management.applied_edits
    assert applied.type == "clear_tool_uses_20250919" and applied.cleared_tool_uses == 2  # keep 3 by default


def test_beta_count_tokens_conforms(client: anthropic.Anthropic) -> None:
    edits = [{"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 1000}}]
    counted = client.beta.messages.count_tokens(
        model=MODEL,
        messages=tool_conversation(5),
        tools=[LOOKUP],
        context_management={"edits": edits},
        betas=BETAS,
    )
    plain = client.beta.messages.count_tokens(
        model=MODEL, messages=tool_conversation(5), tools=[LOOKUP], betas=BETAS
    )
    assert counted.context_management is not None
    assert counted.context_management.original_input_tokens == plain.input_tokens
    assert counted.input_tokens < plain.input_tokens
    assert plain.context_management is None


def test_beta_models_conform(client: anthropic.Anthropic, conformance: ResponseConformance) -> None:
    before = conformance.checked_beta
    page = client.beta.models.list(limit=3, betas=BETAS)
    assert page.data and type(page.data[0]).__name__ == "BetaModelInfo"
    assert client.beta.models.retrieve(page.data[0].id, betas=BETAS).id == page.data[0].id
    assert conformance.checked_beta == before + 2  # BetaModelInfoPage, BetaModelInfo


# -- beta batches ---------------------------------------------------------------------------------------------


def wait_ended(client: anthropic.Anthropic, batch_id: str) -> None:
    deadline = time.monotonic() + 60  # a hang guard: batches end after --batch-processing-s 0.5
    while client.beta.messages.batches.retrieve(batch_id).processing_status != "ended":
        assert time.monotonic() < deadline, f"batch {batch_id} did not end"
        time.sleep(0.2)


def batch_request(custom_id: str) -> dict[str, Any]:
    edits = [{"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 1000}}]
    return {
        "custom_id": custom_id,
        "params": {
            "model": MODEL,
            "max_tokens": 256,
            "messages": tool_conversation(5),
            "tools": [{**LOOKUP, "defer_loading": True}],
            "context_management": {"edits": edits},
            "mcp_servers": [{"type": "url", "url": "https://mcp.example.com/sse", "name": "example"}],
            "output_config": {"task_budget": {"type": "tokens", "total": 20000}},
        },
    }


def test_beta_batch_takes_beta_params_and_answers_beta_results(
    client: anthropic.Anthropic, conformance: ResponseConformance, mock_server: Server
) -> None:
    raw = client.beta.messages.batches.with_raw_response.create(requests=[batch_request("one")], betas=BETAS)
    batch = raw.parse()
    entry = journal_entry(mock_server, raw.http_response.headers["request-id"])
    assert entry["not_emulated"] == ["requests[0].params.output_config.task_budget"]  # the rest is emulated
    wait_ended(client, batch.id)
    # Without betas the SDK's beta batch calls look like stable ones on the wire: name them, so the answer is
    # checked as a beta answer (the JSONL line against BetaMessageBatchIndividualResponse).
    before = conformance.checked_beta
    (result,) = list(client.beta.messages.batches.results(batch.id, betas=BETAS))
    assert conformance.checked_beta == before + 1
    assert isinstance(result, BetaMessageBatchIndividualResponse)
    assert result.result.type == "succeeded", result
    assert result.result.message.context_management is not None
    assert result.result.message.context_management.applied_edits[0].cleared_tool_uses == 2
    page = client.beta.messages.batches.list(limit=1, betas=BETAS)
    assert type(page.data[0]).__name__ == "BetaMessageBatch"
    assert client.beta.messages.batches.retrieve(batch.id, betas=BETAS).processing_status == "ended"
    assert conformance.checked_beta == before + 3


def test_the_same_batch_without_betas_errs_on_the_beta_params(client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=[batch_request("one")])  # type: ignore[list-item]
    wait_ended(client, batch.id)  # (the stable and beta batch routes are one store)
    (result,) = list(client.messages.batches.results(batch.id))
    assert result.result.type == "errored"
    assert "Extra inputs are not permitted" in result.result.error.error.message


# -- context management through client.beta.messages.create ------------------------------------------------


def test_clear_tool_uses_lowers_the_input_and_is_reported(client: anthropic.Anthropic) -> None:
    common: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "tools": [LOOKUP], "betas": BETAS}
    plain = client.beta.messages.create(messages=tool_conversation(6), **common)
    edits = [
        {
            "type": "clear_tool_uses_20250919",
            "trigger": {"type": "input_tokens", "value": 2000},
            "keep": {"type": "tool_uses", "value": 2},
            "exclude_tools": [],
        }
    ]
    managed = client.beta.messages.create(
        messages=tool_conversation(6), context_management={"edits": edits}, **common
    )
    assert plain.context_management is None
    assert managed.context_management is not None
    (applied,) = managed.context_management.applied_edits
    assert applied.type == "clear_tool_uses_20250919" and applied.cleared_tool_uses == 4
    assert applied.cleared_input_tokens > 4 * 300
    assert managed.usage.input_tokens == plain.usage.input_tokens - applied.cleared_input_tokens


def test_below_the_trigger_nothing_is_cleared(client: anthropic.Anthropic) -> None:
    edits = [{"type": "clear_tool_uses_20250919"}]  # the default trigger: 100,000 input tokens
    message = client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        messages=tool_conversation(6),
        tools=[LOOKUP],
        context_management={"edits": edits},
        betas=BETAS,
    )
    assert message.context_management is not None and message.context_management.applied_edits == []


def test_clear_thinking_keeps_the_newest_turns(client: anthropic.Anthropic) -> None:
    common: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "tools": [LOOKUP], "betas": BETAS}
    plain = client.beta.messages.create(messages=tool_conversation(4, thinking=True), **common)
    edits = [{"type": "clear_thinking_20251015", "keep": {"type": "thinking_turns", "value": 1}}]
    managed = client.beta.messages.create(
        messages=tool_conversation(4, thinking=True), context_management={"edits": edits}, **common
    )
    assert managed.context_management is not None
    (applied,) = managed.context_management.applied_edits
    assert applied.type == "clear_thinking_20251015" and applied.cleared_thinking_turns == 3
    assert applied.cleared_input_tokens > 0
    assert managed.usage.input_tokens == plain.usage.input_tokens - applied.cleared_input_tokens
    kept_all = client.beta.messages.create(
        messages=tool_conversation(4, thinking=True),
        context_management={"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        **common,
    )
    assert kept_all.context_management is not None and kept_all.context_management.applied_edits == []


# -- the journal: accepted, not emulated ------------------------------------------------------------------------


def test_journal_marks_beta_fields_accepted_but_not_emulated(
    client: anthropic.Anthropic, mock_server: Server
) -> None:
    raw = client.beta.messages.with_raw_response.create(
        model=MODEL,
        max_tokens=256,
        messages=[{"role": "user", "content": "hi"}],
        tools=[LOOKUP],
        mcp_servers=[{"type": "url", "url": "https://mcp.example.com/sse", "name": "example"}],
        output_config={"effort": "low", "task_budget": {"type": "tokens", "total": 20000}},
        betas=BETAS,
    )
    entry = journal_entry(mock_server, raw.http_response.headers["request-id"])
    assert entry["not_emulated"] == ["output_config.task_budget"]  # mcp_servers is emulated
    emulated = client.beta.messages.with_raw_response.create(
        model=MODEL, max_tokens=256, messages=[{"role": "user", "content": "hi"}], betas=BETAS
    )
    assert journal_entry(mock_server, emulated.http_response.headers["request-id"])["not_emulated"] == []
    stable = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=256, messages=[{"role": "user", "content": "hi"}]
    )
    assert journal_entry(mock_server, stable.http_response.headers["request-id"])["not_emulated"] is None


# -- defer_loading: deferred tools are out of the context until a tool search finds them ---------------------

WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def test_deferred_tools_are_neither_counted_nor_called(client: anthropic.Anthropic) -> None:
    ask: list[Any] = [{"role": "user", "content": "What is the weather in Paris? Look it up."}]
    common: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "messages": ask, "betas": BETAS}
    alone = client.beta.messages.count_tokens(model=MODEL, messages=ask, tools=[LOOKUP], betas=BETAS)
    deferred = [{**WEATHER, "defer_loading": True}, LOOKUP]
    counted = client.beta.messages.count_tokens(model=MODEL, messages=ask, tools=deferred, betas=BETAS)
    assert counted.input_tokens == alone.input_tokens
    message = client.beta.messages.create(tools=deferred, tool_choice={"type": "any"}, **common)
    assert [b.name for b in message.content if b.type == "tool_use"] == ["lookup"]


def test_a_tool_reference_loads_a_deferred_tool(client: anthropic.Anthropic) -> None:
    found = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_s1", "name": "search_tools", "input": {"q": "weather"}}
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_s1",
                    "content": [{"type": "tool_reference", "tool_name": "get_weather"}],
                }
            ],
        },
    ]
    search = {**LOOKUP, "name": "search_tools"}
    tools = [search, {**WEATHER, "defer_loading": True}]
    loaded = client.beta.messages.count_tokens(model=MODEL, messages=found, tools=tools, betas=BETAS)
    not_found = [
        *found[:2],
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_s1", "content": "none"}]},
    ]
    hidden = client.beta.messages.count_tokens(model=MODEL, messages=not_found, tools=tools, betas=BETAS)
    assert loaded.input_tokens > hidden.input_tokens + 20  # the tool's definition counts once discovered


# -- fallbacks: a refusal hands over to the next model ---------------------------------------------------------

REFUSING_RULES = """\
rules:
  - name: opus-declines
    when: {model: [claude-opus-4-8], last_user: {contains: DECLINE}}
    answer: {text: "I can't help with that.", stop_reason: refusal}
"""


@pytest.fixture(scope="module")
def refusing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[anthropic.Anthropic]:
    with rules_client(tmp_path_factory.mktemp("fallbacks"), REFUSING_RULES) as client:
        yield client


def test_without_fallbacks_the_refusal_is_the_answer(refusing: anthropic.Anthropic) -> None:
    message = refusing.beta.messages.create(
        model="claude-opus-4-8",
        max_tokens=256,
        messages=[{"role": "user", "content": "DECLINE this"}],
        betas=BETAS,
    )
    assert message.stop_reason == "refusal" and message.model == "claude-opus-4-8"


def test_a_refusal_falls_back_to_the_next_model(refusing: anthropic.Anthropic) -> None:
    message = refusing.beta.messages.create(
        model="claude-opus-4-8",
        max_tokens=256,
        messages=[{"role": "user", "content": "DECLINE this"}],
        fallbacks=[{"model": "claude-sonnet-5", "max_tokens": 128}],
        betas=["server-side-fallback-2026-07-01"],
    )
    fallback, *rest = message.content
    assert fallback.type == "fallback"
    assert fallback.from_.model == "claude-opus-4-8" and fallback.to.model == message.model
    assert message.model.startswith("claude-sonnet-5") and message.stop_reason == "end_turn"
    assert rest and rest[0].type == "text"
    assert message.usage.iterations is not None
    kinds = [(i.type, i.model) for i in message.usage.iterations]
    assert kinds == [("message", "claude-opus-4-8"), ("fallback_message", message.model)]
    assert message.usage.input_tokens == sum(i.input_tokens for i in message.usage.iterations)


def test_a_streamed_fallback_parses_with_the_sdk(refusing: anthropic.Anthropic) -> None:
    with refusing.beta.messages.stream(
        model="claude-opus-4-8",
        max_tokens=256,
        messages=[{"role": "user", "content": "DECLINE this"}],
        fallbacks=[{"model": "claude-sonnet-5"}],
        betas=["server-side-fallback-2026-07-01"],
    ) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content][:2] == ["fallback", "text"]
    assert final.model.startswith("claude-sonnet-5")
