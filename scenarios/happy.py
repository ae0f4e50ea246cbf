"""happy: messages flow through cleanly."""

from __future__ import annotations

from scenarios.kit import (
    BLACK_BOX,
    EXACTLY_ONCE,
    Category,
    ConsumerKnobs,
    Expect,
    Lab,
    Params,
    ProducerKnobs,
    Scenario,
    Topic,
    consumers,
    messages,
)


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    for _ in range(p["consumers"]):
        lab.consumer(ConsumerKnobs(max_messages=10, delete_mode="never" if unsafe else "after"))
    lab.producer(ProducerKnobs(n=p["messages"]))
    lab.settle()


SCENARIO = Scenario(
    name="happy",
    topic=Topic.DELIVERY,
    category=Category.FAST,
    summary="Messages flow through cleanly: each side effect once, queue and DLQ empty.",
    demonstrates=(
        "The at-least-once contract on a good day: a consumer deletes a message only after "
        "its side effect is done, so every message is processed once and nothing is left."
    ),
    method=method,
    params={"messages": messages(20), "consumers": consumers(2)},
    expectations=EXACTLY_ONCE,
    unsafe="consumers forget to delete: every message is redelivered until it dead-letters",
    unsafe_shows=(Expect("dead_lettered", ">=", 1),),
    typical_seconds=3,
    black_box=BLACK_BOX,
)
