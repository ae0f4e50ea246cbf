"""The side-effect endpoint: the external system (``queuelab.run.external``) over HTTP on
loopback, for the duration of a run. Each process gets its own URL,
``http://127.0.0.1:PORT/<run token>/<process>``, so the endpoint knows the caller."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from queuelab.contract import external
from queuelab.run.external import Answer, ExternalSystem

MAX_BODY = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # every call is in the endpoint's log already

    def _caller(self) -> tuple[str, str] | None:
        """(process, rest of the path) of a URL of this run."""
        parts = [unquote(p) for p in self.path.split("?", 1)[0].strip("/").split("/")]
        if len(parts) < 2 or parts[0] != self.server.token:
            return None
        return parts[1], "/".join(parts[2:])

    def _answer(self, answer: Answer) -> None:
        if answer.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return
        body = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> dict[str, Any]:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _read_id(self) -> str:
        value = self._read_body().get("id")
        return str(value) if isinstance(value, str | int) and value != "" else ""

    def _entity(self, rest: str) -> str:
        """The entity a ``entities/<entity_id>`` path names ("" for any other path)."""
        prefix, _, entity = rest.partition("/")
        return entity if prefix == external.ENTITIES and "/" not in entity else ""

    def do_POST(self) -> None:
        caller = self._caller()
        if caller is None or caller[1]:
            self._read_id()
            self._answer(Answer(404, {"error": f"no such endpoint {self.path}"}))
            return
        key = self.headers.get(external.IDEMPOTENCY_HEADER) or ""
        self._answer(self.server.system.post(caller[0], self._read_id(), key))

    def do_PUT(self) -> None:
        caller = self._caller()
        entity = self._entity(caller[1]) if caller else ""
        data = self._read_body()
        if caller is None or not entity:
            self._answer(Answer(404, {"error": f"no such endpoint {self.path}"}))
            return
        id_, version = data.get("id"), data.get("version")
        id_ = str(id_) if isinstance(id_, str | int) and id_ != "" else ""
        number = version if isinstance(version, int) and not isinstance(version, bool) else None
        key = self.headers.get(external.IDEMPOTENCY_HEADER) or ""
        self._answer(self.server.system.put(caller[0], entity, id_, number, key))

    def do_GET(self) -> None:
        caller = self._caller()
        if caller is None or not caller[1]:
            self._answer(Answer(404, {"error": f"no such endpoint {self.path}"}))
            return
        entity = self._entity(caller[1])
        if entity:
            self._answer(self.server.system.get(caller[0], "", entity))
        else:
            self._answer(self.server.system.get(caller[0], caller[1]))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, token: str, system: ExternalSystem) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.system = system


class EffectEndpoint:
    """Serves ``system`` on a free loopback port until ``close()``."""

    def __init__(self, token: str, system: ExternalSystem) -> None:
        self.system = system
        self._server = _Server(token, system)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="side-effect-endpoint", daemon=True
        )
        self._thread.start()

    def url(self, process: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{self._server.token}/{process}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
