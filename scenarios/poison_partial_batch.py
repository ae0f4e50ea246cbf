"""poison-partial-batch: a batch of 10 mixing good and poison messages."""

from __future__ import annotations

from scenarios.kit import (
    BLACK_BOX,
    POISON_HANDLED,
    POISON_MARKER,
    Category,
    ConsumerKnobs,
    Expect,
    Fn,
    Lab,
    Measured,
    Param,
    Params,
    ProducerKnobs,
    Scenario,
    Topic,
    messages,
    metric,
    receives,
)
from scenarios.shared.measures import PoisonSeen, poison_received


class Batches(PoisonSeen):
    mixed_batches = metric("receives that returned both good and poison messages")


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    # Send first, then start one consumer: its first receives are full, mixed batches.
    lab.producer(ProducerKnobs(n=p["messages"], poison_every=p["poison_every"]))
    lab.consumer(
        ConsumerKnobs(
            max_messages=10,
            reject_payload_marker=POISON_MARKER,
            batch_mode="all-or-nothing" if unsafe else "per-message",
        )
    )
    lab.settle()


def measure(run: Measured) -> dict[str, float]:
    poison = {op.key for op in run.history if op.f == Fn.SEND and op.value.get("poison")}
    batches: dict[int, set[bool]] = {}
    for op, message in receives(run.history):
        batches.setdefault(id(op), set()).add(message["key"] in poison)
    return {
        Batches.mixed_batches: sum(1 for kinds in batches.values() if kinds == {True, False}),
        Batches.poison_received: poison_received(run.history),
    }


SCENARIO = Scenario(
    name="poison-partial-batch",
    topic=Topic.POISON,
    category=Category.FAST,
    summary="Batches of 10 mix good and poison: good ones deleted one by one, poison to the DLQ.",
    demonstrates=(
        "A consumer that receives 10 messages at a time must acknowledge them one by one "
        "(or report partial batch failures): the good ones are processed once and deleted, "
        "only the poison ones are retried and end in the DLQ."
    ),
    relies_on=("dlq-after-max-receives",),
    method=method,
    metrics=Batches,
    measure=measure,
    params={
        "messages": messages(20),
        "poison_every": Param(5, "every Nth message is poison", min=1),
    },
    preconditions=(
        Expect(Batches.mixed_batches, ">=", 1),
        Expect(Batches.poison_received, ">=", 1),
    ),
    expectations=POISON_HANDLED,
    unsafe="all-or-nothing batches: one poison message fails the whole batch",
    unsafe_shows=(Expect("dead_lettered", ">", "poison"),),
    typical_seconds=6,
    black_box=BLACK_BOX,
)
