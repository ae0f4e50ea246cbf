"""The live page (``queuelab run ... --serve``): the run in progress as the report draws it,
served on loopback and updated as the run goes. Server-sent events carry a frame every
second or so: the queue timeline (visible, in flight, delayed, DLQ, consumers, completions,
faults) and the message timeline, drawn by the report's own charts (``charts``: matplotlib)
from the same data (``timeline``: the run directory's events and histories as they grow).
The page only puts the frames in place: no charting in the browser.

The server is a sink of the runner's events: a RUN event tells it each run's directory."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from queuelab.contract import history
from queuelab.report import charts
from queuelab.report.html import ENVIRONMENT
from queuelab.report.rundir import NotARun, RunDir
from queuelab.report.timeline import message_timeline, queue_series
from queuelab.run import events
from queuelab.run.events import Event, Kind

FRAME_SECONDS = 1.0  # how often a frame is drawn while a page is open
HOST = "127.0.0.1"  # loopback only: the page shows queue URLs and message bodies' keys
DRAWING = threading.Lock()  # one frame drawn at a time, however many pages are open


class Runs:
    """What the events told of each run: its scenario, mode, directory, phase, status."""

    def __init__(self, visibility: dict[str, float] | None = None) -> None:
        self.visibility = visibility or {}  # scenario key ("dup", "dup --unsafe") -> seconds
        self.runs: dict[str, dict[str, Any]] = {}  # run id -> what is known
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            v = event.values
            if event.kind is Kind.RUN:
                key = f"{v['scenario']} --unsafe" if v["unsafe"] else str(v["scenario"])
                self.runs[event.run_id] = {
                    "run_id": event.run_id, "scenario": v["scenario"], "key": key,
                    "mode": "unsafe" if v["unsafe"] else "safe", "run_dir": v["run_dir"],
                    "phase": "reset", "status": "running",
                }  # fmt: skip
            elif event.run_id in self.runs and event.kind is Kind.PHASE:
                self.runs[event.run_id]["phase"] = v["name"]
            elif event.run_id in self.runs and event.kind is Kind.VERDICT:
                self.runs[event.run_id]["status"] = v["status"]

    def listed(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.runs.values()]

    def chosen(self, run_id: str | None) -> dict[str, Any] | None:
        """The run asked for, else the latest still running, else the latest."""
        runs = self.listed()
        if run_id:
            return next((r for r in runs if r["run_id"] == run_id), None)
        running = [r for r in runs if r["status"] == "running"]
        found = running or runs
        return found[-1] if found else None


def run_so_far(run_dir: Path, visibility: float) -> RunDir:
    """The run directory as it is now: finished (its journal), or still growing (its events
    and histories; a torn last line is skipped)."""
    try:
        return RunDir.load(run_dir)
    except NotARun:
        journal = {"resources": {"visibility_timeout": visibility}}
        ops = history.read_dir(run_dir / "history")
        return RunDir(run_dir, journal, ops, events.read(run_dir))


def frame(run: dict[str, Any], visibility: float) -> dict[str, Any]:
    """One frame of a run: its state and both charts, as the report draws them."""
    so_far = run_so_far(Path(run["run_dir"]), visibility)
    messages = message_timeline(so_far)
    series = queue_series(so_far)
    now = time.time() - so_far.start if so_far.events else 0.0
    done = [messages.end, *series.t, *(stop for _, _, stop in series.phases)]
    end = max([*done, now if run["status"] == "running" else 0.0, 1.0]) * 1.02
    return run | {
        "samples": len(series.t),
        "messages": messages.total,
        "queue_svg": charts.queue_chart(series, end),
        "message_svg": charts.message_chart(messages, series.redrives, end)
        if messages.rows
        else "<p>no message sent yet</p>",
        "caption": messages.caption() if messages.rows else "",
    }


class LivePage:
    """The server; a sink of the runs' events (``page(event)``). ``url`` once started."""

    def __init__(self, port: int = 0, visibility: dict[str, float] | None = None) -> None:
        self.runs = Runs(visibility)
        self.stopping = threading.Event()
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page.handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the live view
                return

        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-page")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def __call__(self, event: Event) -> None:
        self.runs(event)

    def __enter__(self) -> LivePage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        asked = next(iter(parse_qs(url.query).get("run", [])), None)
        if url.path == "/":
            body = ENVIRONMENT.get_template("live.html.j2").render(run=asked or "")
            self._send(request, 200, "text/html; charset=utf-8", body.encode())
        elif url.path == "/events":
            self._stream(request, asked)
        else:
            self._send(request, 404, "text/plain", b"not found")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, code: int, kind: str, body: bytes) -> None:
        request.send_response(code)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _stream(self, request: BaseHTTPRequestHandler, asked: str | None) -> None:
        """Server-sent events: a frame a second, until the page closes or the server stops."""
        request.send_response(200)
        request.send_header("Content-Type", "text/event-stream")
        request.send_header("Cache-Control", "no-cache")
        request.end_headers()
        last = ""
        while not self.stopping.is_set():
            run = self.runs.chosen(asked)
            data: dict[str, Any] = {"runs": self.runs.listed()}
            if run is not None:
                visibility = self.runs.visibility.get(run["key"], 30.0)
                try:
                    with DRAWING:
                        data |= {"run": frame(run, visibility)}
                except Exception as err:  # a frame that cannot be drawn yet: say so, go on
                    data |= {"run": run | {"error": f"{type(err).__name__}: {err}"}}
            text = json.dumps(data)
            try:
                if text != last:
                    request.wfile.write(f"event: frame\ndata: {text}\n\n".encode())
                else:  # nothing new: a comment keeps the connection alive
                    request.wfile.write(b": idle\n\n")
                request.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            last = text
            self.stopping.wait(FRAME_SECONDS)
