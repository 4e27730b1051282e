"""``responses`` integration: code that calls the API through ``requests`` is answered in-process.

One call registers the mock's app as a ``responses`` callback for every method under the API's URL,
so ``requests.post("https://api.anthropic.com/v1/messages", ...)`` goes through the same pipeline as
any other client — validation, recordings, rules, faults, the journal — JSON and SSE streams alike
(a stream's body is read from the app chunk by chunk, so ``stream=True`` and ``iter_lines()`` see
events as the app sends them)::

    import requests, responses
    from mockclaude.responses_integration import add_mockclaude

    with responses.RequestsMock() as rsps, add_mockclaude(rsps) as mock:
        answer = requests.post("https://api.anthropic.com/v1/messages", headers=..., json=...)
        assert mock.journal.messages()[0] == ...
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import httpx2
import responses

from .testkit import MockClaude

API_URL = "https://api.anthropic.com"


class MockRoute(responses.CallbackResponse):
    """One registration for every method under the API's URL (the mock routes and answers 405 itself)."""

    def matches(self, request: Any) -> tuple[bool, str]:
        if not self._url_matches(self.url, str(request.url)):
            return False, "URL does not match"
        return True, ""


class _ChunkReader(io.RawIOBase):
    """A raw, readable file over the chunks of a streamed response body.

    It reports itself closed once the body is exhausted: urllib3 reads ``while not closed`` when it
    streams without a size (``iter_content(None)``), as ``responses``' own bodies do."""

    def __init__(self, chunks: Iterator[bytes], close: Any) -> None:
        self._chunks = chunks
        self._pending = b""
        self._close = close
        self._done = False

    @property
    def closed(self) -> bool:
        return self._done or super().closed

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = None if self._done else next(self._chunks, None)
            if chunk is None:
                self._finish()
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._close()

    def close(self) -> None:
        self._finish()
        super().close()


def add_mockclaude(rsps: Any = None, mock: MockClaude | None = None, base_url: str = API_URL) -> MockClaude:
    """Answer every request to ``base_url`` registered on ``rsps`` (default: the module-level
    ``responses`` mock) with ``mock`` (default: a new in-process mock, instant latency); returns the mock
    (a context manager that closes it)."""
    registry = rsps if rsps is not None else responses.mock
    mock = mock or MockClaude()
    transport = mock.transport(httpx2)

    def answer(request: Any) -> tuple[int, list[tuple[str, str]], io.BufferedReader]:
        body = request.body or b""
        outgoing = httpx2.Request(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=body.encode() if isinstance(body, str) else body,
        )
        response = transport.handle_request(outgoing)
        reader = _ChunkReader(iter(response.stream), response.close)
        return response.status_code, list(response.headers.multi_items()), io.BufferedReader(reader)

    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"/.*")
    registry.add(MockRoute("*", pattern, callback=answer, content_type=None))
    return mock
