"""``anthropic.AnthropicBedrock`` (SDK 2.16) against the mock's Bedrock routes on loopback: SigV4 with dummy
AWS credentials and a Bedrock API key, create, the stream helper, a tool round trip, each error class, and
retries that recover from injected throttling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest

from tests.support.server import Server, start_server, stop_server

HAIKU_5 = "us.anthropic.claude-haiku-5-5"  # takes the SDK's default anthropic_version 2026-10-21
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"  # takes bedrock-2023-05-31
OLD_VERSION = {"anthropic_version": "bedrock-2023-05-31"}
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def bedrock(server: Server, **options: Any) -> anthropic.AnthropicBedrock:
    credentials = {} if "api_key" in options else {"aws_access_key": "AKIDEXAMPLE", "aws_secret_key": "dummy"}
    return anthropic.AnthropicBedrock(
        aws_region="us-east-1",
        base_url=server.base_url,
        _strict_response_validation=True,
        **{"max_retries": 0, **credentials, **options},
    )


def ask(text: str, model: str = HAIKU_5, **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 200, "messages": [{"role": "user", "content": text}], **extra}


def journal(server: Server, newest: int) -> list[dict[str, Any]]:
    """The ``newest`` journal entries, oldest first."""
    reply = httpx2.get(server.base_url + "/_mock/journal", params={"limit": newest})
    entries: list[dict[str, Any]] = reply.json()["data"]
    return entries


def test_create_with_sigv4_reads_a_message(mock_server: Server) -> None:
    message = bedrock(mock_server).messages.create(**ask("Hello"))
    assert message.type == "message" and message.content[0].type == "text" and message.content[0].text
    assert message.model == "claude-haiku-5-5" and message.usage.output_tokens > 0
    [entry] = journal(mock_server, 1)
    assert entry["path"] == "/model/us.anthropic.claude-haiku-5-5/invoke"
    assert entry["model"] == "claude-haiku-5-5" and entry["status"] == 200
    assert entry["request"]["headers"]["authorization"] == "<redacted>"


def test_create_with_a_bedrock_api_key(mock_server: Server) -> None:
    message = bedrock(mock_server, api_key="bedrock-api-key-abc").messages.create(**ask("Hello"))
    assert message.content[0].type == "text" and message.stop_reason == "end_turn"


def test_the_answer_is_the_first_party_answer(mock_server: Server) -> None:
    """One pipeline: the same request answers the same through /v1/messages and through Bedrock."""
    first_party = anthropic.Anthropic(base_url=mock_server.base_url, api_key="sk-ant-test", max_retries=0)
    direct = first_party.messages.create(**ask("Name three rivers", model="claude-haiku-4-5-20251001"))
    via = bedrock(mock_server).messages.create(
        **ask("Name three rivers", model=HAIKU_45, extra_body=OLD_VERSION)
    )
    assert [b.model_dump() for b in via.content] == [b.model_dump() for b in direct.content]
    assert via.usage.input_tokens == direct.usage.input_tokens


def test_stream_helper_accumulates_the_event_stream(mock_server: Server) -> None:
    with bedrock(mock_server).messages.stream(**ask("Tell me a short story")) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and text == final.content[0].text  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0


def test_raw_stream_ends_with_bedrock_invocation_metrics(mock_server: Server) -> None:
    stream = bedrock(mock_server).messages.create(**ask("Hi"), stream=True)
    events = list(stream)
    assert events[0].type == "message_start" and events[-1].type == "message_stop"
    metrics = events[-1].model_extra["amazon-bedrock-invocationMetrics"]  # type: ignore[index]
    assert metrics["outputTokenCount"] == events[-2].usage.output_tokens > 0  # type: ignore[union-attr]
    assert metrics["inputTokenCount"] == events[0].message.usage.input_tokens  # type: ignore[union-attr]


def test_tool_round_trip(mock_server: Server) -> None:
    client = bedrock(mock_server)
    question: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.messages.create(model=HAIKU_5, max_tokens=300, tools=[WEATHER], messages=question)
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "get_weather" and isinstance(call.input, dict) and call.input["city"]
    result = {"type": "tool_result", "tool_use_id": call.id, "content": "18 C and sunny"}
    question += [{"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}]
    second = client.messages.create(model=HAIKU_5, max_tokens=300, tools=[WEATHER], messages=question)
    assert second.stop_reason == "end_turn" and second.content[0].type == "text"


@pytest.mark.parametrize(
    ("fault", "error", "status", "exception"),
    [
        ("400", anthropic.BadRequestError, 400, "ValidationException"),
        ("401", anthropic.PermissionDeniedError, 403, "UnrecognizedClientException"),
        ("403", anthropic.PermissionDeniedError, 403, "AccessDeniedException"),
        ("404", anthropic.NotFoundError, 404, "ResourceNotFoundException"),
        ("429", anthropic.RateLimitError, 429, "ThrottlingException"),
        ("ModelNotReadyException", anthropic.RateLimitError, 429, "ModelNotReadyException"),
        ("500", anthropic.InternalServerError, 500, "InternalServerException"),
        ("529", anthropic.InternalServerError, 503, "ServiceUnavailableException"),
        ("504", anthropic.APIStatusError, 408, "ModelTimeoutException"),
    ],
)
def test_each_error_class_in_bedrocks_shape(
    mock_server: Server, fault: str, error: type[anthropic.APIStatusError], status: int, exception: str
) -> None:
    with pytest.raises(error) as raised:
        bedrock(mock_server).messages.create(**ask("Hello"), extra_headers={"x-mockclaude-fault": fault})
    response = raised.value.response
    assert response.status_code == status
    assert response.headers["x-amzn-errortype"].split(":")[0] == exception
    assert set(response.json()) == {"message"} and response.json()["message"]
    assert "x-should-retry" not in response.headers  # Bedrock sends none: the SDK decides by status


def test_retries_recover_from_two_injected_throttling_errors(mock_server: Server) -> None:
    client = bedrock(mock_server, max_retries=2)
    message = client.messages.create(
        **ask("Hello"), extra_headers={"x-mockclaude-fault": "ThrottlingException; times=2; retry_after=0.05"}
    )
    assert message.content[0].type == "text"
    attempts = journal(mock_server, 3)
    assert [e["status"] for e in attempts] == [429, 429, 200]
    throttled = {"message": "Too many requests, please wait before trying again."}
    assert [(e["fault"], e["response"]) for e in attempts[:2]] == [("429", throttled)] * 2


def test_error_event_mid_stream_is_an_exception_frame(mock_server: Server) -> None:
    client = bedrock(mock_server)
    fault = {"x-mockclaude-fault": "error_after=3"}
    with (
        pytest.raises(anthropic.APIStatusError) as raised,
        client.messages.stream(**ask("Tell me a story"), extra_headers=fault) as stream,
    ):
        for _ in stream.text_stream:
            pass
    assert raised.value.body == {
        "type": "error",
        "error": {"type": "modelStreamErrorException", "message": "Overloaded"},
    }


def test_unknown_and_retired_model_ids(mock_server: Server) -> None:
    client = bedrock(mock_server)
    with pytest.raises(anthropic.BadRequestError, match="The provided model identifier is invalid"):
        client.messages.create(**ask("Hi", model="anthropic.claude-nope-v1:0"))
    with pytest.raises(anthropic.NotFoundError, match="end of its life"):
        client.messages.create(
            **ask("Hi", model="anthropic.claude-3-haiku-20240307-v1:0", extra_body=OLD_VERSION)
        )


def test_api_version_2026_10_21_only_for_claude_4_7_and_later(mock_server: Server) -> None:
    client = bedrock(mock_server)
    with pytest.raises(anthropic.BadRequestError, match="bedrock-2023-05-31") as raised:
        client.messages.create(**ask("Hi", model=HAIKU_45))
    assert raised.value.response.headers["x-mockclaude-error"] == "true"  # the text is the mock's
    assert client.messages.create(**ask("Hi", model=HAIKU_45, extra_body=OLD_VERSION)).content


def test_validation_errors_pass_the_apis_message(mock_server: Server) -> None:
    with pytest.raises(anthropic.BadRequestError) as raised:
        robot: Any = {"role": "robot", "content": "Hi"}
        bedrock(mock_server).messages.create(model=HAIKU_5, max_tokens=10, messages=[robot])
    assert raised.value.response.headers["x-amzn-errortype"].startswith("ValidationException:")
    assert "role" in raised.value.response.json()["message"]


def test_missing_or_malformed_credentials_are_403(mock_server: Server) -> None:
    url = mock_server.base_url + "/model/" + HAIKU_5 + "/invoke"
    body = {
        "anthropic_version": "2026-10-21",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    missing = httpx2.post(url, json=body)
    assert missing.status_code == 403
    assert missing.headers["x-amzn-errortype"].startswith("MissingAuthenticationTokenException")
    assert missing.json() == {"message": "Missing Authentication Token"}
    malformed = httpx2.post(url, json=body, headers={"authorization": "AWS4-HMAC-SHA256 nonsense"})
    assert malformed.status_code == 403
    assert malformed.headers["x-amzn-errortype"].startswith("IncompleteSignatureException")
    extraneous = httpx2.post(url, json={**body, "model": "x"}, headers={"authorization": "Bearer k"})
    assert extraneous.status_code == 400
    assert "extraneous key [model] is not permitted" in extraneous.json()["message"]


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("keyed"), "--latency", "instant", "--api-key", "AKIDALLOWED"
    )
    yield server
    stop_server(server)


def test_configured_keys_name_the_accepted_callers(keyed_server: Server) -> None:
    assert bedrock(keyed_server, aws_access_key="AKIDALLOWED").messages.create(**ask("Hi")).content
    with pytest.raises(
        anthropic.PermissionDeniedError, match="security token included in the request is invalid"
    ):
        bedrock(keyed_server, aws_access_key="AKIDOTHER").messages.create(**ask("Hi"))


def test_the_fixture_client_is_answered_in_process(mockclaude_bedrock_client: Any, mockclaude: Any) -> None:
    message = mockclaude_bedrock_client.messages.create(**ask("Hello"))
    assert message.content[0].text
    [entry] = mockclaude.journal.entries()
    assert entry["path"] == "/model/us.anthropic.claude-haiku-5-5/invoke"


def test_a_first_party_recording_answers_through_bedrock(mock_server: Server) -> None:
    """The shipped seed recording of `Hello, Claude` (recorded as `claude-haiku-4-5` on /v1/messages)."""
    seed = "Hello! It's nice to meet you. How can I help you today?"
    request = ask("Hello, Claude", model=HAIKU_45, extra_body=OLD_VERSION)
    request["max_tokens"] = 1024
    client = bedrock(mock_server)
    assert client.messages.create(**request).content[0].text == seed  # type: ignore[union-attr]
    with client.messages.stream(**request) as stream:
        assert stream.get_final_text() == seed
    origins = [e["origin"] for e in journal(mock_server, 2)]
    assert origins == ["recording:hello.yaml"] * 2, origins


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Rate limits of one request a minute, and the `steady` latency profile (300 ms to the first token)."""
    server = start_server(
        tmp_path_factory.mktemp("limited"),
        "--latency",
        "steady",
        "--rate-limits",
        "rpm=1,itpm=100000,otpm=100000",
    )
    yield server
    stop_server(server)


