"""The upstream poller: read a feed page by page, send each page to SQS, keep a cursor.

The cursor is the id of the last event sent, kept in a table. A page is read *from* the
cursor, inclusive (``GET feed?from=CURSOR&limit=N``), and the events past it are sent; the
cursor moves to the page's last id only once every one of them was sent (``SendThenAdvance``).
Ids may have gaps: starting from the last id seen, never from "last id + 1" or a page count,
means a gap can never make the poller skip an event. A poller that dies mid-page sends part
of that page again when it restarts (at-least-once: the consumer deduplicates). Storing the
cursor first (``AdvanceThenSend``, the negative control) loses the rest of the page instead.

With a lease lock (``pipeline/lease.py``) only the holder polls; the cursor is read when the
lock is acquired (another instance may have moved it meanwhile).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline.chaos import Hooks
from pipeline.lease import Lock
from pipeline.sender import Event, Sender
from pipeline.shutdown import Shutdown
from queuelab.contract import feed
from queuelab.contract.history import Fn, History
from queuelab.contract.tables import TABLE_KEYS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("pipeline")
KEY = TABLE_KEYS["state"]


def fetch_page(url: str, start: int, limit: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """One page of the feed: events with ``id >= start``, at most ``limit``."""
    query = urllib.parse.urlencode({feed.FROM: start, feed.LIMIT: limit})
    with urllib.request.urlopen(f"{url}?{query}", timeout=timeout) as response:
        events: list[dict[str, Any]] = json.load(response)["events"]
    return events


class Cursor:
    """The last event id sent, in one item of the state table."""

    def __init__(self, ddb: DynamoDBClient, table: str, name: str, history: History) -> None:
        self.ddb, self.table, self.name, self.history = ddb, table, f"cursor-{name}", history

    def load(self) -> int:
        item = self.ddb.get_item(
            TableName=self.table, Key={KEY: {"S": self.name}}, ConsistentRead=True
        ).get("Item", {})
        return int(item.get("value", {}).get("N", "0"))

    def store(self, value: int) -> None:
        self.history.invoke(Fn.CURSOR, None, value=value)
        try:
            self.ddb.put_item(
                TableName=self.table, Item={KEY: {"S": self.name}, "value": {"N": str(value)}}
            )
        except (ClientError, BotoCoreError) as err:
            self.history.fail(Fn.CURSOR, None, value=value, error=str(err))
            raise
        self.history.ok(Fn.CURSOR, None, value=value)


Publish = Callable[[list[Event]], bool]  # send these events: True if all were sent


class Advance(ABC):
    """How a page is sent and the cursor moved past it."""

    @abstractmethod
    def __call__(self, events: list[Event], last_id: int, cursor: Cursor, send: Publish) -> bool:
        """True when the page was sent and the cursor moved to ``last_id``; False: the
        cursor is read again before the next page."""


class SendThenAdvance(Advance):
    """Send the page, then move the cursor: nothing is skipped."""

    def __call__(self, events: list[Event], last_id: int, cursor: Cursor, send: Publish) -> bool:
        if not send(events):
            return False  # the cursor stays: the page is read (and sent) again
        cursor.store(last_id)
        return True


class AdvanceThenSend(Advance):
    """Move the cursor, then send the page: a crash mid-page skips the rest of it."""

    def __call__(self, events: list[Event], last_id: int, cursor: Cursor, send: Publish) -> bool:
        cursor.store(last_id)
        return send(events)


class Poller:
    def __init__(
        self,
        feed_url: str,
        feed_name: str,
        sender: Sender,
        cursor: Cursor,
        lock: Lock,
        history: History,
        shutdown: Shutdown,
        *,
        advance: Advance,
        page_size: int = 10,
        batch_size: int = 5,
        poll_interval: float = 0.3,
        hooks: Hooks | None = None,
    ) -> None:
        self.feed_url, self.feed_name = feed_url, feed_name
        self.sender, self.cursor, self.lock = sender, cursor, lock
        self.history, self.shutdown, self.advance = history, shutdown, advance
        self.page_size, self.batch_size, self.poll_interval = page_size, batch_size, poll_interval
        self.hooks = hooks or Hooks()
        self.position: int | None = None  # the cursor as we know it (None: read it first)
        self.sent = 0

    def send(self, events: list[Event]) -> bool:
        """Send in batches while the lock is still ours; True if every event was sent."""
        for start in range(0, len(events), self.batch_size):
            if not self.lock.valid():
                return False
            batch = events[start : start + self.batch_size]
            sent = self.sender.send(batch)
            self.sent += len(sent)
            if sent:
                mid_page = start + self.batch_size < len(events)
                self.hooks.after_send([e.key for e in sent], mid_page)
            if len(sent) < len(batch):
                return False
        return True

    def poll_once(self) -> bool:
        """Read and send one page; True if it had anything new."""
        if self.position is None:
            self.position = self.cursor.load()
        start = self.position
        page = fetch_page(self.feed_url, start, self.page_size)
        new = [e for e in page if int(e[feed.ID]) > start]
        last = int(page[-1][feed.ID]) if page else start
        self.history.ok(Fn.PAGE, None, start=start, events=len(page), new=len(new), last=last)
        if not new:
            return False
        events = [
            Event(feed.event_key(self.feed_name, int(e[feed.ID])),
                  feed.message_payload(self.feed_name, e))
            for e in new
        ]  # fmt: skip
        if self.advance(events, last, self.cursor, self.send):
            self.position = last
        else:
            self.position = None  # read the cursor again before the next page
        return True

    def run(self) -> int:
        log.info("polling %s", self.feed_url)
        while self.shutdown.running:
            if not self.lock.hold():
                self.position = None  # whoever holds it moves the cursor meanwhile
                self.shutdown.sleep(self.poll_interval)
                continue
            try:
                busy = self.poll_once()
            except (ClientError, BotoCoreError, OSError, ValueError) as err:
                log.error("poll failed, trying again: %s", err)
                self.position, busy = None, False
            if not busy:
                self.shutdown.sleep(self.poll_interval)
        self.lock.release()
        return self.shutdown.exit(sent=self.sent)
