"""The Lambda Runtime API on loopback, one server per execution environment, so that a
handler runs inside its real runtime interface client (awslambdaric, aws-lambda-ric).

runtimes-api.html (API version 2018-06-01), as served here:

- ``GET /2018-06-01/runtime/invocation/next`` waits for an invocation (no timeout: "Don't
  set a timeout on the GET request") and answers its event with the headers
  ``Lambda-Runtime-Aws-Request-Id``, ``Lambda-Runtime-Deadline-Ms`` (when the function
  times out, Unix milliseconds), ``Lambda-Runtime-Invoked-Function-Arn`` and
  ``Lambda-Runtime-Trace-Id``;
- ``POST /2018-06-01/runtime/invocation/{id}/response`` takes the result: 202; a payload
  over the 6 MB response quota is refused (413) and the invocation fails
  (``Function.ResponseSizeTooLarge``);
- ``POST /2018-06-01/runtime/invocation/{id}/error`` takes a function error (the JSON body
  ``errorMessage``, ``errorType``, ``stackTrace`` and the ``Lambda-Runtime-Function-Error-Type``
  header): 202;
- ``POST /2018-06-01/runtime/init/error`` takes an error during initialization: 202 (the
  runtime exits after it).

A request naming another invocation than the one in progress is refused (400). The
environment (``environment.py``) hands invocations in and waits for their end here.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # invocation response quota, "6 MB" (synchronous)
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
WAKE_SECONDS = 0.5  # how often a waiting GET /next looks whether the server closes


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    timeout: float  # the function's timeout, seconds
    handed_at: float | None = None  # monotonic, when GET /next returned it
    deadline: float | None = None  # monotonic, handed_at + timeout
    response: bytes | None = None
    error: dict[str, Any] | None = None  # errorType, errorMessage (and more)
    handed: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the clients reuse their connection
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK of the headers (40 ms on Linux) on every invocation.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the environment's log holds what the runtime prints."""

    def _answer(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._answer(404, {"errorMessage": "not found", "errorType": "NotFound"})
            return
        invocation = self.server.api.next_invocation()
        if invocation is None:  # closing
            self.close_connection = True
            return
        deadline_ms = int((time.time() + invocation.timeout) * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.server.api.function_arn,
            "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
        }
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(invocation.payload)))
        self.end_headers()
        self.wfile.write(invocation.payload)

    def do_POST(self) -> None:
        body = self._body()
        api = self.server.api
        if self.path == f"{PREFIX}/init/error":
            api.init_failed(_error(body, self.headers.get(ERROR_TYPE_HEADER)))
            self._answer(202, {"status": "OK"})
            return
        parts = self.path[len(PREFIX) :].strip("/").split("/")
        if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
            self._answer(404, {"errorMessage": "not found", "errorType": "NotFound"})
            return
        invocation = api.current
        if invocation is None or invocation.request_id != parts[1] or invocation.done.is_set():
            self._answer(
                400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            )
            return
        if parts[2] == "error":
            invocation.error = _error(body, self.headers.get(ERROR_TYPE_HEADER))
        elif len(body) > MAX_RESPONSE_BYTES:
            message = (
                f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload "
                f"size ({MAX_RESPONSE_BYTES} bytes)."
            )
            invocation.error = {
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": message,
            }
            invocation.done.set()
            self._answer(413, {"errorMessage": message, "errorType": "RequestEntityTooLarge"})
            return
        else:
            invocation.response = body
        invocation.done.set()
        self._answer(202, {"status": "OK"})


def _error(body: bytes, error_type: str | None) -> dict[str, Any]:
    try:
        error = json.loads(body) if body else {}
    except ValueError:
        error = {"errorMessage": body.decode(errors="replace")}
    if not isinstance(error, dict):
        error = {"errorMessage": str(error)}
    error.setdefault("errorType", error_type or "Unhandled")
    return error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: RuntimeApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A runtime killed mid-request drops its connection: not an error of ours."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RuntimeApi:
    """One environment's Runtime API: ``offer`` an invocation, then wait on its events."""

    def __init__(self, function_arn: str) -> None:
        self.function_arn = function_arn
        self.current: Invocation | None = None
        self.init_error: dict[str, Any] | None = None
        self.init_error_seen = threading.Event()
        self._pending: queue.Queue[Invocation] = queue.Queue()
        self._closed = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """AWS_LAMBDA_RUNTIME_API: host:port."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def offer(self, invocation: Invocation) -> None:
        self._pending.put(invocation)

    def next_invocation(self) -> Invocation | None:
        while not self._closed.is_set():
            try:
                invocation = self._pending.get(timeout=WAKE_SECONDS)
            except queue.Empty:
                continue
            invocation.handed_at = time.monotonic()
            invocation.deadline = invocation.handed_at + invocation.timeout
            self.current = invocation
            invocation.handed.set()
            return invocation
        return None

    def init_failed(self, error: dict[str, Any]) -> None:
        self.init_error = error
        self.init_error_seen.set()

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
