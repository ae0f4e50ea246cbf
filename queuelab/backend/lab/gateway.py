"""The embedded server's front door: the witness and the nemesis, as WSGI middleware around
moto (outside the lock that serializes moto, so an injected latency never blocks others).

A run registers itself (``POST /_queuelab/runs``) with its token, its witness file, its fault
spec and seed, and its queues. Requests signed with a per-process key of that run
(``queuelab.contract.witness.access_key``) are then witnessed (one record each, appended to
the run's ``witness.jsonl``) and, unless the caller is the lab itself, meet the run's faults.
Requests of nobody's run pass straight through. ``GET /_queuelab/runs/<token>`` says which
requests of the run are being served (a long poll not answered yet), ``PATCH`` switches
the faults (a deny window on, then off), ``DELETE`` forgets the run, witnessing the requests
still being served then (``unfinished``: a long poll open when the run ended was open).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queuelab.backend.lab import delivery, protocol
from queuelab.contract import faults
from queuelab.contract.witness import LAB_CALLER, Record, parse_access_key

CONTROL = "/_queuelab/"
StartResponse = Callable[..., Any]


@dataclass
class RunState:
    token: str
    witness: Path | None
    decider: faults.Decider
    queues: tuple[str, ...] = ()
    serving: dict[int, Record] = field(default_factory=dict)  # requests not answered yet
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configure_delivery(self) -> None:
        mode = self.decider.spec.delivery()
        wanted = delivery.Delivery(mode["duplicate"], mode["reorder"], self.decider.seed)
        for queue in self.queues:
            delivery.configure(queue, wanted)

    def begin(self, record: Record) -> None:
        with self.lock:
            self.serving[id(record)] = record

    def write(self, record: Record) -> None:
        """Its record, once answered (unless the run ended first: written then)."""
        with self.lock:
            if self.serving.pop(id(record), None) is None and record.unfinished:
                return
        self.append(record)

    def open_calls(self) -> list[dict[str, Any]]:
        """The requests being served now (a long poll is one for up to 20 s)."""
        with self.lock:
            return [{"caller": r.caller, "op": r.op, "t0": r.t0} for r in self.serving.values()]

    def finish(self) -> None:
        """The run ends: a request still being served (a long poll its caller may have left
        when it stopped) is witnessed now, unanswered, so the checker sees it was open."""
        with self.lock:
            left, self.serving = list(self.serving.values()), {}
        for record in left:
            record.t1, record.delivered, record.unfinished = time.time(), False, True
            self.append(record)

    def append(self, record: Record) -> None:
        if self.witness is None:
            return
        fd = os.open(self.witness, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (record.to_json() + "\n").encode())
        finally:
            os.close(fd)


@dataclass
class Memory:
    """What the witness has learnt of messages: their keys, and whose receipt handle is whose."""

    keys: dict[str, str] = field(default_factory=dict)  # message id -> queuelab-id
    handles: dict[str, str] = field(default_factory=dict)  # receipt handle -> message id


class Gateway:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.runs: dict[str, RunState] = {}
        self.memory = Memory()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL):
            return self.control(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        request = protocol.read_request(environ, raw)
        caller = parse_access_key(request.access_key)
        run = self.runs.get(caller[0]) if caller else None
        if run is None or caller is None:
            return self.app(environ, start_response)
        return self.serve(run, caller[1], request, environ, start_response)

    def serve(
        self,
        run: RunState,
        caller: str,
        request: protocol.Request,
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        t0 = time.time()
        with self.lock:
            spared = caller == LAB_CALLER or request.service == "s3"  # the nemesis: SQS, DynamoDB
            fault, latency = (None, 0.0) if spared else run.decider.decide(caller, request.op)
        if latency:
            time.sleep(latency)
        record = Record(t0, t0, caller, request.service, request.op, request.resource)
        record.fault = fault or ("latency" if latency else "")
        run.begin(record)
        if fault in faults.ANSWERED:
            status, headers, body = protocol.error_response(fault, request)
            record.status = int(status.split()[0])
            record.error = protocol.error_code(record.status, headers, body)
            return self.answer(run, record, start_response, status, headers, body)
        if fault == "reset":
            return self.drop(run, record, environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        token = delivery.injected.set([])
        try:
            body = b"".join(self.app(environ, capture))
            record.injected = delivery.injected.get() or []
        finally:
            delivery.injected.reset(token)
        status, headers = captured["status"], captured["headers"]
        record.status = int(status.split()[0])
        record.error = protocol.error_code(record.status, headers, body)
        self.observe(request, record, protocol.response_body(body))
        if fault == "ambiguous":
            return self.drop(run, record, environ, start_response)
        return self.answer(run, record, start_response, status, headers, body)

    def answer(
        self,
        run: RunState,
        record: Record,
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> Iterable[bytes]:
        record.t1 = time.time()
        run.write(record)
        start_response(status, headers)
        return [body]

    def drop(
        self, run: RunState, record: Record, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """Close the connection without an answer: the caller sees it reset."""
        record.t1, record.delivered = time.time(), False
        run.write(record)
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        start_response("500 Connection dropped", [("Content-Length", "0")])
        return []

    def observe(self, request: protocol.Request, record: Record, body: dict[str, Any]) -> None:
        """Fill in the messages, entries and handles of a served request."""
        memory = self.memory
        if request.service == "dynamodb":
            record.key = protocol.item_key(request)
            return
        if request.op in ("SendMessage", "SendMessageBatch"):
            keys = protocol.sent_keys(request)
            if request.op == "SendMessage" and body.get("MessageId"):
                successful = [{"Id": "", "MessageId": body["MessageId"]}]
            else:
                successful = list(body.get("Successful") or [])
            for entry in successful:
                key, message_id = keys.get(str(entry.get("Id")), ""), str(entry["MessageId"])
                memory.keys[message_id] = key
                record.messages.append({"message_id": message_id, "key": key})
                record.entries.append({"id": entry.get("Id"), "key": key, "ok": True})
            for entry in body.get("Failed") or []:
                key = keys.get(str(entry.get("Id")), "")
                record.entries.append(
                    {"id": entry.get("Id"), "key": key, "ok": False, "error": entry.get("Code")}
                )
        elif request.op == "ReceiveMessage":
            record.visibility = protocol.receive_visibility(request)
            for message in body.get("Messages") or []:
                message_id, handle = str(message["MessageId"]), str(message["ReceiptHandle"])
                key = protocol._key_of(message.get("MessageAttributes") or {})
                key = memory.keys.setdefault(message_id, key) or key
                memory.handles[handle] = message_id
                count = (message.get("Attributes") or {}).get("ApproximateReceiveCount")
                record.messages.append(
                    {
                        "message_id": message_id,
                        "key": key,
                        "receipt_handle": handle,
                        "receive_count": int(count) if count else None,
                    }
                )
        elif request.op.startswith(("DeleteMessage", "ChangeMessageVisibility")):
            failed = {str(e.get("Id")) for e in body.get("Failed") or []}
            entries = request.body.get("Entries") or [{"Id": "", **request.body}]
            for entry in entries:
                handle = str(entry.get("ReceiptHandle"))
                message_id = memory.handles.get(handle, "")
                record.handles.append(
                    {
                        "receipt_handle": handle,
                        "message_id": message_id,
                        "key": memory.keys.get(message_id, ""),
                        "ok": not record.error and str(entry.get("Id", "")) not in failed,
                        "visibility": entry.get("VisibilityTimeout"),
                    }
                )

    # -- the control API -----------------------------------------------------------------

    def control(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"][len(CONTROL) :]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        try:
            reply = self.command(method, path.strip("/"), data)
        except (KeyError, ValueError) as err:
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [json.dumps({"error": str(err)}).encode()]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(reply).encode()]

    def command(self, method: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
        if path == "ping":
            return {"queuelab": 1, "runs": len(self.runs)}
        parts = path.split("/")
        if parts[0] != "runs":
            raise KeyError(f"no such control path {path!r}")
        if method == "POST":
            run = RunState(
                token=str(data["token"]),
                witness=Path(data["witness"]) if data.get("witness") else None,
                decider=faults.Decider(faults.parse(data.get("faults", "")), int(data["seed"])),
                queues=tuple(data.get("queues", ())),
            )
            run.configure_delivery()
            with self.lock:
                self.runs[run.token] = run
            return {"registered": run.token}
        run = self.runs[parts[1]]
        if method == "GET":
            return {"serving": run.open_calls()}
        if method == "PATCH":
            with self.lock:
                run.decider.spec = faults.parse(data.get("faults", ""))
            run.configure_delivery()
            return {"faults": run.decider.spec.text}
        if method == "DELETE":
            for queue in run.queues:
                delivery.configure(queue, None)
            with self.lock:
                self.runs.pop(run.token, None)
            run.finish()
            return {"forgotten": run.token}
        raise ValueError(f"unsupported {method} on {path!r}")
