"""poison-partial-batch: a batch of 10 mixing good and poison messages."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared.measures import PoisonSeen, poison_received


class Batches(PoisonSeen):
    mixed_batches = kit.metric("receives that returned both good and poison messages")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    # Send first, then start one consumer: its first receives are full, mixed batches.
    lab.producer(kit.ProducerKnobs(n=p["messages"], poison_every=p["poison_every"]))
    lab.consumer(
        kit.ConsumerKnobs(
            max_messages=10,
            reject_payload_marker=kit.POISON_MARKER,
            batch_mode="all-or-nothing" if unsafe else "per-message",
        )
    )
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    poison = {op.key for op in run.history if op.f == kit.Fn.SEND and op.value.get("poison")}
    batches: dict[int, set[bool]] = {}
    for op, message in kit.receives(run.history):
        batches.setdefault(id(op), set()).add(message["key"] in poison)
    return {
        Batches.mixed_batches: sum(1 for kinds in batches.values() if kinds == {True, False}),
        Batches.poison_received: poison_received(run.history),
    }


SCENARIO = kit.Scenario(
    name="poison-partial-batch",
    topic=kit.Topic.POISON,
    category=kit.Category.FAST,
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
        "messages": kit.messages(20),
        "poison_every": kit.Param(5, "every Nth message is poison", min=1),
    },
    preconditions=(
        kit.Expect(Batches.mixed_batches, ">=", 1),
        kit.Expect(Batches.poison_received, ">=", 1),
    ),
    applies=(kit.BATCHES,),
    expectations=kit.POISON_HANDLED,
    unsafe="all-or-nothing batches: one poison message fails the whole batch",
    unsafe_shows=(kit.Expect("dead_lettered", ">", "poison"),),
    typical_seconds=6,
    black_box=kit.BLACK_BOX,
)
