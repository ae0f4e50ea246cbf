"""dup: work slower than the visibility timeout; idempotency keeps one side effect."""

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


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    work = lab.resources.visibility_timeout * p["work_factor"]
    lab.note(f"work takes {work:.1f} s, visibility timeout is {lab.resources.visibility_timeout} s")
    for _ in range(p["consumers"]):
        lab.consumer(
            ConsumerKnobs(side_effect_delay_seconds=work, idempotency="off" if unsafe else "on")
        )
    lab.producer(ProducerKnobs(n=p["messages"]))
    lab.settle()


SCENARIO = Scenario(
    name="dup",
    topic=Topic.DELIVERY,
    category=Category.FAST,
    summary="Work outlasts the visibility timeout: redelivery happens, side effects stay at one.",
    demonstrates=(
        "When work takes longer than the visibility timeout, SQS hands the same message to "
        "another consumer while the first is still busy. A conditional claim in the status "
        "table (INPROGRESS with a lease, then COMPLETED) makes the second consumer back off, "
        "so each side effect happens once."
    ),
    resources=ResourceSet(max_receive_count=6),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    params={
        "messages": messages(2),
        "consumers": consumers(3, "consumer processes (more than messages, so one is idle)"),
        "work_factor": Param(1.5, "work time as a multiple of the visibility timeout"),
    },
    settle_seconds=40.0,
    preconditions=(Expect("redeliveries", ">=", 1),),
    expectations=EXACTLY_ONCE,
    unsafe="idempotency off (no claim, no check-before-doing): both consumers do the work",
    unsafe_shows=(Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=7,
    black_box=BLACK_BOX,
)
