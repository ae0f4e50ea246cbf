"""ambiguous-send: sends applied whose answer is lost; the retry stores the message twice,
and deduplicating on the producer's id keeps one side effect per logical message."""

from __future__ import annotations

from scenarios import kit

FAULTS = "send:ambiguous=0.5"  # half the sends: applied, then the connection drops


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    dedupe = "sqs-message-id" if unsafe else "payload"
    for _ in range(p["consumers"]):
        lab.consumer(kit.ConsumerKnobs(max_messages=10, dedupe_on=dedupe))
    # A send whose every attempt lost its answer ends "unknown" (exit 1): part of the lesson.
    lab.producer(kit.ProducerKnobs(n=p["messages"], batch_size=p["batch_size"]), may_fail=True)
    lab.settle()


SCENARIO = kit.Scenario(
    name="ambiguous-send",
    topic=kit.Topic.ENDPOINT,
    category=kit.Category.FAST,
    summary="Sends whose answer is lost are retried and stored twice: one side effect each.",
    demonstrates=(
        "A send can be applied while its answer is lost (a dropped connection, a timeout): "
        "the producer cannot know, so it retries (botocore does), and the queue now holds "
        "the message twice under two MessageIds. The producer's id in the body is the "
        "dedup key that survives: the consumer claims on it, so each logical message has "
        "one side effect. On a FIFO queue MessageDeduplicationId does the same job at the "
        "queue. `recovered` counts the sends whose answer was lost but which arrived."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    method=method,
    relies_on=("redelivery-after-visibility-timeout",),
    faults=FAULTS,
    intolerance="it sets its own endpoint faults",
    params={
        "messages": kit.messages(20),
        "batch_size": kit.Param(
            2, "messages per SendMessageBatch (small: many chances to lose one)", min=1, max=10
        ),
        "consumers": kit.consumers(2),
    },
    preconditions=(kit.Expect("ambiguous", ">=", 1), kit.Expect("duplicate_sends", ">=", 1)),
    expectations=(
        kit.Expect("delivered", "==", "attempted"),  # an answer lost is not a message lost
        kit.Expect("recovered", ">=", 1),
        kit.NOTHING_LOST,
        kit.NO_DUPLICATES,
        kit.QUEUE_EMPTY,
        kit.DRAINED,
        kit.DLQ_EMPTY,
    ),
    unsafe="dedupe on SQS's MessageId (DEDUPE_ON=sqs-message-id), which differs per send",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=4,
    black_box=kit.BLACK_BOX,
)
