"""poison: poison messages are rejected and redrive to the DLQ."""

from __future__ import annotations

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.messages import POISON_MARKER
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Measured, Param, Params, Scenario
from scenarios.common import POISON_HANDLED, poison_received


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    for _ in range(p["consumers"]):
        lab.consumer(ConsumerKnobs(max_messages=10, reject_payload_marker=POISON_MARKER))
    lab.producer(
        ProducerKnobs(
            n=p["messages"], poison_every=p["poison_every"], malformed_count=p["malformed"]
        )
    )
    if unsafe:
        lab.note("no redrive policy: poison can only cycle; watching for a while")
        lab.settle(timeout=p["observe_seconds"])
    else:
        lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    return {"poison_received": poison_received(run.history)}


SCENARIO = Scenario(
    name="poison",
    category=Category.FAST,
    summary="Poison messages are rejected and reach the DLQ after maxReceiveCount.",
    demonstrates=(
        "A message that can never be processed (a poison marker, a body that is not JSON, a "
        "payload without an id) is not deleted; after maxReceiveCount receives the redrive "
        "policy moves it to the dead-letter queue, while good messages are processed once. "
        "The worker carries on: no crash loop."
    ),
    resources="poison",
    relies_on=("dlq-after-max-receives",),
    unsafe_resources="poison-noredrive",
    method=method,
    measure=measure,
    extra_metrics=("poison_received",),
    params={
        "messages": Param(12, "JSON messages to send"),
        "poison_every": Param(4, "every Nth JSON message carries the poison marker"),
        "malformed": Param(2, "extra bodies that are not JSON"),
        "consumers": Param(2, "consumer processes"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
        "observe_seconds": Param(8.0, "--unsafe: how long to watch poison cycle"),
    },
    preconditions=(Expect("poison", ">=", 1), Expect("poison_received", ">=", 1)),
    expectations=POISON_HANDLED,
    unsafe="the queue has no redrive policy: poison messages cycle forever",
    unsafe_shows=(Expect("stuck", ">=", 1),),
    typical_seconds=7,
    black_box=BLACK_BOX,
)
