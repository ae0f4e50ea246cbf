"""dup-side-effects: crash after the side effect, before marking it complete."""

from __future__ import annotations

from scenarios import kit

LEASE_SECONDS = 1  # shorter than the visibility timeout: the retry may claim again


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    knobs = kit.ConsumerKnobs(
        idempotency_lease_seconds=LEASE_SECONDS, check_before_doing="off" if unsafe else "on"
    )
    crashy = lab.consumer(knobs.but(crash_after_side_effect=p["crash_after"]), "consumer-crashy")
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.wait_exit(crashy, timeout=30)
    lab.note("consumer-crashy died between its side effect and marking it complete")
    lab.consumer(knobs.but(max_messages=10), "consumer-healthy")
    lab.settle()


SCENARIO = kit.Scenario(
    name="dup-side-effects",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="Crash after the side effect, before COMPLETED: check-before-doing keeps it at one.",
    demonstrates=(
        "You cannot put an external call (Stripe, an email) in a transaction with your own "
        "bookkeeping. If a consumer crashes after the external side effect but before it marks "
        "the message complete, the retry must ask the external system first "
        "(check-before-doing) instead of doing it again."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    params={
        "messages": kit.messages(5),
        "crash_after": kit.Param(2, "the crashy consumer dies after this many side effects", min=1),
    },
    preconditions=(kit.Expect("crashes", ">=", 1), kit.Expect("redeliveries", ">=", 1)),
    expectations=kit.EXACTLY_ONCE,
    unsafe="no check-before-doing: the retry performs the side effect again",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=4,
    black_box=kit.BLACK_BOX,
)
