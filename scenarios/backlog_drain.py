"""backlog-drain: consumers offline while a backlog builds, then a burst of consumers."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import drain
from scenarios.shared.drain import Drain


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.producer(kit.ProducerKnobs(n=p["backlog"]))
    backlog = lab.depth().total
    lab.metric(Drain.backlog, backlog)
    lab.note(f"{backlog} messages waiting; starting {p['consumers']} consumers")
    for _ in range(p["consumers"]):
        lab.consumer(
            kit.ConsumerKnobs(
                max_messages=10,
                side_effect_delay_seconds=p["work_seconds"],
                idempotency="off" if unsafe else "on",
            )
        )
    lab.settle()


SCENARIO = kit.Scenario(
    name="backlog-drain",
    topic=kit.Topic.LOAD,
    category=kit.Category.SLOW,
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
    resources=kit.ResourceSet(max_receive_count=4),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    metrics=Drain,
    measure=drain.measure,
    params={
        "backlog": kit.Param(300, "messages sent while no consumer runs", min=1),
        "consumers": kit.consumers(6, "consumers started together afterwards"),
        "work_seconds": kit.Param(0.25, "work per message: a batch of 10 outlasts the visibility"),
    },
    settle_seconds=50.0,
    preconditions=(kit.Expect(Drain.backlog, ">=", 1), kit.Expect("redeliveries", ">=", 1)),
    applies=(kit.HOLDS_PAST_VISIBILITY,),
    expectations=kit.EXACTLY_ONCE,
    unsafe="no idempotency during the burst",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=21,
    timeout_seconds=300,
    black_box=kit.BLACK_BOX,
)
