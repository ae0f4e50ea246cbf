"""Keep every call's cost flat as a queue grows.

Stock moto walks every stored message several times per call: ``Queue.attributes`` counts
visible / delayed / in-flight messages on each read and the send and receive paths read it
per message (``ContentBasedDeduplication``, ``MessageRetentionPeriod``); visibility checks go
through slow datetime conversions; delete and ``ChangeMessageVisibility`` scan the queue for
the receipt handle; a FIFO send scans the queue for its deduplication id.
Here: a cheap clock for visibility checks; the counts are computed only for
``GetQueueAttributes``; messages live in an insertion-ordered store with O(1) removal;
receipt handles are indexed; the receive scan stops once it has enough messages; adding a
message is an append (deduplication is ``queuelab.backend.fifo``'s, in O(1)).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from queuelab.backend.locking import notify

# Set only while GetQueueAttributes runs: the message counts it may compute, per request.
_counts: contextvars.ContextVar[dict[tuple[int, str], int] | None] = contextvars.ContextVar(
    "queuelab_counts", default=None
)
handles: dict[str, Any] = {}  # receipt handle (current or stale) -> moto Message


def now_ms() -> float:
    return time.time() * 1000.0


class MessageStore:
    """The queue's messages in send order, with O(1) append, removal and membership."""

    def __init__(self, messages: Iterable[Any] = ()) -> None:
        self._by_id: dict[int, Any] = {id(m): m for m in messages}

    def append(self, message: Any) -> None:
        self._by_id[id(message)] = message

    def remove(self, message: Any) -> None:
        del self._by_id[id(message)]

    def __contains__(self, message: object) -> bool:
        return id(message) in self._by_id

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)

    def __getitem__(self, index: int) -> Any:
        if index == -1 and self._by_id:
            return next(reversed(self._by_id.values()))
        return list(self._by_id.values())[index]

    def iter_live(self) -> Iterator[Any]:
        """Iterate without copying; the caller must not add or remove while iterating."""
        return iter(self._by_id.values())


def forget(message: Any) -> None:
    """Drop a message's receipt handles from the index (it left its queue)."""
    for handle in message.all_receipt_handles:
        handles.pop(handle, None)


def find(queue: Any, receipt_handle: str) -> Any | None:
    """The message of ``queue`` that this handle (current or stale) was issued for."""
    message = handles.get(receipt_handle)
    return message if message is not None and message in queue._messages else None


def _visible_undelayed(messages: MessageStore) -> Iterator[Any]:
    now = now_ms()
    return (m for m in messages.iter_live() if now > m.visible_at and now >= m.delayed_until)


_PREDICATES: dict[str, Callable[[Any, float], bool]] = {
    "visible": lambda m, now: now > m.visible_at and now >= m.delayed_until,
    "delayed": lambda m, now: now < m.delayed_until,
    "not_visible": lambda m, now: now <= m.visible_at,
}


def _count(queue: Any, kind: str) -> int | None:
    cache = _counts.get()
    if cache is None:
        return None  # not GetQueueAttributes: moto's send paths read other attributes only
    key = (id(queue), kind)
    if key not in cache:
        now, predicate = now_ms(), _PREDICATES[kind]
        cache[key] = sum(1 for m in queue._messages.iter_live() if predicate(m, now))
    return cache[key]


def patch_message(message_cls: Any) -> None:
    original_mark_received = message_cls.mark_received

    def mark_received(self: Any, visibility_timeout: int | None = None) -> None:
        original_mark_received(self, visibility_timeout)
        handles[self.receipt_handle] = self

    message_cls.mark_received = mark_received
    message_cls.visible = property(lambda self: now_ms() > self.visible_at)
    message_cls.delayed = property(lambda self: now_ms() < self.delayed_until)


def patch_queue(queue_cls: Any) -> None:
    original_init = queue_cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._messages = MessageStore(self._messages)

    def add_message(self: Any, message: Any) -> None:
        """Append (moto's own scans the queue for a FIFO deduplication id and runs Lambda
        event source mappings, which the lab has none of)."""
        self._messages.append(message)
        notify()

    queue_cls.__init__ = __init__
    queue_cls.add_message = add_message
    queue_cls.messages = property(lambda self: _visible_undelayed(self._messages))
    queue_cls.approximate_number_of_messages = property(lambda self: _count(self, "visible"))
    queue_cls.approximate_number_of_messages_delayed = property(
        lambda self: _count(self, "delayed")
    )
    queue_cls.approximate_number_of_messages_not_visible = property(
        lambda self: _count(self, "not_visible")
    )


def patch_backend(backend_cls: Any) -> None:
    original_get_attributes = backend_cls.get_queue_attributes

    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> Any:
        token = _counts.set({})
        try:
            return original_get_attributes(self, queue_name, attribute_names)
        finally:
            _counts.reset(token)

    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:
        retention_seconds = self.get_queue(queue_name).message_retention_period
        return bool(retention_seconds + message.sent_timestamp / 1000 > time.time())

    backend_cls.get_queue_attributes = get_queue_attributes
    backend_cls.is_message_valid_based_on_retention_period = (
        is_message_valid_based_on_retention_period
    )
