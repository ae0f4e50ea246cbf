"""single-poller: two poller instances, one lease lock: one polls, the other stands by and
takes over within a bounded time once the first is killed."""

from __future__ import annotations

import signal
import time

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import OK, Op
from queuelab.contract.pipeline_knobs import PollerKnobs
from queuelab.run import stages
from queuelab.run.children import Child
from queuelab.run.feed import Feed, ids_with_gaps
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Measured, Param, Params, Scenario, not_black_box
from scenarios.common import (
    DLQ_EMPTY,
    DRAINED,
    NO_DUPLICATES,
    NOTHING_LOST,
    NOTHING_UNEXPECTED,
    QUEUE_EMPTY,
    sent_twice,
)

NAMES = ("poller-a", "poller-b")


def started(history: list[Op], names: tuple[str, ...]) -> bool:
    """Each poller has polled the feed or stood by for the lock."""
    active = {op.process for op in history if op.f in ("page", "lock") and op.type == OK}
    return set(names) <= active


def holder(history: list[Op], pollers: list[Child]) -> Child:
    """The poller that acquired the lock (without a lock: the first)."""
    acquired = [op.process for op in history if op.f == "lock" and op.value.get("outcome") ==
                "acquired"]  # fmt: skip
    return next((c for c in pollers if acquired and c.name == acquired[0]), pollers[0])


def all_sent(history: list[Op], keys: set[str]) -> bool:
    return keys <= {op.key for op in history if op.f == "send" and op.type == OK}


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    lease = round(p["lease"] * lab.resources.visibility_timeout, 2)
    with Feed(lab.run_dir / "history" / "feed.jsonl") as upstream:
        # A sink that is not idempotent: any event sent twice is done twice.
        lab.consumer(ConsumerKnobs(max_messages=10, idempotency="off"), "consumer")
        knobs = PollerKnobs(
            feed_url=upstream.url, lease_seconds=lease, lock="off" if unsafe else "on"
        )
        pollers = [stages.poller(lab, knobs, name) for name in NAMES]
        lab.wait_for(lambda: started(lab.history(), NAMES), 60, "both pollers to start")
        ids = ids_with_gaps(2 * p["events"], p["gap_every"])
        first, second = ids[: p["events"]], ids[p["events"] :]
        upstream.publish(first)
        keys = {f"{upstream.name}-{i}" for i in first}
        lab.wait_for(lambda: all_sent(lab.history(), keys), 30, "the first events to be sent")
        active = holder(lab.history(), pollers)
        lab.pause(p["idle_seconds"])  # it has sent everything: it is between two polls
        killed_at = time.time()
        lab.signal(active, signal.SIGKILL)
        lab.wait_exit(active, timeout=10)
        lab.note(f"{active.name} killed; more events arrive upstream")
        upstream.publish(second)
        keys = {f"{upstream.name}-{i}" for i in second}
        wait = lease + 30
        lab.wait_for(lambda: all_sent(lab.history(), keys), wait, "the stand-by to take over")
        sends = [op.time for op in lab.history() if op.f == "send" and op.type == OK]
        taken_over = min((t for t in sends if t > killed_at), default=killed_at)
        lab.metric("takeover_seconds", round(taken_over - killed_at, 2))
        lab.metric("takeover_bound", round(lease + p["takeover_margin"], 2))
        lab.settle(timeout=p["settle_seconds"])
        for child in pollers:
            lab.stop(child)


def measure(run: Measured) -> dict[str, float]:
    return {"events_sent_twice": sent_twice(run.history)}


SCENARIO = Scenario(
    name="single-poller",
    category=Category.FAST,
    summary="Two pollers, one lease lock: one polls, the other takes over in bounded time "
    "when it is killed; nothing is sent twice.",
    demonstrates=(
        "Two instances of an upstream poller start (for availability). A lease lock, a "
        "conditional write with an expiry renewed while polling, lets one poll while the "
        "other stands by; when the first is killed, its lease runs out and the stand-by "
        "takes over within a bounded time, from the stored cursor. No event is sent twice, "
        "so even a sink that is not idempotent does each event once."
    ),
    resources="single-poller",
    intolerance="its sink is not idempotent on purpose: a duplicate the endpoint adds would "
    "be counted against the lock",
    method=method,
    measure=measure,
    extra_metrics=("events_sent_twice", "takeover_seconds", "takeover_bound"),
    params={
        "events": Param(12, "events published before the kill, and again after it"),
        "gap_every": Param(5, "an id is missing after every this many"),
        "lease": Param(1.0, "the lease, in visibility timeouts"),
        "idle_seconds": Param(0.5, "how long after its last send the holder is killed"),
        "takeover_margin": Param(
            2.0, "the stand-by's first send comes at most the lease plus this after the kill (s)"
        ),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("takeover_seconds", ">", 0),),  # the survivor sent after the kill
    expectations=(
        Expect("events_sent_twice", "==", 0),
        Expect("takeover_seconds", "<=", "takeover_bound"),
        Expect("delivered", "==", "committed"),
        NOTHING_LOST,
        NOTHING_UNEXPECTED,
        NO_DUPLICATES,
        QUEUE_EMPTY,
        DRAINED,
        DLQ_EMPTY,
    ),
    unsafe="the lock (every instance polls)",
    unsafe_shows=(
        Expect("events_sent_twice", ">=", 1),
        Expect("duplicate_side_effects", ">=", 1),
    ),
    typical_seconds=7,
    black_box=not_black_box(
        "its sink is queuelab's consumer with idempotency off on purpose, so that a send the "
        "lock let through twice shows as a duplicate side effect; a consumer with its own "
        "deduplication would hide it"
    ),
)
