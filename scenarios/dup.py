"""dup: work slower than the visibility timeout; idempotency keeps one side effect."""

from __future__ import annotations

from scenarios import kit


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    work = lab.resources.visibility_timeout * p["work_factor"]
    lab.note(f"work takes {work:.1f} s, visibility timeout is {lab.resources.visibility_timeout} s")
    for _ in range(p["consumers"]):
        lab.consumer(
            kit.ConsumerKnobs(side_effect_delay_seconds=work, idempotency="off" if unsafe else "on")
        )
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.settle()


SCENARIO = kit.Scenario(
    name="dup",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="Work outlasts the visibility timeout: redelivery happens, side effects stay at one.",
    demonstrates=(
        "When work takes longer than the visibility timeout, SQS hands the same message to "
        "another consumer while the first is still busy. A conditional claim in the status "
        "table (INPROGRESS with a lease, then COMPLETED) makes the second consumer back off, "
        "so each side effect happens once."
    ),
    resources=kit.ResourceSet(max_receive_count=6),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    params={
        "messages": kit.messages(2),
        "consumers": kit.consumers(3, "consumer processes (more than messages, so one is idle)"),
        "work_factor": kit.Param(1.5, "work time as a multiple of the visibility timeout"),
    },
    settle_seconds=40.0,
    preconditions=(kit.Expect("redeliveries", ">=", 1),),
    applies=(kit.HOLDS_PAST_VISIBILITY,),
    expectations=kit.EXACTLY_ONCE,
    unsafe="idempotency off (no claim, no check-before-doing): both consumers do the work",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=7,
    black_box=kit.BLACK_BOX,
)
