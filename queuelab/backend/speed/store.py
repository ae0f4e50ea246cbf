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


# The patches: each takes moto's attribute (None where moto has none) and returns ours
# (``queuelab.backend.patches`` lists them).


def mark_received(original: Any) -> Any:
    def mark_received(self: Any, visibility_timeout: int | None = None) -> None:
        original(self, visibility_timeout)
        handles[self.receipt_handle] = self

    return mark_received


def visible_at(_moto: None) -> property:
    return _timestamp("visible_at")


def delayed_until(_moto: None) -> property:
    return _timestamp("delayed_until")


def visible(_moto: property) -> property:
    return property(lambda self: now_ms() > self.visible_at)


def delayed(_moto: property) -> property:
    return property(lambda self: now_ms() < self.delayed_until)


def queue_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._messages = MessageStore(self._messages)

    return __init__


def add_message(_moto: Any) -> Any:
    def add_message(self: Any, message: Any) -> None:
        """Append (moto's own scans the queue for a FIFO deduplication id and runs Lambda
        event source mappings, which the lab has none of). Waiting long polls are woken by
        ``behaviour.receiving``, which wraps this."""
        self._messages.append(message)

    return add_message


def messages(_moto: property) -> property:
    return property(lambda self: _visible_undelayed(self._messages))


def counted(kind: str) -> Any:
    """``approximate_number_of_messages`` and its siblings: ``kind`` of ``Counts``."""

    def count(_moto: property) -> property:
        return property(lambda self: _count(self, kind))

    return count


def get_queue_attributes(original: Any) -> Any:
    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> Any:
        token = _counts.set({})
        try:
            return original(self, queue_name, attribute_names)
        finally:
            _counts.reset(token)

    return get_queue_attributes


def is_message_valid_based_on_retention_period(_moto: Any) -> Any:
    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:
        retention_seconds = self.get_queue(queue_name).message_retention_period
        return bool(retention_seconds + message.sent_timestamp / 1000 > time.time())

    return is_message_valid_based_on_retention_period


def delete_queue(original: Any) -> Any:
    def delete_queue(self: Any, queue_name: str) -> None:
        """Forget the queue's messages too (the store index would keep them alive)."""
        queue = self.get_queue(queue_name)
        original(self, queue_name)
        for message in queue._messages.iter_live():
            forget(message)
        queue._messages.clear()

    return delete_queue
