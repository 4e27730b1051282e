"""The newest official SDK, strict response validation, against a real mock server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, get_args

import anthropic
import jsonschema
import pytest

from mockclaude.protocol.contract import Contract
from tests.spec.sse_grammar import check_stream_text
from tests.support.server import Server, raw_post

MODEL = "claude-haiku-4-5"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "input_schema": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City and country"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}


def conforms(contract: Contract, schema: str, payload: Any) -> None:
    errors = sorted(contract.schema_validator(schema).iter_errors(payload), key=str)
    assert not errors, f"{schema}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_create_text_answer(client: anthropic.Anthropic, contract: Contract) -> None:
    raw = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=256, messages=[{"role": "user", "content": "Hello, Claude"}]
    )
    message = raw.parse()
    assert raw.headers["request-id"].startswith("req_")
    assert raw.headers["anthropic-organization-id"]
    assert message._request_id == raw.headers["request-id"]
    assert message.type == "message" and message.role == "assistant"
    assert message.model == "claude-haiku-4-5-20251001"
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text" and "Hello" in message.content[0].text
    assert message.usage.input_tokens > 0
    assert 0 < message.usage.output_tokens <= 256
    conforms(contract, "Message", raw.http_response.json())


def test_same_request_same_answer(client: anthropic.Anthropic) -> None:
    ask = {"model": MODEL, "max_tokens": 200, "messages": [{"role": "user", "content": "What is a monad?"}]}
    first, second = client.messages.create(**ask), client.messages.create(**ask)  # type: ignore[call-overload]
    assert first.content == second.content and first.id == second.id
    other = client.messages.create(**{**ask, "messages": [{"role": "user", "content": "What is a functor?"}]})  # type: ignore[call-overload]
    assert other.content != first.content


def test_async_create(async_client: anthropic.AsyncAnthropic) -> None:
    async def run() -> list[anthropic.types.Message]:
        return await asyncio.gather(
            *[
                async_client.messages.create(
                    model=MODEL, max_tokens=64, messages=[{"role": "user", "content": f"Say hi #{i}"}]
                )
                for i in range(5)
            ]
        )

    messages = asyncio.run(run())
    assert len({m.id for m in messages}) == 5
    assert all(m.content and m.usage.output_tokens <= 64 for m in messages)


def test_stream_helper_joins_text(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model=MODEL, max_tokens=300, messages=[{"role": "user", "content": "Explain TCP slow start"}]
    ) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 3
    assert "".join(pieces) == final.content[0].text  # type: ignore[union-attr]
    assert final.usage.output_tokens > 0 and final.usage.input_tokens > 0
    assert final.stop_reason == "end_turn"


def test_raw_stream_event_order_and_schema(mock_server: Server, contract: Contract) -> None:
    response = raw_post(
        mock_server,
        "/v1/messages",
        {
            "model": MODEL,
            "max_tokens": 300,
            "stream": True,
            "messages": [{"role": "user", "content": "Hi there"}],
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = check_stream_text(response.text)
    names = [e.name for e in events]
    assert names[0] == "message_start" and names[1] == "content_block_start" and names[2] == "ping"
    assert names[-2:] == ["message_delta", "message_stop"]
    for event in events:
        conforms(contract, "MessageStreamEvent", event.data)


def test_stream_and_json_answers_agree(client: anthropic.Anthropic) -> None:
    ask: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 400,
        "tools": [WEATHER_TOOL],
        "messages": [{"role": "user", "content": "What's the weather in Oslo, Norway?"}],
    }
    as_json = client.messages.create(**ask)
    with client.messages.stream(**ask) as stream:
        as_stream = stream.get_final_message()
    assert as_stream.model_dump() == as_json.model_dump()


def test_tool_use_round_trip(client: anthropic.Anthropic, contract: Contract) -> None:
    question = {"role": "user", "content": "What's the weather like in Paris, France today?"}
    first = client.messages.create(model=MODEL, max_tokens=500, tools=[WEATHER_TOOL], messages=[question])  # type: ignore[list-item]
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "get_weather" and call.id.startswith("toolu_")
    jsonschema.validate(call.input, WEATHER_TOOL["input_schema"])
    assert "Paris" in call.input["location"]  # type: ignore[index]
    final = client.messages.create(
        model=MODEL,
        max_tokens=500,
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        messages=[
            question,  # type: ignore[list-item]
            {"role": "assistant", "content": first.content},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18°C, sunny"}],
            },
        ],
    )
    assert final.stop_reason == "end_turn"
    assert "18°C, sunny" in final.content[0].text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("choice", "expect_tool"),
    [
        ({"type": "auto"}, False),
        ({"type": "any"}, True),
        ({"type": "tool", "name": "get_weather"}, True),
        ({"type": "none"}, False),
    ],
)
def test_tool_choice(client: anthropic.Anthropic, choice: dict[str, str], expect_tool: bool) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=300,
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        tool_choice=choice,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "Write a haiku about autumn leaves"}],
    )
    kinds = [b.type for b in message.content]
    assert ("tool_use" in kinds) is expect_tool
    assert message.stop_reason == ("tool_use" if expect_tool else "end_turn")


def test_disable_parallel_tool_use(client: anthropic.Anthropic) -> None:
    time_tool = {
        "name": "get_time",
        "description": "Get the current local time in a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    ask = "What's the weather and the local time in Tokyo?"
    both = client.messages.create(
        model=MODEL,
        max_tokens=500,
        tools=[WEATHER_TOOL, time_tool],
        messages=[{"role": "user", "content": ask}],  # type: ignore[list-item]
    )
    one = client.messages.create(
        model=MODEL,
        max_tokens=500,
        tools=[WEATHER_TOOL, time_tool],  # type: ignore[list-item]
        tool_choice={"type": "auto", "disable_parallel_tool_use": True},
        messages=[{"role": "user", "content": ask}],
    )
    assert [b.type for b in both.content].count("tool_use") == 2
    assert [b.type for b in one.content].count("tool_use") == 1


def test_thinking_block_first_and_counted(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=3000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "Why is the sky blue?"}],
    )
    thinking, text = message.content[0], message.content[1]
    assert thinking.type == "thinking" and thinking.thinking and thinking.signature
    assert text.type == "text"
    from mockclaude.protocol.tokens import text_tokens

    assert message.usage.output_tokens == text_tokens(thinking.thinking) + text_tokens(text.text)


def test_max_tokens_cut(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "Explain TCP"}]
    )
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens <= 5


def test_stop_sequence(client: anthropic.Anthropic) -> None:
    ask: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 300,
        "messages": [{"role": "user", "content": "Explain DNS"}],
    }
    full = client.messages.create(**ask).content[0].text  # type: ignore[union-attr]
    word = full.split()[4]
    cut = client.messages.create(**ask, stop_sequences=[word])
    assert cut.stop_reason == "stop_sequence" and cut.stop_sequence == word
    assert cut.content[0].text == full[: full.index(word)]  # type: ignore[union-attr]


def test_count_tokens_matches_usage(client: anthropic.Anthropic) -> None:
    ask: dict[str, Any] = {
        "model": MODEL,
        "system": "You are a terse assistant.",
        "tools": [WEATHER_TOOL],
        "messages": [{"role": "user", "content": "Summarize the plot of Hamlet in two sentences."}],
    }
    counted = client.messages.count_tokens(**ask)
    created = client.messages.create(max_tokens=100, **ask)
    assert counted.input_tokens == created.usage.input_tokens > 20


def test_prompt_cache_write_then_read(client: anthropic.Anthropic) -> None:
    long_system = "You are a meticulous assistant for the Acme support team. " * 600  # well over 4096 tokens
    ask: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 50,
        "system": [
            {
                "type": "text",
                "text": long_system + str(time.time()),
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            }
        ],
        "messages": [{"role": "user", "content": "Hello"}],
    }
    first = client.messages.create(**ask).usage
    second = client.messages.create(**ask).usage
    assert first.cache_creation_input_tokens and first.cache_creation_input_tokens > 4096
    assert (
        first.cache_creation
        and first.cache_creation.ephemeral_1h_input_tokens == first.cache_creation_input_tokens
    )
    assert not first.cache_read_input_tokens
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert not second.cache_creation_input_tokens
    assert second.input_tokens == first.input_tokens


def test_short_prefix_is_not_cached(client: anthropic.Anthropic) -> None:
    usage = client.messages.create(
        model=MODEL,
        max_tokens=20,
        system=[{"type": "text", "text": "Short system prompt.", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "Hello"}],
    ).usage
    assert usage.cache_creation_input_tokens == 0 and usage.cache_read_input_tokens == 0


def test_batches_lifecycle(client: anthropic.Anthropic, contract: Contract) -> None:
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": "ok-1",
                "params": {"model": MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]},
            },
            {
                "custom_id": "bad-model",
                "params": {
                    "model": "claude-nope",
                    "max_tokens": 50,
                    "messages": [{"role": "user", "content": "Hi"}],
                },
            },
        ]
    )
    assert batch.processing_status == "in_progress" and batch.request_counts.processing == 2
    assert batch.results_url is None
    deadline = time.monotonic() + 10
    while batch.processing_status != "ended" and time.monotonic() < deadline:
        time.sleep(0.1)
        batch = client.messages.batches.retrieve(batch.id)
    assert batch.processing_status == "ended"
    assert batch.request_counts.succeeded == 1 and batch.request_counts.errored == 1
    assert batch.results_url and batch.results_url.startswith("http://127.0.0.1")
    results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    assert results["ok-1"].type == "succeeded" and results["ok-1"].message.usage.service_tier == "batch"  # type: ignore[union-attr]
    assert (
        results["bad-model"].type == "errored" and results["bad-model"].error.error.type == "not_found_error"
    )  # type: ignore[union-attr]
    listed = [b.id for b in client.messages.batches.list(limit=100)]
    assert batch.id in listed
    deleted = client.messages.batches.delete(batch.id)
    assert deleted.id == batch.id and deleted.type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve(batch.id)


def test_batch_cancel(client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": f"r{i}",
                "params": {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "Hi"}]},
            }
            for i in range(4)
        ]
    )
    canceled = client.messages.batches.cancel(batch.id)
    assert canceled.processing_status == "canceling" and canceled.cancel_initiated_at is not None
    with pytest.raises(anthropic.BadRequestError):
        client.messages.batches.delete(batch.id)
    time.sleep(0.7)
    ended = client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.canceled >= 1
    assert sum(ended.request_counts.model_dump().values()) == 4


def test_models_pagination_and_alias(client: anthropic.Anthropic, contract: Contract) -> None:
    everything = list(client.models.list(limit=2))
    assert len(everything) == len({m.id for m in everything}) > 4
    assert all(m.lifecycle in ("active", "deprecated") for m in everything)
    created = [m.created_at for m in everything]
    assert created == sorted(created, reverse=True)
    haiku = client.models.retrieve("claude-haiku-4-5")
    assert haiku.id == "claude-haiku-4-5-20251001" and haiku.max_tokens == 64000
    with pytest.raises(anthropic.NotFoundError):
        client.models.retrieve("claude-does-not-exist")


def test_models_list_covers_the_sdk_literal(client: anthropic.Anthropic, contract: Contract) -> None:
    """GET /v1/models (every page, parsed strictly) lists every model of the SDK's `Model` literal, newest
    first, and no retired model; asking for `lifecycle=retired` lists the retired ones only."""
    from anthropic.types.model import Model

    literal = {v for member in get_args(Model) for v in get_args(member) if isinstance(v, str)}
    listed = list(client.models.list(limit=7))
    ids = {m.id for m in listed}
    aliases = literal - ids  # e.g. `claude-haiku-4-5`: retrieving an alias answers its dated model
    assert {client.models.retrieve(alias).id for alias in aliases} <= ids, sorted(aliases)
    assert all(m.lifecycle != "retired" for m in listed)
    assert [m.created_at for m in listed] == sorted((m.created_at for m in listed), reverse=True)
    retired = list(client.models.list(lifecycle=["retired"]))
    assert retired and {m.lifecycle for m in retired} == {"retired"}
    assert "claude-opus-4-1-20250805" in {m.id for m in retired} and not ids & {m.id for m in retired}
    haiku = client.models.retrieve("claude-haiku-5-5")
    assert (haiku.max_input_tokens, haiku.max_tokens, haiku.line) == (1_000_000, 128_000, "haiku")
    preview = client.models.retrieve("claude-mythos-preview")
    assert preview.lifecycle == "deprecated" and preview.retires_at is not None


@pytest.mark.parametrize("model", ["claude-opus-4-1", "claude-3-5-haiku-20241022", "claude-sonnet-4-0"])
def test_retired_model_is_not_found(client: anthropic.Anthropic, model: str) -> None:
    """A retired model answers 404 not_found_error, as the API does for a model it no longer serves."""
    with pytest.raises(anthropic.NotFoundError) as nf:
        client.messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert nf.value.body["error"] == {"type": "not_found_error", "message": f"model: {model}"}  # type: ignore[index]


@pytest.mark.parametrize("model", ["claude-haiku-5-5", "claude-fable-5-2", "claude-mythos-preview"])
def test_new_models_answer(client: anthropic.Anthropic, model: str) -> None:
    """Models new in the catalog answer through the strict SDK, echoing their id (the SDK itself warns about
    the deprecated one)."""
    deprecated = model == "claude-mythos-preview"
    with pytest.warns(DeprecationWarning, match="end-of-life") if deprecated else contextlib.nullcontext():
        message = client.messages.create(
            model=model, max_tokens=64, messages=[{"role": "user", "content": "Hi"}]
        )
    assert message.model == model and message.content and message.usage.output_tokens > 0


def test_error_classes(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as nf:
        client.messages.create(
            model="claude-nope", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert nf.value.status_code == 404 and nf.value.body["error"]["message"] == "model: claude-nope"  # type: ignore[index]
    with pytest.raises(anthropic.BadRequestError) as br:
        client.messages.create(
            model=MODEL, max_tokens=100_000, messages=[{"role": "user", "content": "x"}], timeout=30
        )
    assert br.value.request_id and br.value.request_id.startswith("req_")
    assert br.value.body["error"]["message"] == (  # type: ignore[index]
        "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001"
    )
    with pytest.raises(anthropic.APIStatusError) as big:
        client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x" * (33 * 1024 * 1024)}]
        )
    assert big.value.status_code == 413 and big.value.body["error"]["type"] == "request_too_large"  # type: ignore[index]


def test_authentication_error(tmp_path: Any) -> None:
    from tests.support.server import start_server, stop_server

    server = start_server(tmp_path, "--latency", "instant", "--api-key", "sk-ant-good")
    try:
        good = anthropic.Anthropic(
            base_url=server.base_url, api_key="sk-ant-good", _strict_response_validation=True
        )
        assert good.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        ).content
        bad = anthropic.Anthropic(base_url=server.base_url, api_key="sk-ant-bad", max_retries=0)
        with pytest.raises(anthropic.AuthenticationError) as err:
            bad.messages.create(model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        assert err.value.body["error"]["message"] == "invalid x-api-key"  # type: ignore[index]
        missing = raw_post(server, "/v1/messages", {"model": MODEL}, headers={"x-api-key": ""})
        assert (
            missing.status_code == 401
            and missing.json()["error"]["message"] == "x-api-key header is required"
        )
    finally:
        stop_server(server)
