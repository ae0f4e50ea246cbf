"""happy: messages flow through cleanly."""

from __future__ import annotations

from scenarios import kit


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    for _ in range(p["consumers"]):
        lab.consumer(kit.ConsumerKnobs(max_messages=10, delete_mode="never" if unsafe else "after"))
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.settle()


SCENARIO = kit.Scenario(
    name="happy",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="Messages flow through cleanly: each side effect once, queue and DLQ empty.",
    demonstrates=(
        "The at-least-once contract on a good day: a consumer deletes a message only after "
        "its side effect is done, so every message is processed once and nothing is left."
    ),
    method=method,
    params={"messages": kit.messages(20), "consumers": kit.consumers(2)},
    expectations=kit.EXACTLY_ONCE,
    unsafe="consumers forget to delete: every message is redelivered until it dead-letters",
    unsafe_shows=(kit.Expect("dead_lettered", ">=", 1),),
    typical_seconds=3,
    black_box=kit.BLACK_BOX,
)
