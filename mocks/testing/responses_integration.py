"""``responses`` integration: code that calls the API through ``requests`` is answered in-process.

One call registers the mock's app as a ``responses`` callback for every method under the API's URL,
so ``requests.post("https://api.anthropic.com/v1/messages", ...)`` goes through the same pipeline as
any other client — validation, recordings, rules, faults, the journal — JSON and SSE streams alike
(a stream's body is read from the app chunk by chunk, so ``stream=True`` and ``iter_lines()`` see
events as the app sends them)::

    import requests, responses
    from mockclaude.testing.responses_integration import add_mockclaude

    with responses.RequestsMock() as rsps, add_mockclaude(rsps) as mock:
        answer = requests.post("https://api.anthropic.com/v1/messages", headers=..., json=...)
        assert mock.journal.messages()[0] == ...

Errors are the ones ``requests`` gives with a live server: a stream the mock drops midway raises
``requests.exceptions.ChunkedEncodingError``; ``timeout=`` is honoured (``requests.exceptions.ReadTimeout``
before the head, ``ConnectionError`` wrapping urllib3's ``ReadTimeoutError`` mid-body).

Ownership: :func:`add_mockclaude` returns a :class:`MockRegistration`. Leaving its ``with`` removes the
route, and closes the mock only if ``add_mockclaude`` created it — a mock passed in (the plugin's
``mockclaude`` fixture) stays open for its owner. Without ``with``, a mock created here shares one
event-loop thread with every other such mock and removes its temporary files when it is garbage
collected (at the latest when the interpreter exits). The route is a catch-all for the whole API, not
an expected request: it never counts as unfired for ``assert_all_requests_are_fired`` (its
``call_count`` is at least 1; ``calls`` holds the real ones) — assert on the mock's journal instead.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx2
import requests
import responses

from mockclaude.testing.inprocess import AppLoop
from mockclaude.testing.mock import MockClaude

API_URL = "https://api.anthropic.com"

_shared: AppLoop | None = None
_shared_lock = threading.Lock()


def _shared_loop() -> AppLoop:
    """One event-loop thread for every mock :func:`add_mockclaude` creates (a daemon: it ends with the
    interpreter), so calls without ``with`` do not each leave a thread behind."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.loop.is_closed():
            _shared = AppLoop()
        return _shared


class MockRoute(responses.CallbackResponse):
    """One registration for every method under the API's URL (the mock routes and answers 405 itself)."""

    def matches(self, request: Any) -> tuple[bool, str]:
        if not self._url_matches(self.url, str(request.url)):
            return False, "URL does not match"
        return True, ""

    @property
    def call_count(self) -> int:
        """At least 1: a catch-all for the API is not an expectation ``assert_all_requests_are_fired``
        should hold the test to (``len(route.calls)`` is the real count)."""
        return max(len(self._calls), 1)


class _ChunkReader(io.RawIOBase):
    """A raw, readable file over the chunks of a streamed response body.

    It reports itself closed once the body is exhausted: urllib3 reads ``while not closed`` when it
    streams without a size (``iter_content(None)``), as ``responses``' own bodies do. A body the mock
    cut short raises ``http.client.IncompleteRead`` and a read timeout ``socket.timeout``, what a socket
    gives urllib3, so ``requests`` raises what it raises with a live server."""

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

    def _next(self) -> bytes | None:
        try:
            return next(self._chunks, None)
        except httpx2.TimeoutException as exc:
            self._finish()
            raise TimeoutError(str(exc)) from exc
        except httpx2.TransportError as exc:  # the mock dropped the connection midway
            self._finish()
            raise http.client.IncompleteRead(b"", None) from exc

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = None if self._done else self._next()
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


def _read_timeout(request: Any) -> float | None:
    """The read timeout ``requests`` was given (``timeout=5`` or ``timeout=(connect, read)``)."""
    timeout = (getattr(request, "req_kwargs", None) or {}).get("timeout")
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return None if timeout is None else float(timeout)


class MockRegistration:
    """What :func:`add_mockclaude` returns: the mock's attributes (``.journal``, ``.faults``,
    ``.add_rules()``, ...), and a context manager whose ``as`` is the mock itself. Leaving it removes the
    route and closes the mock if it was created by ``add_mockclaude`` (see the module's docstring)."""

    def __init__(self, mock: MockClaude, registry: Any, route: MockRoute, owned: bool) -> None:
        self.mock = mock
        self.registry = registry
        self.route = route
        self.owned = owned

    def __getattr__(self, name: str) -> Any:
        return getattr(self.mock, name)

    def close(self) -> None:
        """Remove the route; close the mock if it was created here."""
        with contextlib.suppress(ValueError):  # already gone (responses' registry was reset)
            self.registry.remove(self.route)
        if self.owned:
            self.mock.close()

    def __enter__(self) -> MockClaude:
        return self.mock

    def __exit__(self, *exc: object) -> None:
        self.close()


def add_mockclaude(
    rsps: Any = None, mock: MockClaude | None = None, base_url: str = API_URL
) -> MockRegistration:
    """Answer every request to ``base_url`` registered on ``rsps`` (default: the module-level
    ``responses`` mock) with ``mock`` (default: a new in-process mock, instant latency). Returns a
    :class:`MockRegistration` (the mock's attributes; ``with ... as mock`` gives the mock)."""
    registry = rsps if rsps is not None else responses.mock
    owned = mock is None
    if mock is None:
        mock = MockClaude(loop=_shared_loop())
    transport = mock.transport(httpx2)

    def answer(request: Any) -> tuple[int, list[tuple[str, str]], io.BufferedReader]:
        body = request.body or b""
        timeout = _read_timeout(request)
        outgoing = httpx2.Request(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=body.encode() if isinstance(body, str) else body,
            extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}},
        )
        try:
            response = transport.handle_request(outgoing)
        except httpx2.TimeoutException as exc:
            raise requests.exceptions.ReadTimeout(str(exc), request=request) from exc
        except httpx2.TransportError as exc:  # closed before answering: what requests says of a live server
            raise requests.exceptions.ConnectionError(f"Connection aborted: {exc}", request=request) from exc
        reader = _ChunkReader(iter(response.stream), response.close)
        return response.status_code, list(response.headers.multi_items()), io.BufferedReader(reader)

    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"/.*")
    route = MockRoute("*", pattern, callback=answer, content_type=None)
    registry.add(route)
    return MockRegistration(mock, registry, route, owned)


__all__ = ["API_URL", "MockRegistration", "MockRoute", "add_mockclaude"]
