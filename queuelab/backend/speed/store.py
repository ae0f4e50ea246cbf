"""Keep every call's cost flat as a queue grows.

Stock moto walks every stored message several times per call: ``Queue.attributes`` counts
visible / delayed / in-flight messages on each read and the send and receive paths read it
per message (``ContentBasedDeduplication``, ``MessageRetentionPeriod``); visibility checks go
through slow datetime conversions; delete and ``ChangeMessageVisibility`` scan the queue for
the receipt handle; a FIFO send scans the queue for its deduplication id.
Here: a cheap clock for visibility checks; the counts are computed only for
``GetQueueAttributes``; messages live in an insertion-ordered store with O(1) removal;
receipt handles are indexed; the receive scan stops once it has enough messages; adding a
message is an append (deduplication is ``queuelab.backend.behaviour.fifo``'s, in O(1)).

The counts cost O(messages in flight or delayed), not O(depth): each store keeps aside the
messages whose visibility or delay was set (``held``); every other message is visible and
undelayed, so ``ApproximateNumberOfMessages`` is the store's size minus the held ones still
invisible or delayed. ``visible_at`` and ``delayed_until`` are properties that tell the
message's store when they are set (however moto or a patch sets them), and a count first
lets go of the held messages whose time has passed.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# Set only while GetQueueAttributes runs: each queue's counts, computed once per request.
_counts: contextvars.ContextVar[dict[int, Counts] | None] = contextvars.ContextVar(
    "queuelab_counts", default=None
)
handles: dict[str, Any] = {}  # receipt handle (current or stale) -> moto Message
# id(message) -> the store holding it; not an attribute of the message, which moto deep-copies
# for every receive (a copy is in no store: setting its times changes nothing).
_owners: dict[int, MessageStore] = {}


def now_ms() -> float:
    return time.time() * 1000.0


def _ready(message: Any, now: float) -> bool:
    """Visible and not delayed: what a receive may return."""
    return bool(now > message.visible_at and now >= message.delayed_until)


@dataclass(frozen=True)
class Counts:
    visible: int
    not_visible: int
    delayed: int


class MessageStore:
    """The queue's messages in send order, with O(1) append, removal and membership, and
    aside (``_held``) every message that may be in flight or delayed: all the others are
    ready, so the counts cost O(held), not O(depth)."""

    def __init__(self, messages: Iterable[Any] = ()) -> None:
        self._by_id: dict[int, Any] = {}
        self._held: dict[int, Any] = {}
        for message in messages:
            self.append(message)

    def append(self, message: Any) -> None:
        self._by_id[id(message)] = message
        _owners[id(message)] = self
        if not _ready(message, now_ms()):
            self._held[id(message)] = message

    def remove(self, message: Any) -> None:
        del self._by_id[id(message)]
        self._held.pop(id(message), None)
        if _owners.get(id(message)) is self:
            del _owners[id(message)]

    def hold(self, message: Any) -> None:
        """The message's visibility or delay was just set: it may not be ready."""
        if self._by_id.get(id(message)) is message:
            self._held[id(message)] = message

    def counts(self) -> Counts:
        now = now_ms()
        for message in [m for m in self._held.values() if _ready(m, now)]:
            del self._held[id(message)]  # ready until its times are set again
        held = self._held.values()
        return Counts(
            visible=len(self._by_id) - len(self._held),
            not_visible=sum(1 for m in held if now <= m.visible_at),
            delayed=sum(1 for m in held if now < m.delayed_until),
        )

    def clear(self) -> None:
        for key in self._by_id:
            if _owners.get(key) is self:
                del _owners[key]
        self._by_id.clear()
        self._held.clear()

    def __contains__(self, message: object) -> bool:
        return self._by_id.get(id(message)) is message

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


def _timestamp(name: str) -> property:
    """A message time that, when set, tells the message's store to hold it."""
    slot = f"_queuelab_{name}"

    def get(message: Any) -> float:
        return message.__dict__.get(slot, 0.0)  # type: ignore[no-any-return]

    def set_(message: Any, value: float) -> None:
        message.__dict__[slot] = value
        owner = _owners.get(id(message))
        if owner is not None:
            owner.hold(message)

    return property(get, set_)


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
    return (m for m in messages.iter_live() if _ready(m, now))


def _count(queue: Any, kind: str) -> int | None:
    cache = _counts.get()
    if cache is None:
        return None  # not GetQueueAttributes: moto's send paths read other attributes only
    if id(queue) not in cache:
        cache[id(queue)] = queue._messages.counts()
    return int(getattr(cache[id(queue)], kind))


def patch_message(message_cls: Any) -> None:
    original_mark_received = message_cls.mark_received

    def mark_received(self: Any, visibility_timeout: int | None = None) -> None:
        original_mark_received(self, visibility_timeout)
        handles[self.receipt_handle] = self

    message_cls.mark_received = mark_received
    message_cls.visible_at = _timestamp("visible_at")
    message_cls.delayed_until = _timestamp("delayed_until")
    message_cls.visible = property(lambda self: now_ms() > self.visible_at)
    message_cls.delayed = property(lambda self: now_ms() < self.delayed_until)


def patch_queue(queue_cls: Any) -> None:
    original_init = queue_cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._messages = MessageStore(self._messages)

    def add_message(self: Any, message: Any) -> None:
        """Append (moto's own scans the queue for a FIFO deduplication id and runs Lambda
        event source mappings, which the lab has none of). Waiting long polls are woken by
        ``behaviour.receiving``, which wraps this."""
        self._messages.append(message)

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

    original_delete_queue = backend_cls.delete_queue

    def delete_queue(self: Any, queue_name: str) -> None:
        """Forget the queue's messages too (the store index would keep them alive)."""
        queue = self.get_queue(queue_name)
        original_delete_queue(self, queue_name)
        for message in queue._messages.iter_live():
            forget(message)
        queue._messages.clear()

    backend_cls.get_queue_attributes = get_queue_attributes
    backend_cls.delete_queue = delete_queue
    backend_cls.is_message_valid_based_on_retention_period = (
        is_message_valid_based_on_retention_period
    )
