"""When a batch is ready to invoke with, and how many messages to ask SQS for next (pure).

"Lambda continues to poll messages from the SQS standard queue until the batch window
expires, the invocation payload size quota is reached, or the configured maximum batch size
is reached" (with-sqs.html, as the awsdocs/aws-lambda-developer-guide copy of it says;
API_CreateEventSourceMapping.html, BatchSize: "up to the payload limit for synchronous
invocation (6 MB)"). With no window (0, the
default, and always on FIFO queues) a batch is what one ReceiveMessage returned (at most 10,
the most one call returns: API_ReceiveMessage.html ``MaxNumberOfMessages``).

The window is counted from the batch's first message: an idle queue never makes an empty
invocation (Lambda never invokes with no records). A message that would take the payload
over 6 MB is not added: it opens the next batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from queuelab.esm.records import event_size

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # the synchronous invocation payload quota, "6 MB"
MAX_RECEIVE = 10  # ReceiveMessage's MaxNumberOfMessages


@dataclass
class Batch:
    size: int  # BatchSize
    window: float = 0.0  # MaximumBatchingWindowInSeconds
    messages: list[dict[str, Any]] = field(default_factory=list)  # SQS's, as received
    encoded: list[bytes] = field(default_factory=list)  # their records, encoded
    opened_at: float | None = None  # when the first message came
    payload_full: bool = False

    def __len__(self) -> int:
        return len(self.messages)

    def room(self) -> int:
        """How many messages the next ReceiveMessage asks for."""
        return max(0, min(MAX_RECEIVE, self.size - len(self.messages)))

    def add(self, message: dict[str, Any], encoded: bytes, now: float) -> bool:
        """Add a message; False (and the batch is closed) when its record would take the
        payload over 6 MB: the caller keeps it for the next batch."""
        sizes = [len(e) for e in self.encoded] + [len(encoded)]
        if self.messages and event_size(sizes) > MAX_PAYLOAD_BYTES:
            self.payload_full = True
            return False
        if self.opened_at is None:
            self.opened_at = now
        self.messages.append(message)
        self.encoded.append(encoded)
        return True

    def due(self, now: float) -> bool:
        """Whether to invoke now: full, at the payload quota, or its window is over (with
        no window: as soon as it holds anything)."""
        if not self.messages:
            return False
        if self.payload_full or len(self.messages) >= self.size or self.window <= 0:
            return True
        assert self.opened_at is not None
        return now - self.opened_at >= self.window

    def wait_seconds(self, now: float, long_poll: int) -> int:
        """The next receive's WaitTimeSeconds: a long poll while empty, else what is left
        of the window, rounded down (0: a short poll; the caller paces those)."""
        if not self.messages or self.window <= 0 or self.opened_at is None:
            return long_poll
        left = self.window - (now - self.opened_at)
        return max(0, min(long_poll, math.floor(left)))
