"""Fixes applied to moto's SQS backend inside the embedded server process only.

Stock moto 5.2 has three defects that would make the lab lie or crawl:

1. Receives are not atomic. werkzeug serves each request on its own thread and moto's
   ``receive_message`` checks visibility and marks a message received without a lock, so
   two consumers sometimes get the same message inside its visibility timeout (and a FIFO
   group can be handed to two consumers). A scenario would then report duplicates that
   the system under test did not cause.
   Fix: ``serialized`` wraps the WSGI app so that every request (SQS and DynamoDB) runs
   under one lock. A long poll releases that lock while it waits (``LOCK.wait``), and every
   call that can make a message receivable (send, delete, visibility change, purge)
   wakes the waiters.

2. Every call walks every stored message several times. ``Queue.attributes`` counts
   visible / delayed / in-flight messages on each read, and the send and receive paths
   read it per message (``ContentBasedDeduplication``, ``MessageRetentionPeriod``);
   visibility checks go through slow datetime conversions; delete and
   ``ChangeMessageVisibility`` scan the queue for the receipt handle.
   Fix: a cheap clock for visibility checks; the counts are computed only for
   ``GetQueueAttributes``; messages live in an insertion-ordered store with O(1) removal;
   receipt handles are indexed; the receive scan stops once it has enough messages.

3. After a FIFO batch's visibility expires, moto hands out its last message first and skips
   the others (``_expire_leases``).

Only ``moto.sqs.models`` is touched, and only in the server process (``apply()`` is called
by ``queuelab.backend.server``). Semantics are moto's own: visibility, redrive to the DLQ
during a receive, delays, FIFO group blocking, and stale receipt handles still working.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import version
from typing import Any

SUPPORTED_MOTO = ((5, 2), (5, 3))  # [lower, upper) on (major, minor)

# One lock for the whole server; a long poll waits on it (and so releases it).
LOCK = threading.Condition(threading.RLock())
# Longest sleep of a waiting long poll before it looks again (visibility expiries and
# delays end without anybody notifying).
POLL_TICK_SECONDS = 0.1

# Set only while GetQueueAttributes runs: the message counts it may compute, per request.
_counts: contextvars.ContextVar[dict[tuple[int, str], int] | None] = contextvars.ContextVar(
    "queuelab_counts", default=None
)
_handles: dict[str, Any] = {}  # receipt handle (current or stale) -> moto Message
_applied = False


class UnsupportedMoto(RuntimeError):
    pass


def check_moto_version(installed: str | None = None) -> str:
    """Return the installed moto version, or raise if the patches were not written for it."""
    found = installed or version("moto")
    try:
        major, minor = (int(part) for part in found.split(".")[:2])
    except ValueError as err:
        raise UnsupportedMoto(f"cannot read moto version {found!r}") from err
    low, high = SUPPORTED_MOTO
    if not low <= (major, minor) < high:
        raise UnsupportedMoto(
            f"queuelab's embedded backend patches moto {low[0]}.{low[1]}.x, but moto {found} "
            f"is installed; reinstall with: pip install 'moto[server]>={low[0]}.{low[1]},"
            f"<{high[0]}.{high[1]}'"
        )
    return found


def now_ms() -> float:
    return time.time() * 1000.0


def notify() -> None:
    with LOCK:
        LOCK.notify_all()


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


def serialized(app: Callable[..., Any]) -> Callable[..., Any]:
    """WSGI middleware: one request at a time (a waiting long poll does not hold the lock)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with LOCK:
            body = app(environ, start_response)
            return list(body)  # produce the whole response while still holding the lock

    return wrapped


def apply() -> None:
    """Patch moto's SQS models in this process. Idempotent."""
    global _applied
    if _applied:
        return
    check_moto_version()
    from moto.sqs import models

    _patch_message(models.Message)
    _patch_queue(models.Queue)
    _patch_backend(models.SQSBackend)
    _applied = True


def _patch_message(message_cls: Any) -> None:
    original_mark_received = message_cls.mark_received

    def mark_received(self: Any, visibility_timeout: int | None = None) -> None:
        original_mark_received(self, visibility_timeout)
        _handles[self.receipt_handle] = self

    message_cls.mark_received = mark_received
    message_cls.visible = property(lambda self: now_ms() > self.visible_at)
    message_cls.delayed = property(lambda self: now_ms() < self.delayed_until)


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


def _patch_queue(queue_cls: Any) -> None:
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    original_init = queue_cls.__init__
    original_add = queue_cls.add_message

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._messages = MessageStore(self._messages)

    def add_message(self: Any, message: Any) -> None:
        original_add(self, message)
        notify()

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: moto answers success again
        message = _handles.get(receipt_handle)
        if message is None or message not in self._messages:
            raise ReceiptHandleIsInvalid()
        self._messages.remove(message)
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        for handle in message.all_receipt_handles:
            _handles.pop(handle, None)
        notify()

    queue_cls.__init__ = __init__
    queue_cls.add_message = add_message
    queue_cls.delete_message = delete_message
    queue_cls.messages = property(lambda self: _visible_undelayed(self._messages))
    queue_cls.approximate_number_of_messages = property(lambda self: _count(self, "visible"))
    queue_cls.approximate_number_of_messages_delayed = property(
        lambda self: _count(self, "delayed")
    )
    queue_cls.approximate_number_of_messages_not_visible = property(
        lambda self: _count(self, "not_visible")
    )


def _expire_leases(queue: Any) -> None:
    """End every expired lease before a receive looks at the queue. moto ends them one by
    one as its scan meets them, and a FIFO group stays locked until the last one: the
    earlier messages of an expired batch are skipped and the last one is handed out first
    (with the messages after it), so a group's order breaks after a consumer dies holding a
    batch. SQS hands the expired batch out again from its oldest message."""
    if queue.fifo_queue:
        for message in [m for m in queue.pending_messages if m.visible]:
            queue.pending_messages.discard(message)


def _patch_backend(backend_cls: Any) -> None:
    from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid

    original_receive = backend_cls.receive_message
    original_purge = backend_cls.purge_queue
    original_get_attributes = backend_cls.get_queue_attributes

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        # moto's own single pass (wait 0); the waiting happens here, releasing the lock.
        deadline = time.monotonic() + wait_seconds_timeout
        while True:
            with LOCK:
                _expire_leases(self.get_queue(queue_name))
                found: list[Any] = original_receive(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                )
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                LOCK.wait(min(remaining, POLL_TICK_SECONDS))

    def change_message_visibility(
        self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        queue = self.get_queue(queue_name)
        message = _handles.get(receipt_handle)
        if message is None or message not in queue._messages:
            raise ReceiptHandleIsInvalid()
        limit_ms = 43200 * 1000
        if now_ms() + int(visibility_timeout) * 1000 - message.sent_timestamp > limit_ms:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. "
                "Reason: Total VisibilityTimeout for the message is beyond the limit "
                "[43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        if message.visible:
            queue.pending_messages.discard(message)
            notify()

    def purge_queue(self: Any, queue_name: str) -> None:
        original_purge(self, queue_name)
        queue = self.get_queue(queue_name)
        queue._messages = MessageStore()
        notify()

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

    backend_cls.receive_message = receive_message
    backend_cls.change_message_visibility = change_message_visibility
    backend_cls.purge_queue = purge_queue
    backend_cls.get_queue_attributes = get_queue_attributes
    backend_cls.is_message_valid_based_on_retention_period = (
        is_message_valid_based_on_retention_period
    )
