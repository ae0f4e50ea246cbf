"""PurgeQueue: deletes every message (in flight and delayed too) and the FIFO deduplication
records; a second purge of the same queue within ``settings.current.purge_cooldown_seconds``
is refused with ``PurgeQueueInProgress`` (PurgeQueue API: "Only one PurgeQueue operation on
<queue> is allowed every 60 seconds"). AWS's purge also takes up to 60 s to finish; this one
is immediate (listed in docs/fidelity.md)."""

from __future__ import annotations

import time
from typing import Any

from queuelab.backend import settings
from queuelab.backend.behaviour import fifo
from queuelab.backend.behaviour.locking import notify
from queuelab.backend.speed import store


def purge_queue(_moto: Any) -> Any:
    """The patch of ``SQSBackend.purge_queue`` (``queuelab.backend.patches``)."""
    from moto.sqs.exceptions import PurgeQueueInProgress

    def purge_queue(self: Any, queue_name: str) -> None:
        queue = self.get_queue(queue_name)
        now = time.monotonic()
        cooldown = settings.current.purge_cooldown_seconds
        last = getattr(queue, "_queuelab_purged_at", None)
        if cooldown and last is not None and now - last < cooldown:
            raise PurgeQueueInProgress(queue.name)
        queue._queuelab_purged_at = now
        queue.last_purged_at = time.time()
        for message in queue._messages.iter_live():
            store.forget(message)
        queue._messages.clear()
        queue._pending_messages = set()
        fifo.forget_all(queue)
        notify()

    return purge_queue
