"""Google Vertex AI through ``anthropic.AnthropicVertex`` (SDK 2.16) against the mock: in-process and on a
loopback port, strict response validation, the same pipeline as first-party requests."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest

VERTEX_HAIKU = "claude-haiku-4-5@20251001"
HELLO = [{"role": "user", "content": "Hello, Claude"}]
WEATHER = {
    "name": "get_weather",
    "description": "The current weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def test_create_answers_as_the_first_party_api_does(mockclaude: Any, mockclaude_vertex_client: Any) -> None:
    request = {"max_tokens": 200, "messages": [{"role": "user", "content": "Name three rivers."}]}
    vertex = mockclaude_vertex_client.messages.create(model=VERTEX_HAIKU, **request)
    direct = mockclaude.client().messages.create(model="claude-haiku-4-5-20251001", **request)

    assert vertex.model == "claude-haiku-4-5-20251001"
    assert vertex.content[0].text == direct.content[0].text != ""  # one pipeline, one synthesizer
    assert vertex.usage.input_tokens == direct.usage.input_tokens
    first, second = mockclaude.journal.entries()
    assert first["platform"] == "vertex" and second["platform"] is None
    assert first["path"] == (
        "/v1/projects/mockclaude-project/locations/us-east5/publishers/anthropic/models/"
        f"{VERTEX_HAIKU}:rawPredict"
    )
    assert first["model"] == "claude-haiku-4-5-20251001"  # the answer's; the request as sent:
    assert (
        "model" not in first["request"]["body"]
        and first["request"]["body"]["anthropic_version"] == "2026-10-21"
    )
    assert first["request"]["headers"]["authorization"] == "<redacted>"
    assert first["cost_usd"] == second["cost_usd"] > 0


def test_a_first_party_recording_answers_a_vertex_request(
    mockclaude_vertex_client: Any, mockclaude: Any
) -> None:
    # The shipped seed recording `hello.yaml` was made for POST /v1/messages with model claude-haiku-4-5.
    message = mockclaude_vertex_client.messages.create(
        model="claude-haiku-4-5", max_tokens=1024, messages=HELLO
    )
    assert message.content[0].text == "Hello! It's nice to meet you. How can I help you today?"
    (entry,) = mockclaude.journal.entries()
    assert entry["origin"].startswith("recording:") and entry["platform"] == "vertex"


def test_the_stream_helper_over_stream_raw_predict(mockclaude: Any) -> None:
    server = mockclaude.serve()
    client = server.vertex_client()
    story = [{"role": "user", "content": "Tell me a short story about a lighthouse."}]
    events: list[str] = []
    with client.messages.stream(model=VERTEX_HAIKU, max_tokens=300, messages=story) as stream:
        for event in stream:
            events.append(event.type)
        final = stream.get_final_message()
    whole = client.messages.create(model=VERTEX_HAIKU, max_tokens=300, messages=story)
    assert events[0] == "message_start" and events[-1] == "message_stop" and "text" in events
    assert final.content[0].text == whole.content[0].text  # type: ignore[union-attr]
    streamed, plain = server.journal.entries()
    assert streamed["path"].endswith(f"{VERTEX_HAIKU}:streamRawPredict") and streamed["stream"] is True
    assert plain["path"].endswith(":rawPredict") and plain["stream"] is False


def test_a_tool_round_trip(mockclaude_vertex_client: Any) -> None:
    client = mockclaude_vertex_client
    question = {"role": "user", "content": "What is the weather in Paris?"}
    first = client.messages.create(
        model=VERTEX_HAIKU,
        max_tokens=400,
        tools=[WEATHER],
        tool_choice={"type": "tool", "name": "get_weather"},
        messages=[question],
    )
    assert first.stop_reason == "tool_use"
    call = next(block for block in first.content if block.type == "tool_use")
    assert call.name == "get_weather" and isinstance(call.input["city"], str)  # type: ignore[index]
    result = {"type": "tool_result", "tool_use_id": call.id, "content": "18 °C, light rain"}
    second = client.messages.create(
        model=VERTEX_HAIKU,
        max_tokens=400,
        tools=[WEATHER],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": [result]},
        ],
    )
    assert second.stop_reason == "end_turn" and second.content[0].type == "text"


def test_count_tokens_through_count_tokens_raw_predict(
    mockclaude: Any, mockclaude_vertex_client: Any
) -> None:
    messages = [{"role": "user", "content": "How many tokens is this sentence, roughly?"}]
    counted = mockclaude_vertex_client.messages.count_tokens(model=VERTEX_HAIKU, messages=messages)
    direct = mockclaude.client().messages.count_tokens(model="claude-haiku-4-5", messages=messages)
    assert counted.input_tokens == direct.input_tokens > 0
    entry = mockclaude.journal.entries()[0]
    assert entry["path"].endswith("/publishers/anthropic/models/count-tokens:rawPredict")
    assert entry["platform"] == "vertex"


def test_an_unknown_model_is_vertex_s_own_404(mockclaude_vertex_client: Any) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        mockclaude_vertex_client.messages.create(
            model="claude-haiku-4-5@20990101", max_tokens=10, messages=HELLO
        )
    error = caught.value.body["error"]  # type: ignore[index]
    assert error["code"] == 404 and error["status"] == "NOT_FOUND"
    assert error["message"].startswith(
        "Publisher Model `projects/mockclaude-project/locations/us-east5/publishers/anthropic/models/"
        "claude-haiku-4-5@20990101` was not found"
    )


def test_a_missing_token_is_vertex_s_401(mockclaude: Any) -> None:
    server = mockclaude.serve()
    url = (
        server.base_url
        + "/v1/projects/p/locations/global/publishers/anthropic/models/claude-opus-4-6:rawPredict"
    )
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 10, "messages": HELLO}
    response = httpx2.post(url, json=body, timeout=30)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    error = response.json()["error"]
    assert error["status"] == "UNAUTHENTICATED" and error["message"].startswith(
        "Request is missing required authentication credential"
    )
    answered = httpx2.post(url, json=body, headers={"authorization": "Bearer ya29.any"}, timeout=30)
    assert answered.status_code == 200 and answered.json()["model"] == "claude-opus-4-6"


@pytest.mark.mockclaude(api_keys=("ya29.the-right-token",))
def test_a_token_outside_the_configured_keys_is_refused(mockclaude: Any) -> None:
    assert (
        mockclaude.vertex_client().messages.create(model=VERTEX_HAIKU, max_tokens=10, messages=HELLO).content
    )
    with pytest.raises(anthropic.AuthenticationError) as caught:
        mockclaude.vertex_client(access_token="ya29.wrong").messages.create(
            model=VERTEX_HAIKU, max_tokens=10, messages=HELLO
        )
    assert caught.value.body["error"]["message"].startswith("Request had invalid authentication credentials")  # type: ignore[index]


@pytest.mark.parametrize(
    ("status", "error_class", "google_status", "api_type"),
    [
        (400, anthropic.BadRequestError, None, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "UNAUTHENTICATED", None),
        (403, anthropic.PermissionDeniedError, "PERMISSION_DENIED", None),
        (404, anthropic.NotFoundError, "NOT_FOUND", None),
        (413, anthropic.RequestTooLargeError, None, "request_too_large"),
        (429, anthropic.RateLimitError, "RESOURCE_EXHAUSTED", None),
        (500, anthropic.InternalServerError, None, "api_error"),
        (529, anthropic.OverloadedError, None, "overloaded_error"),
    ],
)
def test_each_error_class(
    mockclaude_vertex_client: Any,
    status: int,
    error_class: type[Exception],
    google_status: str | None,
    api_type: str | None,
) -> None:
    client = mockclaude_vertex_client.with_options(max_retries=0)
    with pytest.raises(error_class) as caught:
        client.messages.create(
            model=VERTEX_HAIKU,
            max_tokens=10,
            messages=HELLO,
            extra_headers={"x-mockclaude-fault": str(status)},
        )
    error = caught.value
    assert isinstance(error, anthropic.APIStatusError) and error.status_code == status
    assert error.response.headers["x-mockclaude-fault"] == "injected"
    body = error.body
    assert isinstance(body, dict)
    if google_status is not None:  # Vertex answers itself, in Google's body
        assert body["error"]["status"] == google_status and body["error"]["code"] == status
        assert "type" not in body and "retry-after" not in error.response.headers
    else:  # the model's error, relayed in the API's envelope
        assert body["type"] == "error" and body["error"]["type"] == api_type


def test_retries_recover_from_two_throttling_errors(mockclaude: Any) -> None:
    client = mockclaude.serve().vertex_client()  # the SDK's default: 2 retries, its own backoff
    message = client.messages.create(
        model=VERTEX_HAIKU,
        max_tokens=50,
        messages=HELLO,
        extra_headers={"x-mockclaude-fault": "429; times=2"},
    )
    assert message.content[0].text
    entries = mockclaude.journal.entries()
    assert [e["status"] for e in entries] == [429, 429, 200]
    assert [e["request"]["headers"]["x-stainless-retry-count"] for e in entries] == ["0", "1", "2"]
    assert entries[0]["response"]["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert {e["platform"] for e in entries} == {"vertex"}


@pytest.mark.mockclaude(rate_limits="rpm=1,itpm=100000,otpm=100000")
def test_a_rate_limit_is_resource_exhausted_without_anthropic_headers(mockclaude_vertex_client: Any) -> None:
    client = mockclaude_vertex_client.with_options(max_retries=0)
    response = client.messages.with_raw_response.create(model=VERTEX_HAIKU, max_tokens=10, messages=HELLO)
    assert not [h for h in response.headers if h.startswith("anthropic-ratelimit-")]
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(model=VERTEX_HAIKU, max_tokens=10, messages=HELLO)
    error = caught.value.body["error"]  # type: ignore[index]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert (
        "online_prediction_requests_per_base_model with base model: anthropic-claude-haiku-4-5"
        in error["message"]
    )


def test_batches_are_refused_by_the_client_before_sending(
    mockclaude: Any, mockclaude_vertex_client: Any
) -> None:
    with pytest.raises(anthropic.AnthropicError, match="not supported in the Vertex client"):
        mockclaude_vertex_client.messages.batches.list()
    assert mockclaude.journal.entries() == []
