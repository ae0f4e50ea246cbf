"""at-least-once: a standard queue hands messages out twice with no crash anywhere;
idempotency keeps each side effect at one."""

from __future__ import annotations

from scenarios.kit import (
    BLACK_BOX,
    EXACTLY_ONCE,
    Category,
    ConsumerKnobs,
    Expect,
    Lab,
    Param,
    Params,
    ProducerKnobs,
    ResourceSet,
    Scenario,
    Topic,
    consumers,
    messages,
)

FAULTS = "duplicate=0.3,reorder=0.3"  # the AWS-like delivery mode, a little louder


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    knobs = ConsumerKnobs(
        max_messages=5,
        side_effect_delay_seconds=p["work_seconds"],
        idempotency="off" if unsafe else "on",
    )
    for _ in range(p["consumers"]):
        lab.consumer(knobs)
    lab.producer(ProducerKnobs(n=p["messages"]))
    lab.settle()


SCENARIO = Scenario(
    name="at-least-once",
    topic=Topic.DELIVERY,
    category=Category.FAST,
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
    resources=ResourceSet(max_receive_count=6),
    method=method,
    relies_on=("redelivery-after-visibility-timeout",),
    faults=FAULTS,
    intolerance="it sets its own endpoint faults",
    params={
        "messages": messages(20),
        "consumers": consumers(3),
        "work_seconds": Param(0.2, "work per message: a duplicate finds the first copy busy"),
    },
    preconditions=(Expect("duplicate_deliveries", ">=", 1),),
    expectations=EXACTLY_ONCE,
    unsafe="idempotency off (no claim, no check-before-doing)",
    unsafe_shows=(Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=4,
    black_box=BLACK_BOX,
)
