"""The upstream feed a poller reads (served by the lab on loopback in ``cursor-resume`` and
``single-poller``): ``GET /events?from=ID&limit=N`` answers ``{"events": [...]}``, the events
whose ``id`` is at least ``ID`` (inclusive), in increasing ``id`` order, at most ``N``; ids
increase but need not be contiguous; an empty list is the end (for now)."""

from __future__ import annotations

from typing import Any

PATH = "/events"
FROM, LIMIT = "from", "limit"
ID = "id"  # the event's increasing integer id in the feed


def event_key(feed: str, event_id: int) -> str:
    """The event's key as a message (``queuelab-id``) and as the consumer's dedupe id."""
    return f"{feed}-{event_id}"


def message_payload(feed: str, event: dict[str, Any]) -> dict[str, Any]:
    """The body a poller sends for ``event``: its key as ``id``, its feed id as ``event_id``."""
    rest = {k: v for k, v in event.items() if k != ID}
    return {"id": event_key(feed, int(event[ID])), "event_id": int(event[ID]), **rest}
