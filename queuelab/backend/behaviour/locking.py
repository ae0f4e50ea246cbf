"""One request at a time inside the server process.

werkzeug serves each request on its own thread, and moto's models are not thread-safe
(``receive_message`` checks visibility and marks a message received without a lock, so two
consumers could get the same message). ``serialized`` runs every request (SQS and DynamoDB)
under one lock; a waiting long poll releases it (``LOCK.wait``), and every change that can
make a message receivable wakes the waiters (``notify``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# One lock for the whole server; a long poll waits on it (and so releases it).
LOCK = threading.Condition(threading.RLock())
# Longest sleep of a waiting long poll before it looks again (visibility expiries and
# delays end without anybody notifying).
POLL_TICK_SECONDS = 0.1


def notify() -> None:
    with LOCK:
        LOCK.notify_all()


def serialized(app: Callable[..., Any]) -> Callable[..., Any]:
    """WSGI middleware: one request at a time (a waiting long poll does not hold the lock)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with LOCK:
            body = app(environ, start_response)
            return list(body)  # produce the whole response while still holding the lock

    return wrapped
