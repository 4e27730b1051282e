"""The in-process mock: official SDK clients (sync and async) answered by the app without a socket."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from mockclaude.testing.inprocess import AppLoop, sdk_http_module, transports
from mockclaude.testing.mock import MockClaude

HAIKU = "claude-haiku-4-5"


def ask(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": HAIKU, "max_tokens": 200, "messages": [{"role": "user", "content": text}], **extra}


def test_sdk_uses_the_in_process_transport_of_its_own_http_library(mockclaude_client: Any) -> None:
    assert sdk_http_module() is httpx2  # the newest SDK is built on httpx2
    assert isinstance(mockclaude_client._client, httpx2.Client)
    assert type(mockclaude_client._client._transport).__name__ == "InProcessTransport"
    assert mockclaude_client._strict_response_validation


def test_sync_create_and_stream(mockclaude_client: Any, mockclaude_journal: Any) -> None:
    message = mockclaude_client.messages.create(**ask("What is 17 * 23?"))
    assert "391" in message.content[0].text
    with mockclaude_client.messages.stream(**ask("What is 17 * 23?")) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 1  # events, not one lump
    assert "".join(pieces) == final.content[0].text == message.content[0].text
    entries = mockclaude_journal.entries("/v1/messages")
    assert [e["stream"] for e in entries] == [False, True]
    assert all(e["status"] == 200 for e in entries)


def test_async_fan_out_and_stream(mockclaude_async_client: Any, mockclaude_journal: Any) -> None:
    client = mockclaude_async_client

    async def run() -> tuple[list[str], str]:
        answers = await asyncio.gather(
            *(client.messages.create(**ask(f"What is {n} + {n}?")) for n in (2, 3, 4))
        )
        async with client.messages.stream(**ask("Say hello")) as stream:
            text = "".join([piece async for piece in stream.text_stream])
        return [a.content[0].text for a in answers], text

    texts, streamed = asyncio.run(run())
    for n, text in zip((2, 3, 4), texts, strict=True):
        assert str(2 * n) in text
    assert streamed
    assert len(mockclaude_journal.messages()) == 4


def test_sdk_errors_come_through_with_their_classes(mockclaude_client: Any) -> None:
    with pytest.raises(anthropic.NotFoundError, match="model: claude-nonexistent"):
        mockclaude_client.messages.create(**{**ask("hi"), "model": "claude-nonexistent"})
    with pytest.raises(anthropic.BadRequestError, match="budget_tokens"):
        mockclaude_client.messages.create(**ask("hi", thinking={"type": "enabled", "budget_tokens": 100}))


def test_a_stream_cut_by_the_mock_raises_the_http_library_error(mockclaude: MockClaude) -> None:
    client = mockclaude.client(max_retries=0, default_headers={"x-mockclaude-fault": "drop_after=3"})
    received: list[str] = []
    with (
        pytest.raises(httpx2.RemoteProtocolError, match="mid-body"),
        client.messages.stream(**ask("Tell me a story about a lighthouse")) as stream,
    ):
        received.extend(event.type for event in stream)
    assert received[0] == "message_start"
    assert "message_stop" not in received


class _TwoChunks:
    """An ASGI app that sends its second chunk only after the client has read the first one."""

    def __init__(self) -> None:
        self.first_read = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        released = await asyncio.to_thread(self.first_read.wait, 10)
        await send({"type": "http.response.body", "body": b"second" if released else b"buffered"})


def test_bodies_stream_chunk_by_chunk_sync_and_async() -> None:
    loop = AppLoop()
    sync_transport, async_transport = transports(httpx2)
    try:
        app = _TwoChunks()
        client = httpx2.Client(transport=sync_transport(app, loop), base_url="http://x")
        with client, client.stream("GET", "/") as response:
            chunks = response.iter_raw()
            assert next(chunks) == b"first"
            app.first_read.set()
            assert list(chunks) == [b"second"]

        app = _TwoChunks()

        async def read() -> list[bytes]:
            client = httpx2.AsyncClient(transport=async_transport(app, loop), base_url="http://x")
            async with client, client.stream("GET", "/") as response:
                got = []
                async for chunk in response.aiter_raw():
                    got.append(chunk)
                    app.first_read.set()
                return got

        assert asyncio.run(read()) == [b"first", b"second"]
    finally:
        loop.close()


def test_in_process_and_live_server_share_one_app(mockclaude: MockClaude) -> None:
    server = mockclaude.serve()
    assert server.base_url.startswith("http://127.0.0.1:")
    server.client().messages.create(**ask("hello from the socket"))
    mockclaude.client().messages.create(**ask("hello from the process"))
    bodies = [b["messages"][0]["content"] for b in mockclaude.journal.messages()]
    assert bodies == ["hello from the socket", "hello from the process"]
    assert server.journal.messages() == mockclaude.journal.messages()


OLD_SDK_SCRIPT = """
import site, sys
site.addsitedir(sys.argv[1])  # mockclaude and its dependencies; anthropic 0.x and httpx stay first
import anthropic, httpx
from mockclaude.testing.mock import MockClaude
with MockClaude() as mock:
    client = mock.client(max_retries=0)
    assert isinstance(client._client, httpx.Client), type(client._client)
    ask = dict(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "Hello"}])
    text = client.messages.create(**ask).content[0].text
    with client.messages.stream(**ask) as stream:
        streamed = "".join(stream.text_stream)
    assert text and streamed == text, (text, streamed)
    try:  # the request's timeout holds in-process too (httpx's ReadTimeout: the SDK's APITimeoutError)
        mock.client(timeout=0.3, max_retries=0).messages.create(
            **ask, extra_headers={"x-mockclaude-fault": "delay_ms=2000"}
        )
        raise AssertionError("no timeout")
    except anthropic.APITimeoutError:
        pass
    print("sdk", anthropic.__version__, "via", type(client._client._transport).__name__, len(mock.journal))
