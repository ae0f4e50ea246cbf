"""The server's connections, kept open between requests (``keep_alive_handler``), and an
answer's header block sent with its first write: what a small call costs on the embedded
backend is mostly per connection and per segment, not moto's work."""

from __future__ import annotations

import socket
from typing import Any


class _Body:
    """The connection's input as the handler sees it: after the answer is sent, a read
    (werkzeug's drain of an unread body) finds nothing instead of the next request."""

    def __init__(self, raw: Any, handler: Any) -> None:
        self.raw, self.handler = raw, handler

    def read(self, size: int = -1) -> bytes:
        return b"" if self.handler.answered else bytes(self.raw.read(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class _Out:
    """The connection's output: the header block waits for the answer's first write (or a
    flush), so a small answer leaves in one segment, not two (a send and a wake-up less on
    both sides of a call)."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.held = raw, b""

    def hold(self, data: bytes) -> None:
        self.held += data

    def write(self, data: bytes) -> int:
        if self.held:
            data, self.held = self.held + bytes(data), b""
        return int(self.raw.write(data))

    def flush(self) -> None:
        if self.held:
            data, self.held = self.held, b""
            self.raw.write(data)
        self.raw.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def keep_alive_handler() -> type:
    """moto's request handler, keeping HTTP/1.1 connections open between requests.

    Werkzeug's development server closes every connection, and after each answer drains
    whatever the client sent, because a body the application did not read would be taken
    for the next request line. The gateway reads every body whole, so connections can be
    kept: a client then pays neither a TCP handshake nor a new server thread per request
    (most of a small call's cost on the embedded backend)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class KeepAlive(MotoRequestHandler):
        answered = False

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle's algorithm
            # holds the body for the client's delayed ACK (about 40 ms a call).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfile = _Body(self.rfile, self)  # type: ignore[assignment]
            self.wfile = _Out(self.wfile)  # type: ignore[assignment]

        def handle_one_request(self) -> None:
            self.answered = False
            super().handle_one_request()

        def send_header(self, keyword: str, value: str) -> None:
            if keyword.lower() == "connection" and value.lower() == "close":
                return
            super().send_header(keyword, value)

        def flush_headers(self) -> None:
            if hasattr(self, "_headers_buffer"):
                self.wfile.hold(b"".join(self._headers_buffer))  # type: ignore[attr-defined]
                self._headers_buffer: list[bytes] = []

        def end_headers(self) -> None:
            super().end_headers()
            self.answered = True

        def handle_expect_100(self) -> bool:
            # "100 Continue" is not the answer: the body comes after it (boto3 sends
            # "Expect: 100-continue" with every S3 PutObject).
            went_on = bool(super().handle_expect_100())
            self.wfile.flush()  # the client waits for it before it sends the body
            self.answered = False
            return went_on

    return KeepAlive
