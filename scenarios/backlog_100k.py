"""backlog-100k: 100,000 messages built up while consumers were offline, then a fleet drains
them; one consumer of the fleet dies mid-batch."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import drain
from scenarios.shared.drain import DrainRates


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    backlog, producers = p["backlog"], p["producers"]
    sending = [
        lab.producer(
            kit.ProducerKnobs(n=backlog // producers + (i < backlog % producers)),
            f"producer-{i + 1}",
            wait=False,
        )
        for i in range(producers)
    ]
    for producer in sending:
        lab.wait_exit(producer, p["build_seconds"])
    depth = lab.depth().total
    lab.metric(DrainRates.backlog, depth)
    lab.note(f"{depth} messages waiting; starting {p['consumers']} consumers")
    # Idempotency without claims: the side effect's own conditional write (its request key)
    # refuses a repeat, one DynamoDB call a message; --unsafe writes without asking.
    fleet = kit.ConsumerKnobs(
        max_messages=10,
        pool_size=p["pool_size"],
        message_status_table="",
        check_before_doing="off" if unsafe else "on",
        log_level="WARNING",
    )
    lab.consumer(fleet.but(crash_after_side_effect=p["crash_after"]), "consumer-crashy")
    for _ in range(p["consumers"] - 1):
        lab.consumer(fleet)
    lab.settle()


SCENARIO = kit.Scenario(
    name="backlog-100k",
    topic=kit.Topic.LOAD,
    category=kit.Category.SLOW,
    summary="100,000 messages after an outage drain through a fleet: nothing lost or doubled.",
    demonstrates=(
        "An hour-long outage leaves 100,000 messages queued. A fleet of consumers, each "
        "working on ten messages at once (POOL_SIZE) and deleting them in batches, drains it; "
        "one of them dies mid-batch, so the messages it had done but not deleted come back "
        "after the visibility timeout. The side effect's own check (a conditional write on "
        "the request key: one DynamoDB call a message, no claim table) keeps them from being "
        "done twice. Reports the drain time, messages per second over it (per 10 s window) "
        "and the oldest message's age. A fleet of consumers the lab did not write drains it "
        "its own way (its batches, its concurrency, its deletes); one of them is SIGKILLed "
        "once the side-effect endpoint performed its N-th side effect, before answering."
    ),
    limits=(
        "four to eight minutes on 2 cores with the embedded backend (the drain "
        "runs at about 450-630 msg/s, the CPU of the server and the fleet); on AWS, throughput is "
        "the fleet's, not the queue's."
    ),
    resources=kit.ResourceSet(visibility_timeout=10, max_receive_count=4),
    relies_on=("redelivery-after-visibility-timeout",),
    method=method,
    metrics=DrainRates,
    measure=drain.measure_rates,
    params={
        "backlog": kit.Param(100_000, "messages sent while no consumer runs", min=1),
        "producers": kit.Param(2, "producers sending the backlog side by side", min=1),
        "consumers": kit.consumers(
            4, "consumers started together afterwards (one of them crashes)"
        ),
        "pool_size": kit.Param(10, "messages each consumer works on at once", min=1, max=10),
        "crash_after": kit.Param(
            2_000, "the crashing consumer dies after this many side effects", min=1
        ),
        "build_seconds": kit.Param(240.0, "how long the producers may take", min=1),
    },
    settle_seconds=900.0,
    # the whole backlog waited before any consumer started, and the crash did bring some back
    preconditions=(
        kit.Expect(DrainRates.backlog, "==", "acknowledged"),
        kit.Expect("redeliveries", ">=", 1),
    ),
    applies=(kit.HOLDS_PAST_VISIBILITY,),  # deleted on receipt, nothing comes back
    expectations=kit.EXACTLY_ONCE,
    unsafe="the side effect is written without asking whether it was done",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=420,
    timeout_seconds=1500,
    alone=True,  # it takes the whole machine: other runs beside it would only slow both
    on_demand=True,  # minutes: run by name (make scenario-backlog-100k), not in --all
    # The test suite's size: the same method and checks; beside the other tests.
    small={"backlog": "3000", "producers": "1", "consumers": "3", "crash_after": "300"},
    black_box=kit.BLACK_BOX,
)
