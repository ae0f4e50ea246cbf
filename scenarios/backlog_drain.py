"""backlog-drain: consumers offline while a backlog builds, then a burst of consumers."""

from __future__ import annotations

from queuelab.check.ledger import receives
from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import OK
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Measured, Param, Params, Scenario
from scenarios.common import EXACTLY_ONCE


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    lab.producer(ProducerKnobs(n=p["backlog"]))
    backlog = lab.depth().total
    lab.metric("backlog", backlog)
    lab.note(f"{backlog} messages waiting; starting {p['consumers']} consumers")
    for _ in range(p["consumers"]):
        lab.consumer(
            ConsumerKnobs(
                max_messages=10,
                side_effect_delay_seconds=p["work_seconds"],
                idempotency="off" if unsafe else "on",
            )
        )
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """oldest_age_s: the longest a message waited, from its SentTimestamp to its first
    receive; drain_seconds: from the first message received to the last one deleted."""
    first: dict[str, float] = {}
    received = receives(run.history)
    for op, message in received:
        if message.get("sent_at"):
            first.setdefault(message["key"], op.time - message["sent_at"])
    deleted = [op.time for op in run.history if op.f == "delete" and op.type == OK]
    measured = {"oldest_age_s": round(max(first.values(), default=0.0), 2)}
    if received and deleted:  # else unmeasured
        measured["drain_seconds"] = round(max(deleted) - received[0][0].time, 2)
    return measured


SCENARIO = Scenario(
    name="backlog-drain",
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
    resources="backlog-drain",
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    measure=measure,
    extra_metrics=("backlog", "drain_seconds", "oldest_age_s"),
    params={
        "backlog": Param(300, "messages sent while no consumer runs"),
        "consumers": Param(6, "consumers started together afterwards"),
        "work_seconds": Param(0.25, "work per message: a batch of 10 outlasts the visibility"),
        "settle_seconds": Param(50.0, "how long to wait for the backlog to drain"),
    },
    preconditions=(Expect("backlog", ">=", 1), Expect("redeliveries", ">=", 1)),
    expectations=EXACTLY_ONCE,
    unsafe="no idempotency during the burst",
    unsafe_shows=(Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=21,
    timeout_seconds=300,
    black_box=BLACK_BOX,
)
