"""backlog-100k: 100,000 messages built up while consumers were offline, then a fleet drains
them; one consumer of the fleet dies mid-batch."""

from __future__ import annotations

from collections import Counter

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import OK
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Measured, Param, Params, Scenario, not_black_box
from scenarios import backlog_drain
from scenarios.common import EXACTLY_ONCE

WINDOW_SECONDS = 10  # messages per second over time: deletes counted per window


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    backlog, producers = p["backlog"], p["producers"]
    sending = [
        lab.producer(
            ProducerKnobs(n=backlog // producers + (i < backlog % producers)),
            f"producer-{i + 1}",
            wait=False,
        )
        for i in range(producers)
    ]
    for producer in sending:
        lab.wait_exit(producer, p["build_seconds"])
    depth = lab.depth().total
    lab.metric("backlog", depth)
    lab.note(f"{depth} messages waiting; starting {p['consumers']} consumers")
    # Idempotency without claims: the side effect's own conditional write (its request key)
    # refuses a repeat, one DynamoDB call a message; --unsafe writes without asking.
    fleet = ConsumerKnobs(
        max_messages=10,
        pool_size=p["pool_size"],
        message_status_table="",
        check_before_doing="off" if unsafe else "on",
        log_level="WARNING",
    )
    lab.consumer(fleet.but(crash_after_side_effect=p["crash_after"]), "consumer-crashy")
    for _ in range(p["consumers"] - 1):
        lab.consumer(fleet)
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """backlog-drain's drain_seconds and oldest_age_s; drain_rate: messages deleted per
    second over the drain; slowest_rate / fastest_rate: the same per 10 s window (the last,
    partial one left out)."""
    measured = backlog_drain.measure(run)
    deleted = sorted(op.time for op in run.history if op.f == "delete" and op.type == OK)
    seconds = measured.get("drain_seconds")
    if not seconds:
        return measured  # unmeasured
    start = deleted[-1] - seconds  # the first receive
    windows = Counter(int((t - start) // WINDOW_SECONDS) for t in deleted)
    full = [windows[i] / WINDOW_SECONDS for i in range(int(seconds // WINDOW_SECONDS))]
    measured["drain_rate"] = round(len(deleted) / seconds, 1)
    if full:
        measured |= {"slowest_rate": round(min(full), 1), "fastest_rate": round(max(full), 1)}
    return measured


SCENARIO = Scenario(
    name="backlog-100k",
    category=Category.SLOW,
    summary="100,000 messages after an outage drain through a fleet: nothing lost or doubled.",
    demonstrates=(
        "An hour-long outage leaves 100,000 messages queued. A fleet of consumers, each "
        "working on ten messages at once (POOL_SIZE) and deleting them in batches, drains it; "
        "one of them dies mid-batch, so the messages it had done but not deleted come back "
        "after the visibility timeout. The side effect's own check (a conditional write on "
        "the request key: one DynamoDB call a message, no claim table) keeps them from being "
        "done twice. Reports the drain time, messages per second over it (per 10 s window) "
        "and the oldest message's age."
    ),
    limits=(
        "four to eight minutes on 2 cores with the embedded backend (the drain "
        "runs at about 450-630 msg/s, the CPU of the server and the fleet); on AWS, throughput is "
        "the fleet's, not the queue's."
    ),
    resources="backlog-100k",
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    measure=measure,
    extra_metrics=(
        "backlog",
        "drain_seconds",
        "drain_rate",
        "slowest_rate",
        "fastest_rate",
        "oldest_age_s",
    ),
    params={
        "backlog": Param(100_000, "messages sent while no consumer runs"),
        "producers": Param(2, "producers sending the backlog side by side"),
        "consumers": Param(4, "consumers started together afterwards (one of them crashes)"),
        "pool_size": Param(10, "messages each consumer works on at once"),
        "crash_after": Param(2_000, "the crashing consumer dies after this many side effects"),
        "build_seconds": Param(240.0, "how long the producers may take"),
        "settle_seconds": Param(900.0, "how long to wait for the backlog to drain"),
    },
    # the whole backlog waited before any consumer started, and the crash did bring some back
    preconditions=(Expect("backlog", "==", "acknowledged"), Expect("redeliveries", ">=", 1)),
    expectations=EXACTLY_ONCE,
    unsafe="the side effect is written without asking whether it was done",
    unsafe_shows=(Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=420,
    timeout_seconds=1500,
    alone=True,  # it takes the whole machine: other runs beside it would only slow both
    on_demand=True,  # minutes: run by name (make scenario-backlog-100k), not in --all
    black_box=not_black_box(
        "it needs a consumer of the fleet to die mid-batch after a set number of side "
        "effects, and a pool: knobs of queuelab's consumer"
    ),
)
