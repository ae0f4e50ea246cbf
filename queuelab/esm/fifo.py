"""Order within a FIFO message group, as the mapping keeps it and as a function can break it
(pure).

services-sqs-scaling.html: "When Lambda reads your messages into batches, each batch may
contain messages from more than one message group, but the order of the messages is
maintained. If your function returns an error, the function attempts all retries on the
affected messages before Lambda receives additional messages from the same group." The queue
does the holding back: SQS hands out no later message of a group while one of it is in
flight, so the mapping leaves a failed message in flight until its visibility timeout ends
(it never releases it early) and the group waits for its retry.

services-sqs-errorhandling.html: "If you're using this feature with a FIFO queue, your
function should stop processing messages after the first failure and return all failed and
unprocessed messages in batchItemFailures." The mapping deletes what the response does not
return, so a function that reports only the failed message lets the group's later messages
of the batch overtake it: ``overtaken`` names them, for the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def group_of(message: Mapping[str, Any]) -> str | None:
    group = message.get("Attributes", {}).get("MessageGroupId")
    return None if group is None else str(group)


def overtaken(messages: Sequence[Mapping[str, Any]], returned: Iterable[str]) -> list[str]:
    """Message ids deleted although an earlier message of their group in the same batch
    returns to the queue: they were processed before it, out of order."""
    back = set(returned)
    failed_groups: set[str] = set()
    out: list[str] = []
    for message in messages:
        group, message_id = group_of(message), message["MessageId"]
        if group is None:
            continue
        if message_id in back:
            failed_groups.add(group)
        elif group in failed_groups:
            out.append(message_id)
    return out
