"""at-least-once: a standard queue hands messages out twice with no crash anywhere;
idempotency keeps each side effect at one."""

from __future__ import annotations

from scenarios import kit

FAULTS = "duplicate=0.3,reorder=0.3"  # the AWS-like delivery mode, a little louder


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    knobs = kit.ConsumerKnobs(
        max_messages=5,
        side_effect_delay_seconds=p["work_seconds"],
        idempotency="off" if unsafe else "on",
    )
    for _ in range(p["consumers"]):
        lab.consumer(knobs)
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.settle()


SCENARIO = kit.Scenario(
    name="at-least-once",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="The queue itself delivers some messages twice: side effects stay at one.",
    demonstrates=(
        "A standard queue promises at-least-once delivery: now and then SQS hands a message "
        "to a second consumer although nobody crashed and nothing timed out, and not in send "
        "order. The endpoint does that here on purpose (duplicate and reorder faults); the "
        "conditional claim in the status table keeps the side effect at one."
    ),
    limits=(
        "moto never duplicates on its own; the embedded backend's delivery mode does it on "
        "purpose, and the witness marks each such delivery (duplicate_deliveries), so the "
        "check that the backend never hands a message out early excuses exactly those."
    ),
    resources=kit.ResourceSet(max_receive_count=6),
    method=method,
    relies_on=("redelivery-after-visibility-timeout",),
    faults=FAULTS,
    intolerance="it sets its own endpoint faults",
    params={
        "messages": kit.messages(20),
        "consumers": kit.consumers(3),
        "work_seconds": kit.Param(0.2, "work per message: a duplicate finds the first copy busy"),
    },
    preconditions=(kit.Expect("duplicate_deliveries", ">=", 1),),
    expectations=kit.EXACTLY_ONCE,
    unsafe="idempotency off (no claim, no check-before-doing)",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=4,
    black_box=kit.BLACK_BOX,
)
