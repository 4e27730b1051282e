"""In-process transports: the mock's ASGI app answers an HTTP client without a socket.

One implementation serves both HTTP libraries the official SDKs use, ``httpx2`` (the newest SDK) and
``httpx`` (the 0.x SDKs): they share the transport interface (``handle_request`` /
``handle_async_request``, ``SyncByteStream`` / ``AsyncByteStream``), so :func:`transports` builds
the classes for whichever module it is given.

The app runs on its own event-loop thread (:class:`AppLoop`), so sync clients, async clients on any
loop, a ``requests`` callback and a live server all share one app and its state (journal, faults,
prompt cache). Bodies are handed over chunk by chunk as the app sends them: an SSE stream arrives
event by event, as it would over a socket. When the app ends a response early (a dropped connection),
the client sees the library's ``RemoteProtocolError``, as it would from a real server. The request's
read timeout (``request.extensions["timeout"]["read"]``, what the client's ``timeout=`` sets) bounds the
wait for the response head and for each piece of the body, as it would on a socket: past it the client
sees the library's ``ReadTimeout`` (the SDK's ``APITimeoutError``), and the app's work is cancelled.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, MutableMapping
from types import ModuleType
from typing import Any

ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[MutableMapping[str, Any]]],
        Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]
# What the app's side hands the client's side: ("start", status, headers), ("body", bytes),
# ("end",) when the response is complete, ("drop", exception or None) when it ended without completing.
Item = tuple[Any, ...]


class AppLoop:
    """An event loop on a daemon thread that runs ASGI apps for clients on other threads and loops."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="mockclaude-app", daemon=True)
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float | None = 60) -> Any:
        """Run ``coroutine`` on the app's loop and wait for its result (from any other thread)."""
        return self.submit(coroutine).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def scope_for(method: str, url: Any, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """The ASGI scope of a request to ``url`` (an httpx/httpx2 URL)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "headers": [(k.lower(), v) for k, v in headers],
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "server": (url.host, url.port),
        "client": ("127.0.0.1", 123),
        "root_path": "",
    }


async def exchange(app: ASGIApp, scope: dict[str, Any], body: bytes, emit: Callable[[Item], None]) -> None:
    """Run one request through ``app``; everything it sends goes to ``emit`` (which must be thread-safe)."""
    delivered = False
    complete = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()  # nothing more to read: the client is gone once the response is done
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal complete
        if message["type"] == "http.response.start":
            emit(("start", message["status"], list(message.get("headers", []))))
        elif message["type"] == "http.response.body" and not complete:
            chunk = message.get("body", b"")
            if chunk:
                emit(("body", bytes(chunk)))
            if not message.get("more_body", False):
                complete = True
                emit(("end",))

    try:
        await app(scope, receive, send)
    except BaseException as exc:  # the client must hear of it, whatever it is, or it waits forever
        if not complete:
            emit(("drop", exc))
        if not isinstance(exc, Exception):
            raise
        return
    finally:
        finished.set()
    if not complete:
        emit(("drop", None))


@functools.cache
def transports(http: ModuleType) -> tuple[type, type]:
    """The sync and async in-process transport classes for ``http`` (the ``httpx2`` or ``httpx`` module)."""

    def read_timeout(request: Any) -> float | None:
        value = (request.extensions.get("timeout") or {}).get("read")
        return None if value is None else max(float(value), 0.0)

    def timed_out(request: Any, what: str, after: float | None) -> Exception:
        return http.ReadTimeout(  # type: ignore[no-any-return]
            f"mockclaude (in-process): no {what} from the mock within the read timeout ({after} s)",
            request=request,
        )

    def take(
        items: queue.Queue[Item], request: Any, what: str, future: concurrent.futures.Future[Any]
    ) -> Item:
        timeout = read_timeout(request)
        try:
            return items.get(timeout=timeout)
        except queue.Empty:
            future.cancel()
            raise timed_out(request, what, timeout) from None

    async def atake(
        items: asyncio.Queue[Item], request: Any, what: str, future: concurrent.futures.Future[Any]
    ) -> Item:
        timeout = read_timeout(request)
        try:
            return await asyncio.wait_for(items.get(), timeout)
        except TimeoutError:
            future.cancel()
            raise timed_out(request, what, timeout) from None

    def dropped(cause: BaseException | None, started: bool) -> Exception:
        what = "mid-body" if started else "without sending a response"
        error: Exception = http.RemoteProtocolError(
            f"mockclaude (in-process): the mock closed the connection {what}"
        )
        error.__cause__ = cause
        return error

    class SyncStream(http.SyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(
            self, items: queue.Queue[Item], future: concurrent.futures.Future[Any], request: Any
        ) -> None:
            self._items = items
            self._future = future
            self._request = request

        def __iter__(self) -> Iterator[bytes]:
            while True:
                item = take(self._items, self._request, "body", self._future)
                if item[0] == "body":
                    yield item[1]
                elif item[0] == "end":
                    return
                else:
                    raise dropped(item[1], True)

        def close(self) -> None:
            self._future.cancel()

    class AsyncStream(http.AsyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(
            self, items: asyncio.Queue[Item], future: concurrent.futures.Future[Any], request: Any
        ) -> None:
            self._items = items
            self._future = future
            self._request = request

        async def __aiter__(self) -> AsyncIterator[bytes]:
            while True:
                item = await atake(self._items, self._request, "body", self._future)
                if item[0] == "body":
                    yield item[1]
                elif item[0] == "end":
                    return
                else:
                    raise dropped(item[1], True)

        async def aclose(self) -> None:
            self._future.cancel()

    def response(first: Item, stream: Any) -> Any:
        if first[0] != "start":
            raise dropped(first[1] if len(first) > 1 else None, False)
        return http.Response(first[1], headers=first[2], stream=stream)

    class InProcessTransport(http.BaseTransport):  # type: ignore[misc, name-defined]
        """A sync transport: each request runs on the app's loop; the body streams through a queue."""

        def __init__(self, app: ASGIApp, loop: AppLoop) -> None:
            self.app = app
            self.loop = loop

        def handle_request(self, request: Any) -> Any:
            body = request.read()
            items: queue.Queue[Item] = queue.Queue()
            scope = scope_for(request.method, request.url, request.headers.raw)
            future = self.loop.submit(exchange(self.app, scope, body, items.put))
            first = take(items, request, "response", future)
            return response(first, SyncStream(items, future, request))

    class AsyncInProcessTransport(http.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        """An async transport for clients on any event loop; the app still runs on its own loop."""

        def __init__(self, app: ASGIApp, loop: AppLoop) -> None:
            self.app = app
            self.loop = loop

        async def handle_async_request(self, request: Any) -> Any:
            body = await request.aread()
            items: asyncio.Queue[Item] = asyncio.Queue()
            caller = asyncio.get_running_loop()

            def emit(item: Item) -> None:
                with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody listens
                    caller.call_soon_threadsafe(items.put_nowait, item)

            scope = scope_for(request.method, request.url, request.headers.raw)
            future = self.loop.submit(exchange(self.app, scope, body, emit))
            first = await atake(items, request, "response", future)
            return response(first, AsyncStream(items, future, request))

    return InProcessTransport, AsyncInProcessTransport


def sdk_http_module() -> ModuleType:
    """The HTTP library the installed ``anthropic`` SDK is built on (``httpx2`` for 2.x, ``httpx`` for 0.x)."""
    import importlib

    import anthropic

    base = anthropic.DefaultHttpxClient.__mro__[1]
    return importlib.import_module(base.__module__.partition(".")[0])