def test_rate_limits_answer_throttling_and_streams_keep_the_models_pace(limited_server: Server) -> None:
    import time

    client = bedrock(limited_server, aws_access_key="AKIDPACED")
    started = time.monotonic()
    with client.messages.stream(**ask("Tell me a story")) as stream:
        first = next(iter(stream.text_stream))
        first_at = time.monotonic() - started
        final = stream.get_final_message()
    took = time.monotonic() - started
    assert first and first_at >= 0.3  # the profile's time to first token, frame by frame (a lower bound only)
    assert took >= 0.3 + (final.usage.output_tokens - 3) / 50  # then 50 tokens a second
    with pytest.raises(anthropic.RateLimitError) as raised:
        client.messages.create(**ask("Hello"))
    assert raised.value.response.headers["x-amzn-errortype"].startswith("ThrottlingException:")
    assert raised.value.body == {"message": "Too many requests, please wait before trying again."}
    assert not any(k.startswith("anthropic-ratelimit") for k in raised.value.response.headers)
    other = bedrock(limited_server, aws_access_key="AKIDOTHERCALLER")  # buckets are kept per access key id
    assert other.messages.create(**ask("Hello")).content


def test_betas_travel_in_the_body(mock_server: Server) -> None:
    client = bedrock(mock_server)
    edits = {"edits": [{"type": "clear_tool_uses_20250919"}]}
    beta: Any = client.beta  # the Bedrock client's own Beta resource (typed apart from the first-party one)
    message = beta.messages.create(
        **ask("Hello"), betas=["context-management-2025-06-27"], context_management=edits
    )
    assert message.content[0].type == "text"
    [entry] = journal(mock_server, 1)
    body = entry["request"]["body"]
    assert body["anthropic_beta"] == ["context-management-2025-06-27"] and "model" not in body
    with pytest.raises(
        anthropic.BadRequestError
    ):  # a beta field without the beta: the stable schema refuses it
        client.messages.create(**ask("Hello"), extra_body={"context_management": edits})
