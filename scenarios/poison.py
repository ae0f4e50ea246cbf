"""poison: poison messages are rejected and redrive to the DLQ."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared.measures import PoisonSeen, poison_received


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    for _ in range(p["consumers"]):
        lab.consumer(kit.ConsumerKnobs(max_messages=10, reject_payload_marker=kit.POISON_MARKER))
    lab.producer(
        kit.ProducerKnobs(
            n=p["messages"], poison_every=p["poison_every"], malformed_count=p["malformed"]
        )
    )
    if unsafe:
        lab.note("no redrive policy: poison can only cycle; watching for a while")
        lab.settle(timeout=p["observe_seconds"])
    else:
        lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    return {PoisonSeen.poison_received: poison_received(run.history)}


SCENARIO = kit.Scenario(
    name="poison",
    topic=kit.Topic.POISON,
    category=kit.Category.FAST,
    summary="Poison messages are rejected and reach the DLQ after maxReceiveCount.",
    demonstrates=(
        "A message that can never be processed (a poison marker, a body that is not JSON, a "
        "payload without an id) is not deleted; after maxReceiveCount receives the redrive "
        "policy moves it to the dead-letter queue, while good messages are processed once. "
        "The worker carries on: no crash loop."
    ),
    relies_on=("dlq-after-max-receives",),
    unsafe_resources=kit.ResourceSet(max_receive_count=None),
    method=method,
    metrics=PoisonSeen,
    measure=measure,
    params={
        "messages": kit.messages(12, "JSON messages to send"),
        "poison_every": kit.Param(4, "every Nth JSON message carries the poison marker", min=1),
        "malformed": kit.Param(2, "extra bodies that are not JSON"),
        "consumers": kit.consumers(2),
        "observe_seconds": kit.Param(8.0, "--unsafe: how long to watch poison cycle", min=1),
    },
    preconditions=(kit.Expect("poison", ">=", 1), kit.Expect(PoisonSeen.poison_received, ">=", 1)),
    expectations=kit.POISON_HANDLED,
    unsafe="the queue has no redrive policy: poison messages cycle forever",
    unsafe_shows=(kit.Expect("stuck", ">=", 1),),
    typical_seconds=7,
    black_box=kit.BLACK_BOX,
)
