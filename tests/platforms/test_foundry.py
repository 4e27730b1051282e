"""Microsoft Foundry through ``anthropic.AnthropicFoundry`` (SDK 2.16) against the mock: in-process and on a
loopback port, strict response validation, the same pipeline as first-party requests."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import pytest

HELLO = [{"role": "user", "content": "Hello, Claude"}]
LOOKUP = {
    "name": "lookup_order",
    "description": "Look up an order by its number.",
    "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
}


def test_create_sends_both_key_headers_and_answers_as_first_party(
    mockclaude: Any, mockclaude_foundry_client: Any
) -> None:
    request = {
        "model": "claude-haiku-4-5",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": "Name a tree."}],
    }
    foundry = mockclaude_foundry_client.messages.create(**request)
    direct = mockclaude.client().messages.create(**request)
    assert foundry.content[0].text == direct.content[0].text != ""
    first, _ = mockclaude.journal.entries()
    assert first["platform"] == "foundry" and first["path"] == "/anthropic/v1/messages"
    headers = first["request"]["headers"]
    assert headers["api-key"] == headers["x-api-key"] == "<redacted>"  # both sent; neither kept


def test_a_first_party_recording_answers_a_foundry_request(
    mockclaude: Any, mockclaude_foundry_client: Any
) -> None:
    message = mockclaude_foundry_client.messages.create(
        model="claude-haiku-4-5", max_tokens=1024, messages=HELLO
    )
    assert message.content[0].text == "Hello! It's nice to meet you. How can I help you today?"
    assert mockclaude.journal.entries()[0]["origin"].startswith("recording:")


def test_the_stream_helper_on_a_port(mockclaude: Any) -> None:
    server = mockclaude.serve()
    client = server.foundry_client()
    with client.messages.stream(model="claude-sonnet-4-6", max_tokens=200, messages=HELLO) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.content[0].text == text  # type: ignore[union-attr]
    entry = server.journal.entries()[0]
    assert (
        entry["stream"] is True and entry["platform"] == "foundry" and entry["model"] == "claude-sonnet-4-6"
    )


def test_a_tool_round_trip(mockclaude_foundry_client: Any) -> None:
    client = mockclaude_foundry_client
    question = {"role": "user", "content": "Where is order A-1042?"}
    first = client.messages.create(
        model="claude-opus-4-6",
        max_tokens=400,
        tools=[LOOKUP],
        tool_choice={"type": "any"},
        messages=[question],
    )
    call = next(block for block in first.content if block.type == "tool_use")
    assert first.stop_reason == "tool_use" and call.name == "lookup_order"
    result = {"type": "tool_result", "tool_use_id": call.id, "content": "shipped on Monday"}
    second = client.messages.create(
        model="claude-opus-4-6",
        max_tokens=400,
        tools=[LOOKUP],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": [result]},
        ],
    )
    assert second.stop_reason == "end_turn" and second.content[0].type == "text"


def test_count_tokens(mockclaude: Any, mockclaude_foundry_client: Any) -> None:
    counted = mockclaude_foundry_client.messages.count_tokens(model="claude-haiku-4-5", messages=HELLO)
    assert (
        counted.input_tokens
        == mockclaude.client().messages.count_tokens(model="claude-haiku-4-5", messages=HELLO).input_tokens
    )
    assert mockclaude.journal.entries()[0]["path"] == "/anthropic/v1/messages/count_tokens"


def test_an_entra_token_is_a_credential(mockclaude: Any) -> None:
    client = anthropic.AnthropicFoundry(
        azure_ad_token_provider=lambda: "entra-token",
        base_url=mockclaude.serve().base_url + "/anthropic/",
        _strict_response_validation=True,
    )
    assert client.messages.create(model="claude-haiku-4-5", max_tokens=10, messages=HELLO).content
    assert mockclaude.journal.entries()[0]["request"]["headers"]["authorization"] == "<redacted>"


def test_missing_credentials_are_azure_s_401(mockclaude: Any) -> None:
    url = mockclaude.serve().base_url + "/anthropic/v1/messages"
    body = {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": HELLO}
    response = httpx2.post(url, json=body, headers={"anthropic-version": "2023-06-01"}, timeout=30)
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "401",
            "message": "Access denied due to missing subscription key. Make sure to include subscription key "
            "when making requests to an API.",
        }
    }


@pytest.mark.mockclaude(api_keys=("foundry-key",))
def test_a_key_outside_the_configured_keys_is_refused(mockclaude: Any) -> None:
    assert (
        mockclaude.foundry_client()
        .messages.create(model="claude-haiku-4-5", max_tokens=10, messages=HELLO)
        .content
    )
    with pytest.raises(anthropic.AuthenticationError) as caught:
        mockclaude.foundry_client(api_key="wrong").messages.create(
            model="claude-haiku-4-5", max_tokens=10, messages=HELLO
        )
    assert caught.value.body["error"]["message"].startswith("Access denied due to invalid subscription key")  # type: ignore[index]


def test_a_model_foundry_does_not_offer_has_no_deployment(mockclaude_foundry_client: Any) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:  # Mythos is not offered on Foundry (gated)
        mockclaude_foundry_client.messages.create(model="claude-mythos-5", max_tokens=10, messages=HELLO)
    assert caught.value.body["error"]["code"] == "DeploymentNotFound"  # type: ignore[index]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, anthropic.BadRequestError),
        (401, anthropic.AuthenticationError),
        (403, anthropic.PermissionDeniedError),
        (404, anthropic.NotFoundError),
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (529, anthropic.OverloadedError),
    ],
)
def test_each_error_class(mockclaude_foundry_client: Any, status: int, error_class: type[Exception]) -> None:
    client = mockclaude_foundry_client.with_options(max_retries=0)
    with pytest.raises(error_class) as caught:
        client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=10,
            messages=HELLO,
            extra_headers={"x-mockclaude-fault": str(status)},
        )
    error = caught.value
    assert isinstance(error, anthropic.APIStatusError) and error.status_code == status
    assert error.body["type"] == "error"  # type: ignore[index]  # the API's envelope, relayed by Foundry


def test_retries_recover_from_two_throttling_errors(mockclaude: Any) -> None:
    client = mockclaude.serve().foundry_client()
    message = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=50,
        messages=HELLO,
        extra_headers={"x-mockclaude-fault": "429; times=2; retry_after=0"},
    )
    assert message.content[0].text
    assert [e["status"] for e in mockclaude.journal.entries()] == [429, 429, 200]


def test_the_client_refuses_batches_and_models(mockclaude_foundry_client: Any) -> None:
    assert mockclaude_foundry_client.messages.batches is None
    assert mockclaude_foundry_client.models is None
