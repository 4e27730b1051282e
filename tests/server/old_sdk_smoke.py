"""Smoke checks run by an older SDK generation (0.x) in its own virtualenv: ``python old_sdk_smoke.py BASE_URL``.

Prints one ``ok <check>`` line per check and exits non-zero on the first failure.
"""

from __future__ import annotations

import sys

import anthropic


def main(base_url: str) -> None:
    client = anthropic.Anthropic(
        base_url=base_url, api_key="sk-ant-old", _strict_response_validation=True, max_retries=0
    )
    print("sdk", anthropic.__version__)
    message = client.messages.create(
        model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "Hello"}]
    )
    assert message.content[0].type == "text" and message.usage.output_tokens > 0
    print("ok create")
    with client.messages.stream(
        model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "Hi there"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and text == final.content[0].text
    print("ok stream")
    tool = {
        "name": "get_weather",
        "description": "Get the weather",
        "input_schema": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    }
    called = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=200,
        tools=[tool],
        messages=[{"role": "user", "content": "Weather in Rome?"}],
    )
    assert called.stop_reason == "tool_use"
    print("ok tool_use")
    counted = client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "Hello"}]
    )
    assert counted.input_tokens == message.usage.input_tokens
    print("ok count_tokens")
    assert any(m.id == "claude-haiku-4-5-20251001" for m in client.models.list())
    print("ok models")
    try:
        client.messages.create(model="claude-nope", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    except anthropic.NotFoundError:
        print("ok errors")
    else:
        raise AssertionError("unknown model did not raise NotFoundError")
    retrying = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-old", max_retries=2)
    raw = retrying.messages.with_raw_response.create(
        model="claude-haiku-4-5",
        max_tokens=64,
        messages=[{"role": "user", "content": "Hello"}],
        extra_headers={"x-mockclaude-fault": "529; times=2; retry_after=0.05"},
    )
    assert raw.parse().content and raw.retries_taken == 2
    print("ok retries")


if __name__ == "__main__":
    main(sys.argv[1])
