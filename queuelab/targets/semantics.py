"""The SQS behaviours this lab depends on, as AWS documents them (pure data).

Each one is probed on a target by ``queuelab.targets.probes`` (``queuelab doctor
--semantics``); scenarios name the ones they rely on (``Scenario.relies_on``) or adapt to
(``Scenario.adapts_to``). ``setting`` names the embedded backend's setting that changes the
behaviour on purpose (``queuelab.backend.settings``), if any.
"""

from __future__ import annotations

from queuelab.targets.semantic import API, GUIDE, Semantic
from queuelab.targets.semantics_esm import ESM

__all__ = ["BY_NAME", "CATALOGUE", "ESM", "SQS", "Semantic", "UnknownSemantic", "get"]

SQS: tuple[Semantic, ...] = (
    Semantic(
        "redelivery-after-visibility-timeout",
        "a message received and not deleted comes back after its visibility timeout",
        "hidden during the timeout, then received again: same MessageId, new receipt handle, "
        "ApproximateReceiveCount 2",
        GUIDE.format("sqs-visibility-timeout"),
    ),
    Semantic(
        "dlq-after-max-receives",
        "the redrive policy moves a message to the DLQ after maxReceiveCount receives",
        "received maxReceiveCount times, then found in the DLQ",
        GUIDE.format("sqs-dead-letter-queues"),
    ),
    Semantic(
        "fifo-group-blocked-in-flight",
        "FIFO: while a message of a group is in flight, no later message of that group is "
        "delivered",
        "the next receive returns nothing of that group",
        GUIDE.format("FIFO-key-terms"),
    ),
    Semantic(
        "fifo-dedup-drops-duplicate",
        "FIFO: a second send with the same MessageDeduplicationId inside the window is "
        "accepted and not delivered",
        "accepted; only the first copy is delivered",
        API.format("SendMessage"),
    ),
    Semantic(
        "fifo-dedup-answers-original-id",
        "FIFO: the duplicate send answers the original message's MessageId",
        "the same MessageId as the first send",
        GUIDE.format("FIFO-queues-exactly-once-processing"),
    ),
    Semantic(
        "fifo-dedup-after-delete",
        "FIFO: deduplication also covers a message already received and deleted",
        "a resend after the delete, inside the window, is not delivered",
        GUIDE.format("FIFO-key-terms"),
    ),
    Semantic(
        "fifo-dedup-scope-message-group",
        "FIFO: with DeduplicationScope=messageGroup an id is deduplicated within its group only",
        "the same id in another group is delivered, in the same group it is not",
        API.format("SetQueueAttributes"),
    ),
    Semantic(
        "fifo-content-based-dedup",
        "FIFO: with ContentBasedDeduplication the SHA-256 of the body is the deduplication id",
        "a second send of the same body is not delivered",
        API.format("SendMessage"),
    ),
    Semantic(
        "fifo-sequence-number",
        "FIFO: every send answers a SequenceNumber that increases within a group (content-based "
        "deduplication too)",
        "present and increasing",
        GUIDE.format("FIFO-key-terms"),
    ),
    Semantic(
        "fifo-dedup-window",
        "FIFO: the deduplication window lasts 5 minutes",
        "a resend a few seconds after the first send is still a duplicate (the full 300 s is "
        "not timed)",
        API.format("SendMessage"),
        setting="dedup_window_seconds",
    ),
    Semantic(
        "fifo-receive-attempt-id",
        "FIFO: a receive retried with the same ReceiveRequestAttemptId returns the same messages",
        "the same messages and receipt handles",
        API.format("ReceiveMessage"),
    ),
    Semantic(
        "fifo-expired-handle-delete-refused",
        "FIFO: DeleteMessage with a receipt handle whose visibility timeout expired is refused",
        "InvalidParameterValue (the receipt handle has expired); the message comes back",
        API.format("ReceiveMessage"),
    ),
    Semantic(
        "fifo-expired-handle-visibility-refused",
        "FIFO: ChangeMessageVisibility with an expired receipt handle is refused",
        "refused (the receipt handle has expired)",
        API.format("ReceiveMessage"),
    ),
    Semantic(
        "size-counts-utf8-bytes",
        "MaximumMessageSize counts UTF-8 bytes, not characters",
        "600 'é' (1,200 bytes) refused by a 1,024-byte queue",
        API.format("SendMessage"),
    ),
    Semantic(
        "size-counts-attributes",
        "message attributes (name, type and value) count toward the message size",
        "a 1,000-byte body with 37 bytes of attributes refused by a 1,024-byte queue",
        GUIDE.format("quotas-messages"),
    ),
    Semantic(
        "size-default-1mib",
        "a new queue's MaximumMessageSize is 1 MiB",
        "1048576",
        API.format("SetQueueAttributes"),
    ),
    Semantic(
        "invalid-characters-refused",
        "a body with a character outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | "
        "#x10000-#x10FFFF is refused",
        "InvalidMessageContents",
        API.format("SendMessage"),
    ),
    Semantic(
        "batch-fails-only-offending-entries",
        "SendMessageBatch: an oversized entry lands in Failed, the others are sent",
        "1 Failed, 2 Successful",
        API.format("SendMessageBatch"),
    ),
    Semantic(
        "redrive-allow-policy-stored",
        "RedriveAllowPolicy is stored and returned by GetQueueAttributes",
        "returned as set",
        API.format("SetQueueAttributes"),
    ),
    Semantic(
        "redrive-allow-policy-enforced",
        "a RedrivePolicy naming a DLQ whose RedriveAllowPolicy denies it is refused",
        "InvalidParameterValue",
        GUIDE.format("sqs-dead-letter-queues"),
    ),
    Semantic(
        "move-task-to-source",
        "StartMessageMoveTask without a destination moves a DLQ's messages back to their "
        "source queue; ListMessageMoveTasks reports it",
        "COMPLETED, 2 of 2 moved, both back in the source queue",
        API.format("StartMessageMoveTask"),
    ),
    Semantic(
        "move-task-validation",
        "StartMessageMoveTask refuses a source queue that is no DLQ",
        "InvalidParameterValue",
        API.format("StartMessageMoveTask"),
    ),
    Semantic(
        "visibility-deleted-handle-refused",
        "ChangeMessageVisibility with the receipt handle of a message already deleted is refused",
        "InvalidParameterValue (Message does not exist or is not available for visibility "
        "timeout change)",
        API.format("ChangeMessageVisibility"),
    ),
    Semantic(
        "receipt-handle-malformed-refused",
        "a receipt handle that is not one is refused; a deleted message's handle deletes again "
        "without error",
        'ReceiptHandleIsInvalid (The input receipt handle "garbage" is not a valid receipt '
        "handle.); the second delete accepted",
        API.format("DeleteMessage"),
    ),
    Semantic(
        "fifo-queue-delay-applies",
        "FIFO: a message sent with DelaySeconds=0 still waits the queue's DelaySeconds",
        "not received during the queue's 4 s delay, received after it",
        API.format("SendMessage"),
    ),
    Semantic(
        "fifo-batch-groups-together",
        "FIFO: a receive returns each message group's messages together, in order",
        "g1-m1, g1-m2, g1-m3, g2-m1 (sent g1-m1, g2-m1, g1-m2, g1-m3)",
        API.format("ReceiveMessage"),
    ),
    Semantic(
        "fifo-group-head-available",
        "FIFO: a group whose first message is visible again is served while later ones are "
        "still in flight, behind the groups that waited",
        "g2-m1, g1-m1 once g1-m1 is released (g1-m2 still in flight)",
        GUIDE.format("FIFO-key-terms"),
    ),
    Semantic(
        "fifo-name-needs-fifo-attribute",
        "CreateQueue refuses a .fifo name without FifoQueue=true, and FifoQueue=true without "
        "the .fifo suffix",
        "InvalidParameterValue, both",
        API.format("CreateQueue"),
    ),
    Semantic(
        "queue-type-fixed",
        "a queue's type cannot change: FifoQueue is unknown to a standard queue, "
        "FifoQueue=false is refused on a FIFO queue",
        "InvalidAttributeName, then InvalidAttributeValue",
        API.format("SetQueueAttributes"),
    ),
    Semantic(
        "message-body-required",
        "SendMessage without a body (an empty one) is refused as a missing parameter",
        "MissingParameter (The request must contain the parameter MessageBody.)",
        API.format("SendMessage"),
    ),
    Semantic(
        "receive-limits-refused",
        "ReceiveMessage with MaxNumberOfMessages above 10 or WaitTimeSeconds above 20 is refused",
        "InvalidParameterValue, both (Must be between 1 and 10, if provided.)",
        API.format("ReceiveMessage"),
    ),
    Semantic(
        "batch-size-checked-first",
        "a batch of more than 10 entries is refused as too many, whatever its entries",
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest for 20 deletes of one handle",
        API.format("DeleteMessageBatch"),
    ),
    Semantic(
        "message-attribute-names",
        "message attribute names: letters beyond ASCII accepted, an AWS. prefix refused, an "
        "empty string value refused",
        "attr.1øßä accepted; AWS.x and an empty value: InvalidParameterValue",
        API.format("SendMessage"),
    ),
    Semantic(
        "group-id-on-standard-queue",
        "a standard queue takes a valid MessageGroupId and returns it; an invalid one is refused",
        "MessageGroupId returned; 'group 123' refused with InvalidParameterValue",
        API.format("SendMessage"),
    ),
    Semantic(
        "purge-cooldown",
        "a second PurgeQueue of a queue within 60 s is refused, HTTP 403",
        "PurgeQueueInProgress (HTTP 403)",
        API.format("PurgeQueue"),
        setting="purge_cooldown_seconds",
    ),
)
CATALOGUE = SQS + ESM
BY_NAME = {semantic.name: semantic for semantic in CATALOGUE}


class UnknownSemantic(KeyError):
    pass


def get(name: str) -> Semantic:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownSemantic(f"no semantic named {name!r} (known: {', '.join(BY_NAME)})") from None
