"""Connections: the HTTP/1.1 protocol the mock runs on, its limits, and a graceful stop.

uvicorn's httptools protocol, with what a hostile or broken client needs (the options are in
:mod:`mockclaude.config`):

- a request's line and headers must arrive within ``--header-timeout-s`` and its body within
  ``--body-timeout-s`` of the headers (slowloris, idle and slow-body connections are closed with a 408);
- at most ``--max-connections`` open at once: past it, the connection that has waited longest for its
  headers is closed to make room, else the new one gets a 529;
- the request line plus headers are at most ``--max-header-bytes`` (414 or 431) and ``--max-headers``
  in number (431);
- what the HTTP parser refuses (a bad request line, an unknown method, a bad chunk size, a negative
  ``content-length``...) is a 400.

Each of these answers is the API's JSON envelope, marked as the mock's (``x-mockclaude-error``), and
closes the connection gracefully: the mock half-closes, then reads and drops what the client still sends
for up to :data:`LINGER_S` (a "lingering close", as nginx and Apache do), so the client reads the answer
instead of a TCP reset. ``X-Forwarded-For`` is honoured only from ``--trusted-proxies``. The access log
never shows a credential in a query string. On SIGTERM, :class:`MockServer` first tells the app to end
its streams with the API's overloaded error event, then lets uvicorn wait at most ``--shutdown-grace-s``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from mockclaude.config import MockConfig
from mockclaude.errors import ApiError
from mockclaude.protocol.ids import IdSource
from mockclaude.server.app import MockApp
from mockclaude.store.redaction import redact_target


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    max_connections: int = 1000
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100

    @classmethod
    def of(cls, config: MockConfig) -> ConnectionLimits:
        return cls(
            config.header_timeout_s,
            config.body_timeout_s,
            config.max_connections,
            config.max_header_bytes,
            config.max_headers,
        )


class _Refused(Exception):
    """Raised in a parser callback: answer ``status`` with ``message`` and close."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


_IDS = IdSource()


def error_bytes(status: int, message: str, kind: str, extra: list[tuple[bytes, bytes]]) -> bytes:
    """A whole HTTP/1.1 answer: the API's envelope, marked as the mock's, ``connection: close``."""
    error = ApiError(status, message, type=kind, invented=True)
    body = orjson.dumps(error.envelope(_IDS.new("req")))
    head = [STATUS_LINE[status]]
    headers = [
        *extra,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.encode(), v.encode()) for k, v in error.headers),
        (b"x-should-retry", b"true" if status in (408, 529) else b"false"),
    ]
    head.extend(name + b": " + value + b"\r\n" for name, value in headers)
    return b"".join([*head, b"\r\n", body])


class MockHttpProtocol(HttpToolsProtocol):
    """One connection; the limits and the table of connections still reading a head are per server
    (see :func:`protocol_class`)."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    waiting: ClassVar[dict[MockHttpProtocol, None]] = {}  # reading a request's head, oldest first

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._header_count = 0
        self._refusal: _Refused | None = None
        self._lingering: asyncio.TimerHandle | None = None

    # -- connection ------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            oldest = next(iter(self.waiting), None)
            if oldest is None:
                self._refuse(_Refused(529, "too many open connections; try again", "overloaded_error"))
                return
            oldest._refuse(
                _Refused(408, "closed to make room: its request's head was still incomplete", _TIMEOUT)
            )
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None:  # refused and half-closed: what still arrives is dropped
            return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # as uvicorn does: a WebSocket, else answered as plain HTTP
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as exc:
            refusal = self._refusal or _Refused(400, f"the request is not valid HTTP/1.1 ({exc})")
            self._refuse(refusal)

    # -- parser callbacks --------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = self._header_count = 0
        if self._timer is None:  # the next request on a kept-alive connection
            self._await_head()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_bytes += len(url)
        if self._head_bytes > self.limits.max_header_bytes:
            self._refusal = _Refused(414, f"the URL is longer than {self.limits.max_header_bytes} bytes")
            raise self._refusal

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._header_count += 1
        self._head_bytes += len(name) + len(value) + 4
        if self._header_count > self.limits.max_headers:
            self._refusal = _Refused(431, f"more than {self.limits.max_headers} request headers")
        elif self._head_bytes > self.limits.max_header_bytes:
            self._refusal = _Refused(
                431, f"the request's headers are over {self.limits.max_header_bytes} bytes"
            )
        if self._refusal is not None:
            raise self._refusal

    def on_headers_complete(self) -> None:
        self._disarm()
        timeout = self.limits.body_timeout_s
        message = f"the request's body did not arrive within {timeout:g} s"
        self._timer = self.loop.call_later(timeout, self._refuse, _Refused(408, message, _TIMEOUT))
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    # -- limits ------------------------------------------------------------------------------------------
    def _await_head(self) -> None:
        timeout = self.limits.header_timeout_s
        message = f"the request's line and headers did not arrive within {timeout:g} s"
        self._timer = self.loop.call_later(timeout, self._refuse, _Refused(408, message, _TIMEOUT))
        self.waiting[self] = None

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.waiting.pop(self, None)

    def _refuse(self, refusal: _Refused) -> None:
        """Answer ``refusal`` in the API's envelope (unless an answer has started) and close."""
        self._disarm()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or not cycle.response_started:
            defaults = self.server_state.default_headers
            self.transport.write(error_bytes(refusal.status, refusal.message, refusal.kind, defaults))
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app sees a disconnect; its answer goes nowhere
            cycle.message_event.set()
        self._close_lingering()

    def _close_lingering(self) -> None:
        """Half-close, keep reading for :data:`LINGER_S`, then close. Closing a socket with unread data
        makes the kernel send a reset that can destroy the answer before the client has read it."""
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._lingering = self.loop.call_later(LINGER_S, self.transport.close)


_TIMEOUT = "timeout_error"
LINGER_S = 2.0


def protocol_class(limits: ConnectionLimits) -> type[MockHttpProtocol]:
    """The protocol for one server: its limits and its own table of connections reading a head."""
    waiting: dict[MockHttpProtocol, None] = {}
    return type("MockHttpProtocol", (MockHttpProtocol,), {"limits": limits, "waiting": waiting})


class _QueryRedacted(logging.Filter):
    """The access log's request target with credential-looking query values ``<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def server_config(app: MockApp, config: MockConfig, **settings: Any) -> uvicorn.Config:
    """uvicorn's settings for the mock: the protocol above, proxy headers only from trusted proxies,
    the shutdown grace; ``settings`` adds to them (log level, lifespan...)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _QueryRedacted) for f in access.filters):
        access.addFilter(_QueryRedacted())
    return uvicorn.Config(
        app,
        http=protocol_class(ConnectionLimits.of(config)),
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=config.trusted_proxies or None,
        timeout_graceful_shutdown=max(1, round(config.shutdown_grace_s)),
        timeout_keep_alive=5,
        backlog=max(2048, config.max_connections),
        **settings,
    )


class MockServer(uvicorn.Server):
    """uvicorn's server; a stop first ends the app's streams with the overloaded event (see module doc)."""

    def __init__(self, config: uvicorn.Config, app: MockApp) -> None:
        super().__init__(config)
        self.mock_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.mock_app.stop()
        try:
            await super().shutdown(sockets)
        finally:
            self.mock_app.resume()  # a test kit's app lives on after its live server (in-process clients)
