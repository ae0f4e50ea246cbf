"""backlog-drain: consumers offline while a backlog builds, then a burst of consumers."""

from __future__ import annotations

from scenarios.kit import (
    BLACK_BOX,
    EXACTLY_ONCE,
    Category,
    ConsumerKnobs,
    Expect,
    Lab,
    Param,
    Params,
    ProducerKnobs,
    ResourceSet,
    Scenario,
    Topic,
    consumers,
)
from scenarios.shared import drain
from scenarios.shared.drain import Drain


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    lab.producer(ProducerKnobs(n=p["backlog"]))
    backlog = lab.depth().total
    lab.metric(Drain.backlog, backlog)
    lab.note(f"{backlog} messages waiting; starting {p['consumers']} consumers")
    for _ in range(p["consumers"]):
        lab.consumer(
            ConsumerKnobs(
                max_messages=10,
                side_effect_delay_seconds=p["work_seconds"],
                idempotency="off" if unsafe else "on",
            )
        )
    lab.settle()


SCENARIO = Scenario(
    name="backlog-drain",
    topic=Topic.LOAD,
    category=Category.SLOW,
    summary="A backlog built while consumers were offline drains: nothing lost or duplicated.",
    demonstrates=(
        "After an outage the consumers face a backlog and take 10 messages at a time; the last "
        "messages of a batch wait longer than the visibility timeout and are redelivered to "
        "another consumer while still queued in the first. Idempotency keeps that burst "
        "exactly-once. Reports the drain time and the oldest message's age (SentTimestamp)."
    ),
    limits=(
        "the embedded backend moves about 500 msg/s end to end on 2 cores; the default "
        "backlog is small so the scenario takes seconds (--set backlog=... on AWS)."
    ),
    resources=ResourceSet(max_receive_count=4),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    metrics=Drain,
    measure=drain.measure,
    params={
        "backlog": Param(300, "messages sent while no consumer runs", min=1),
        "consumers": consumers(6, "consumers started together afterwards"),
        "work_seconds": Param(0.25, "work per message: a batch of 10 outlasts the visibility"),
    },
    settle_seconds=50.0,
    preconditions=(Expect(Drain.backlog, ">=", 1), Expect("redeliveries", ">=", 1)),
    expectations=EXACTLY_ONCE,
    unsafe="no idempotency during the burst",
    unsafe_shows=(Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=21,
    timeout_seconds=300,
    black_box=BLACK_BOX,
)
