"""boto3's ``bedrock-runtime`` client with ``endpoint_url`` set to the mock: InvokeModel (whole and
streamed), Converse (with a tool call and its result) and ConverseStream, Bedrock's errors and botocore's
own retries."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError

from tests.support.server import Server

MODEL = "us.anthropic.claude-haiku-5-5"
WEATHER_SPEC = {
    "toolSpec": {
        "name": "get_weather",
        "description": "The weather in a city",
        "inputSchema": {
            "json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        },
    }
}


def runtime(server: Server, **config: Any) -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=server.base_url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="dummy",
        config=Config(**{"retries": {"mode": "standard", "max_attempts": 1}, **config}),
    )


def invoke_body(text: str, **extra: Any) -> str:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": text}],
    }
    return json.dumps({**body, **extra})


def test_invoke_model_reads_the_message(mock_server: Server) -> None:
    reply = runtime(mock_server).invoke_model(modelId=MODEL, body=invoke_body("Hello"))
    message = json.loads(reply["body"].read())
    assert message["type"] == "message" and message["content"][0]["text"]
    assert reply["contentType"] == "application/json"
    headers = reply["ResponseMetadata"]["HTTPHeaders"]
    assert int(headers["x-amzn-bedrock-output-token-count"]) == message["usage"]["output_tokens"] > 0
    assert int(headers["x-amzn-bedrock-input-token-count"]) == message["usage"]["input_tokens"]


def test_invoke_model_with_response_stream_decodes_every_chunk(mock_server: Server) -> None:
    reply = runtime(mock_server).invoke_model_with_response_stream(modelId=MODEL, body=invoke_body("Hello"))
    events = [json.loads(part["chunk"]["bytes"]) for part in reply["body"]]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    whole = json.loads(
        runtime(mock_server).invoke_model(modelId=MODEL, body=invoke_body("Hello"))["body"].read()
    )
    assert text == whole["content"][0]["text"]  # the same answer, whole or streamed
    assert (
        events[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == whole["usage"]["output_tokens"]
    )


def test_converse_with_a_tool_call_and_its_result(mock_server: Server) -> None:
    client = runtime(mock_server)
    question = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
    first = client.converse(modelId=MODEL, messages=[question], toolConfig={"tools": [WEATHER_SPEC]})
    assert first["stopReason"] == "tool_use"
    content = first["output"]["message"]["content"]
    call = next(block["toolUse"] for block in content if "toolUse" in block)
    assert call["name"] == "get_weather" and call["input"]["city"] and call["toolUseId"].startswith("toolu_")
    usage = first["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"] > 0
    result = {"toolResult": {"toolUseId": call["toolUseId"], "content": [{"json": {"celsius": 18}}]}}
    second = client.converse(
        modelId=MODEL,
        messages=[question, first["output"]["message"], {"role": "user", "content": [result]}],
        toolConfig={"tools": [WEATHER_SPEC]},
        inferenceConfig={"maxTokens": 300},
    )
    assert second["stopReason"] == "end_turn"
    assert second["output"]["message"]["content"][0]["text"]


def test_converse_stream_matches_converse(mock_server: Server) -> None:
    client = runtime(mock_server)
    ask = {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": "Tell me a story"}]}],
        "system": [{"text": "Be brief."}],
    }
    events = list(client.converse_stream(**ask)["stream"])
    kinds = [next(iter(e)) for e in events]
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    whole = client.converse(**ask)
    assert text == whole["output"]["message"]["content"][0]["text"]
    assert events[-1]["metadata"]["usage"] == whole["usage"]


def test_converse_stream_tool_use_streams_its_input(mock_server: Server) -> None:
    events = list(
        runtime(mock_server).converse_stream(
            modelId=MODEL,
            messages=[{"role": "user", "content": [{"text": "Weather in Oslo?"}]}],
            toolConfig={"tools": [WEATHER_SPEC], "toolChoice": {"tool": {"name": "get_weather"}}},
        )["stream"]
    )
    start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
    assert start["start"]["toolUse"]["name"] == "get_weather"
    index = start["contentBlockIndex"]
    partial = "".join(
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in events
        if "contentBlockDelta" in e and e["contentBlockDelta"]["contentBlockIndex"] == index
    )
    assert json.loads(partial)["city"]
    assert next(e["messageStop"] for e in events if "messageStop" in e)["stopReason"] == "tool_use"


def test_errors_are_bedrock_exceptions_to_botocore(mock_server: Server) -> None:
    client = runtime(mock_server)
    with pytest.raises(client.exceptions.ValidationException, match="model identifier is invalid"):
        client.invoke_model(modelId="anthropic.claude-nope", body=invoke_body("Hi"))
    with pytest.raises(client.exceptions.ValidationException, match="required key \\[anthropic_version\\]"):
        client.invoke_model(modelId=MODEL, body=json.dumps({"max_tokens": 10, "messages": []}))

    def fault(request: Any, **kwargs: Any) -> None:
        request.headers["x-mockclaude-fault"] = "ServiceUnavailableException"

    client.meta.events.register("before-sign.bedrock-runtime.Converse", fault)
    with pytest.raises(client.exceptions.ServiceUnavailableException) as raised:
        client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Hi"}]}])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_botocore_retries_recover_from_two_throttling_errors(mock_server: Server) -> None:
    client = runtime(mock_server, retries={"mode": "standard", "max_attempts": 3})

    def fault(request: Any, **kwargs: Any) -> None:
        request.headers["x-mockclaude-fault"] = "ThrottlingException; times=2; retry_after=0.01"

    client.meta.events.register("before-sign.bedrock-runtime.InvokeModel", fault)
    reply = client.invoke_model(modelId=MODEL, body=invoke_body("Hello"))
    assert json.loads(reply["body"].read())["content"][0]["text"]
    assert reply["ResponseMetadata"]["RetryAttempts"] == 2


def test_a_mid_stream_error_is_an_exception_frame(mock_server: Server) -> None:
    client = runtime(mock_server)

    def fault(request: Any, **kwargs: Any) -> None:
        request.headers["x-mockclaude-fault"] = "error_after=4"

    client.meta.events.register("before-sign.bedrock-runtime.ConverseStream", fault)
    stream = client.converse_stream(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "A story"}]}]
    )
    seen = []
    with pytest.raises(EventStreamError) as raised:
        for event in stream["stream"]:
            seen.append(event)
    assert len(seen) == 4
    assert raised.value.response["Error"] == {"Code": "modelStreamErrorException", "Message": "Overloaded"}


def test_unsigned_requests_are_refused(mock_server: Server) -> None:
    from botocore import UNSIGNED

    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=mock_server.base_url,
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as raised:
        client.invoke_model(modelId=MODEL, body=invoke_body("Hi"))
    assert raised.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_converse_replays_a_first_party_recording(mock_server: Server) -> None:
    reply = runtime(mock_server).converse(
        modelId="anthropic.claude-haiku-4-5-20251001-v1:0",
        messages=[{"role": "user", "content": [{"text": "Hello, Claude"}]}],
        inferenceConfig={"maxTokens": 1024},
    )
    assert reply["output"]["message"]["content"] == [
        {"text": "Hello! It's nice to meet you. How can I help you today?"}
    ]
    assert reply["stopReason"] == "end_turn"
