"""crash: a consumer crashes after receive; the message comes back."""

from __future__ import annotations

from scenarios import kit


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    crashy = lab.consumer(
        kit.ConsumerKnobs(
            crash_after_receive=p["crash_after"], delete_mode="before" if unsafe else "after"
        ),
        "consumer-crashy",
    )
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.wait_exit(crashy, timeout=30)
    lab.note(f"consumer-crashy exited with code {crashy.exit_code}; starting a healthy one")
    lab.consumer(kit.ConsumerKnobs(max_messages=10), "consumer-healthy")
    lab.settle()


SCENARIO = kit.Scenario(
    name="crash",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="A consumer crashes after receive; the message is redelivered, nothing is lost.",
    demonstrates=(
        "A message received but not deleted is only leased: when its consumer dies, it "
        "becomes visible again after the visibility timeout and another consumer does the work."
    ),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    params={
        "messages": kit.messages(10),
        "crash_after": kit.Param(
            1, "the crashy consumer dies after receiving this many messages", min=1
        ),
    },
    preconditions=(kit.Expect("crashes", ">=", 1),),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect("redeliveries", ">=", 1)),
    unsafe="delete on receipt, before the work (at-most-once): the crash loses the message",
    unsafe_shows=(kit.Expect("lost", ">=", 1),),
    typical_seconds=4,
    black_box=kit.BLACK_BOX,
)