"""


def test_old_sdk_on_httpx_in_process() -> None:
    python = os.environ.get("OLD_SDK_PYTHON")
    if not python or not Path(python).exists():
        pytest.skip("OLD_SDK_PYTHON is not set: run through `make test`, which installs the 0.x SDK")
    site_packages = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    done = subprocess.run(
        [python, "-c", OLD_SDK_SCRIPT, site_packages], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "sdk 0.121.0 via InProcessTransport 3"


@pytest.mark.anyio
async def test_async_client_in_an_async_test(mockclaude_async_client: Any) -> None:
    message = await mockclaude_async_client.messages.create(**ask("What is 12 * 12?"))
    assert "144" in message.content[0].text
    async with mockclaude_async_client.messages.stream(**ask("What is 12 * 12?")) as stream:
        assert await stream.get_final_text() == message.content[0].text


DELAYED = {"x-mockclaude-fault": "delay_ms=2000"}


def test_the_clients_timeout_holds_in_process(mockclaude: MockClaude) -> None:
    started = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        mockclaude.client(timeout=0.3, max_retries=0).messages.create(**ask("Hello"), extra_headers=DELAYED)
    assert time.monotonic() - started < 1.5

    async def call() -> None:
        client = mockclaude.async_client(timeout=0.3, max_retries=0)
        await client.messages.create(**ask("Hello"), extra_headers=DELAYED)

    started = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        asyncio.run(call())
    assert time.monotonic() - started < 1.5
    # and a timeout that is long enough lets the answer through
    quick = {"x-mockclaude-fault": "delay_ms=100"}
    assert (
        mockclaude.client(timeout=5, max_retries=0).messages.create(**ask("Hi"), extra_headers=quick).content
    )


def test_the_read_timeout_holds_between_stream_events(mockclaude: MockClaude) -> None:
    client = mockclaude.client(timeout=anthropic.Timeout(5, read=0.2), max_retries=0)
    slow = {"x-mockclaude-fault": "slow_ms=500; chunk=16"}
    started = time.monotonic()
    with (
        pytest.raises((anthropic.APITimeoutError, httpx2.ReadTimeout)),
        client.messages.stream(**ask("Tell me about lighthouses"), extra_headers=slow) as stream,
    ):
        for _ in stream:
            pass
    assert time.monotonic() - started < 2

    async def consume() -> None:
        aclient = mockclaude.async_client(timeout=anthropic.Timeout(5, read=0.2), max_retries=0)
        async with aclient.messages.stream(**ask("Tell me about lighthouses"), extra_headers=slow) as astream:
            async for _ in astream:
                pass

    with pytest.raises((anthropic.APITimeoutError, httpx2.ReadTimeout)):
        asyncio.run(consume())
