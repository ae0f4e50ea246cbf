"""happy: messages flow through cleanly."""

from __future__ import annotations

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Param, Params, Scenario
from scenarios.common import EXACTLY_ONCE


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    for _ in range(p["consumers"]):
        lab.consumer(ConsumerKnobs(max_messages=10, delete_mode="never" if unsafe else "after"))
    lab.producer(ProducerKnobs(n=p["messages"]))
    lab.settle(timeout=p["settle_seconds"])


SCENARIO = Scenario(
    name="happy",
    category=Category.FAST,
    summary="Messages flow through cleanly: each side effect once, queue and DLQ empty.",
    demonstrates=(
        "The at-least-once contract on a good day: a consumer deletes a message only after "
        "its side effect is done, so every message is processed once and nothing is left."
    ),
    resources="happy",
    method=method,
    params={
        "messages": Param(20, "messages to send"),
        "consumers": Param(2, "consumer processes"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    expectations=EXACTLY_ONCE,
    unsafe="consumers forget to delete: every message is redelivered until it dead-letters",
    unsafe_shows=(Expect("dead_lettered", ">=", 1),),
    typical_seconds=3,
    black_box=BLACK_BOX,
)
