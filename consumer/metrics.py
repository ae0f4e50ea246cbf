"""The consumer's metrics (``METRICS_PORT``): Prometheus counters with the official client,
served over HTTP with ``/livez`` and ``/readyz``.

Nothing here is in the production path: the counts come from the consumer's history (every
receive, side effect, reject, skip, delete and crash is recorded there already, so an
observer on it counts them), and the processing time and the in-flight count from a
middleware around each message (``consumer/middleware.py``). Ready once a receive reached
the queue; live while the process serves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

from consumer.acknowledgers import Acknowledger
from consumer.message import Received
from consumer.middleware import Middleware
from queuelab.contract.history import FAIL, INFO, INVOKE, OK, Fn, Op

log = logging.getLogger("consumer")
PREFIX = "queuelab_consumer"
# Operation -> counter: what each recorded operation counts.
COUNTED: dict[tuple[str, str], str] = {
    (Fn.SIDE_EFFECT, OK): "processed",
    (Fn.REJECT, OK): "rejected",
    (Fn.SKIP, OK): "skipped",
    (Fn.DELETE, OK): "deleted",
    (Fn.CRASH, INFO): "crashes",
}
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Metrics:
    def __init__(self, consumer: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"consumer": consumer}

        def counter(name: str, help: str) -> Counter:
            made = Counter(f"{PREFIX}_{name}", help, ["consumer"], registry=self.registry)
            return made.labels(**labels)

        self.received = counter("messages_received", "Messages received (this run's and strays)")
        self.counters = {
            "processed": counter("messages_processed", "Side effects performed"),
            "rejected": counter("messages_rejected", "Messages rejected (left for the DLQ)"),
            "skipped": counter(
                "messages_skipped", "Messages skipped as duplicates (done before, or held)"
            ),
            "deleted": counter("messages_deleted", "Messages deleted"),
            "crashes": counter("crashes", "Crashes (the process exits right after)"),
        }
        self.processing = Histogram(
            f"{PREFIX}_processing_seconds",
            "Time from handling a message to its acknowledgement (deleted or left)",
            ["consumer"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        ).labels(**labels)
        self.in_flight = Gauge(
            f"{PREFIX}_messages_in_flight",
            "Messages received and not yet acknowledged, released or dropped",
            ["consumer"],
            registry=self.registry,
        ).labels(**labels)
        self.ready = threading.Event()

    def observe(self, op: Op) -> None:
        """A history observer: count what the consumer recorded."""
        if op.f == Fn.RECEIVE and op.type == OK:
            self.ready.set()
            batch = len(op.value.get("messages", []))
            self.received.inc(batch)
            self.in_flight.inc(batch)
        elif (op.f == Fn.STRAY and op.type == OK) or (op.f == Fn.RELEASE and op.type == INVOKE):
            self.in_flight.dec()
        elif (op.f, op.type) in COUNTED:
            self.counters[COUNTED[(op.f, op.type)]].inc()
        elif op.f == Fn.RECEIVE and op.type == FAIL:
            self.ready.clear()

    def middleware(self) -> Middleware:
        return _Timing(self)

    def app(self) -> WsgiApp:
        metrics = make_wsgi_app(self.registry)

        def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if path == "/livez":
                return _plain(start_response, "200 OK", "live\n")
            if path == "/readyz":
                if self.ready.is_set():
                    return _plain(start_response, "200 OK", "ready\n")
                return _plain(start_response, "503 Service Unavailable", "not ready\n")
            served: Iterable[bytes] = metrics(environ, start_response)
            return served

        return app

    def serve(self, host: str, port: int) -> WSGIServer:
        """Serve on a daemon thread; the server (its ``server_port`` is the bound port)."""
        server = make_server(host, port, self.app(), _Server, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
        log.info("metrics on http://%s:%d/metrics", host, server.server_port)
        return server


def _plain(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [body.encode()]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a log line each."""


class _Timing(Middleware):
    """Times each message from its handling to its acknowledgement; counts it out of the
    in-flight gauge then. The outermost acknowledger: it sees every message."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.started: dict[str, float] = {}

    def after_receive(self, message: Received) -> None:
        self.started[message.message_id] = time.monotonic()

    def acknowledger(self, inner: Acknowledger) -> Acknowledger:
        return _Timed(inner, self)

    def done(self, message: Received) -> None:
        started = self.started.pop(message.message_id, None)
        if started is not None:
            self.metrics.processing.observe(time.monotonic() - started)
        self.metrics.in_flight.dec()


class _Timed(Acknowledger):
    """Wraps whatever acknowledger the chaos layer made (it may defer deletes to the end
    of the batch): every call goes to it, then the message is counted done."""

    def __init__(self, inner: Acknowledger, timing: _Timing) -> None:
        self.inner = inner
        self.timing = timing
        self.delete = inner.delete

    def succeeded(self, message: Received) -> None:
        self.inner.succeeded(message)
        self.timing.done(message)

    def failed(self, message: Received) -> None:
        self.inner.failed(message)
        self.timing.done(message)

    def end_batch(self) -> None:
        self.inner.end_batch()
