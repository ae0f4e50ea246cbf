"""An upstream feed the lab serves on loopback (``queuelab.contract.feed``): events with
increasing ids and some gaps, published in steps while a scenario runs.

Every event the feed publishes is a business event committed at its source: the feed
records it in its own history (``commit``), so the checker counts an event no poller ever
sent as lost.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlparse

from queuelab.contract import feed
from queuelab.contract.history import Fn, History

PROCESS = "feed"  # the feed's name in the histories


def ids_with_gaps(count: int, gap_every: int, start: int = 1) -> list[int]:
    """``count`` increasing ids from ``start``, one id skipped after every ``gap_every``."""
    ids: list[int] = []
    next_id = start
    while len(ids) < count:
        ids.append(next_id)
        next_id += 2 if gap_every and len(ids) % gap_every == 0 else 1
    return ids


class Feed:
    def __init__(self, history_path: Path, name: str = "events") -> None:
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.history = History(history_path, PROCESS)
        self.server: ThreadingHTTPServer | None = None
        self.requests = 0

    @property
    def url(self) -> str:
        assert self.server is not None, "the feed serves inside its with block"
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{feed.PATH}"

    def publish(self, ids: Iterable[int]) -> None:
        """Append events (ids above every id so far); each is committed from now on."""
        with self.lock:
            for event_id in ids:
                if self.events and event_id <= self.events[-1][feed.ID]:
                    raise ValueError(f"event ids must increase: {event_id} after the last")
                self.events.append({feed.ID: event_id, "kind": "scan", "item": event_id % 7})
                key = feed.event_key(self.name, event_id)
                self.history.ok(Fn.COMMIT, key, subject=key, event_id=event_id)

    def page(self, start: int, limit: int) -> list[dict[str, Any]]:
        with self.lock:
            self.requests += 1
            return [e for e in self.events if e[feed.ID] >= start][:limit]

    def __enter__(self) -> Feed:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                try:
                    if url.path != feed.PATH:
                        raise LookupError(url.path)
                    start = int(query.get(feed.FROM, ["0"])[0])
                    limit = int(query.get(feed.LIMIT, ["10"])[0])
                except (ValueError, LookupError):
                    self.send_error(400, "expected GET /events?from=ID&limit=N")
                    return
                body = json.dumps({"events": owner.page(start, limit)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the pollers' histories say what they read

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="feed", daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.history.close()
