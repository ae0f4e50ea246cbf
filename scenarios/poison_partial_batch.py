"""poison-partial-batch: a batch of 10 mixing good and poison messages."""

from __future__ import annotations

from queuelab.check.ledger import receives
from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.messages import POISON_MARKER
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Measured, Param, Params, Scenario
from scenarios.common import POISON_HANDLED, poison_received


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
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """mixed_batches: receives that returned both good and poison messages;
    poison_received: receives of poison messages."""
    poison = {op.key for op in run.history if op.f == "send" and op.value.get("poison")}
    batches: dict[int, set[bool]] = {}
    for op, message in receives(run.history):
        batches.setdefault(id(op), set()).add(message["key"] in poison)
    return {
        "mixed_batches": sum(1 for kinds in batches.values() if kinds == {True, False}),
        "poison_received": poison_received(run.history),
    }


SCENARIO = Scenario(
    name="poison-partial-batch",
    category=Category.FAST,
    summary="Batches of 10 mix good and poison: good ones deleted one by one, poison to the DLQ.",
    demonstrates=(
        "A consumer that receives 10 messages at a time must acknowledge them one by one "
        "(or report partial batch failures): the good ones are processed once and deleted, "
        "only the poison ones are retried and end in the DLQ."
    ),
    resources="poison-partial-batch",
    relies_on=("dlq-after-max-receives",),
    method=method,
    measure=measure,
    extra_metrics=("mixed_batches", "poison_received"),
    params={
        "messages": Param(20, "messages to send"),
        "poison_every": Param(5, "every Nth message is poison"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("mixed_batches", ">=", 1), Expect("poison_received", ">=", 1)),
    expectations=POISON_HANDLED,
    unsafe="all-or-nothing batches: one poison message fails the whole batch",
    unsafe_shows=(Expect("dead_lettered", ">", "poison"),),
    typical_seconds=6,
    black_box=BLACK_BOX,
)
