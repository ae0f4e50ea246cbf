"""FIFO queues as SQS runs them: deduplication, sequence numbers, retried receives.

- Deduplication (AWS, "Using the message deduplication ID": any message sent with the same
  deduplication ID is accepted but not delivered during the 5-minute deduplication interval;
  SQS keeps track of the ID even after the message was received and deleted). The key is the
  deduplication id, or (group, id) when ``DeduplicationScope`` is ``messageGroup``; a
  duplicate send answers the original's MessageId and SequenceNumber. The window is
  ``settings.current.dedup_window_seconds`` (AWS: 300 s). Records live in an insertion-ordered
  dict, so a send costs O(1): one lookup, and expired records leave from the oldest end.
  A purge forgets them (AWS does; recorded by LocalStack's AWS-validated tests).
- ``SequenceNumber``: strictly increasing, for every FIFO message, content-based or not.
- ``ReceiveRequestAttemptId`` (ReceiveMessage API): within 5 minutes, a retried receive with
  the same id returns the same messages and receipt handles, and resets their visibility
  timeout, as long as none of them was deleted or had its visibility changed.
"""

from __future__ import annotations

import contextvars
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from queuelab.backend import settings
from queuelab.backend.speed import store

ATTEMPT_ID_SECONDS = 300.0

# ReceiveRequestAttemptId of the ReceiveMessage request being served, if any.
attempt_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "queuelab_attempt_id", default=None
)
_last_sequence = 0


def next_sequence_number() -> str:
    """20 digits, strictly increasing in this process (callers hold the server lock)."""
    global _last_sequence
    _last_sequence = max(_last_sequence + 1, time.time_ns())
    return f"{_last_sequence:020d}"


@dataclass(frozen=True)
class Sent:
    expires_ms: float
    message_id: str
    sequence_number: str


class Expiring:
    """Records that all live equally long, so they expire in the order they were added:
    a lookup is O(1) and expired records leave from the oldest end."""

    def __init__(self) -> None:
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    def get(self, key: Any, now_ms: float) -> Any | None:
        while self._items:
            oldest, (expires, _) = next(iter(self._items.items()))
            if expires > now_ms:
                break
            del self._items[oldest]
        item = self._items.get(key)
        return item[1] if item is not None and item[0] > now_ms else None

    def put(self, key: Any, value: Any, expires_ms: float) -> None:
        self._items.pop(key, None)
        self._items[key] = (expires_ms, value)

    def pop(self, key: Any) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def dedup_key(queue: Any, group_id: str | None, dedup_id: str) -> tuple[str, str]:
    per_group = getattr(queue, "deduplication_scope", "queue") == "messageGroup"
    return (group_id or "" if per_group else "", dedup_id)


def original_of(queue: Any, group_id: str | None, dedup_id: str) -> Sent | None:
    """The message this deduplication id was first sent with, if still inside the window."""
    sent: Sent | None = queue._queuelab_dedup.get(
        dedup_key(queue, group_id, dedup_id), store.now_ms()
    )
    return sent


def remember(queue: Any, message: Any) -> None:
    window_ms = settings.current.dedup_window_seconds * 1000
    sent = Sent(store.now_ms() + window_ms, message.id, message.sequence_number)
    key = dedup_key(queue, message.group_id, message.deduplication_id)
    queue._queuelab_dedup.put(key, sent, sent.expires_ms)


@dataclass
class Attempt:
    entries: list[tuple[Any, str]]  # (message, its receipt handle) as returned
    copies: list[Any]  # what the receive answered
    visible_at: list[float] = field(default_factory=list)


def replay(queue: Any, attempt: str, visibility_timeout: int) -> list[Any] | None:
    """The answer of an earlier receive with this attempt id, if it may be repeated."""
    record: Attempt | None = queue._queuelab_attempts.get(attempt, store.now_ms())
    if record is None:
        return None
    unchanged = all(
        message in queue._messages and message.receipt_handle == handle and message.visible_at == at
        for (message, handle), at in zip(record.entries, record.visible_at, strict=True)
    )
    if not unchanged:
        queue._queuelab_attempts.pop(attempt)
        return None
    for message, _ in record.entries:
        message.change_visibility(visibility_timeout)
        queue.pending_messages.add(message)
    record.visible_at = [message.visible_at for message, _ in record.entries]
    return record.copies


def record_attempt(queue: Any, attempt: str, copies: list[Any]) -> None:
    entries = [(store.handles[c.receipt_handle], c.receipt_handle) for c in copies]
    record = Attempt(entries, copies, [message.visible_at for message, _ in entries])
    queue._queuelab_attempts.put(attempt, record, store.now_ms() + ATTEMPT_ID_SECONDS * 1000)


def forget_all(queue: Any) -> None:
    """A purge: no deduplication record or receive attempt survives it."""
    queue._queuelab_dedup.clear()
    queue._queuelab_attempts.clear()


def queue_init(original: Any) -> Any:
    """The patch of ``Queue.__init__`` (``queuelab.backend.patches``): each queue keeps its
    deduplication records and receive attempts."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self._queuelab_dedup = Expiring()
        self._queuelab_attempts = Expiring()
        original(self, *args, **kwargs)

    return __init__
