"""The answer memo stays within its byte budget, whatever the request sizes."""

from __future__ import annotations

import orjson

from mockclaude.api.messages import MEMO_BYTES, MEMO_MAX_BODY
from mockclaude.config import MockConfig
from mockclaude.server.app import create_app
from mockclaude.wire.http import Request


def request(text: str) -> Request:
    body = {"model": "claude-haiku-4-5", "max_tokens": 20, "messages": [{"role": "user", "content": text}]}
    return Request("POST", "/v1/messages", {}, {"anthropic-version": "2023-06-01"}, orjson.dumps(body))


def test_memo_is_bounded_in_bytes() -> None:
    app = create_app(MockConfig(latency="instant"))
    routes = app.messages
    big = "word " * (240 * 1024 // 5)  # just under the size limit for kept bodies
    for i in range(100):
        routes.create(request(f"{i} {big}"), {})
        assert routes._stored_bytes <= MEMO_BYTES
    assert 0 < len(routes._stored) < 100
    again = request("0 " + big)  # evicted long ago: answered afresh, same answer
    assert orjson.loads(routes.create(again, {}).body or b"")["content"]


def test_large_bodies_are_not_kept() -> None:
    app = create_app(MockConfig(latency="instant"))
    app.messages.create(request("x " * (MEMO_MAX_BODY // 2 + 10)), {})
    assert len(app.messages._stored) == 0
    app.messages.create(request("small"), {})
    assert len(app.messages._stored) == 1
