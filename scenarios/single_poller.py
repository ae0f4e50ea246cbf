"""single-poller: two poller instances, one lease lock: one polls, the other stands by and
takes over within a bounded time once the first is killed."""

from __future__ import annotations

import signal
import time

from queuelab.contract.pipeline_knobs import PollerKnobs
from queuelab.run import stages
from queuelab.run.feed import Feed, ids_with_gaps
from scenarios import kit
from scenarios.shared.measures import sent_twice

NAMES = ("poller-a", "poller-b")


class Takeover(kit.Metrics):
    events_sent_twice = kit.metric("events sent again after their first confirmed send")
    takeover_seconds = kit.metric("from the kill to the stand-by's first send")
    takeover_bound = kit.metric("the lease plus takeover_margin: the takeover must come by then")


def started(history: list[kit.Op], names: tuple[str, ...]) -> bool:
    """Each poller has polled the feed or stood by for the lock."""
    active = {
        op.process for op in history if op.f in (kit.Fn.PAGE, kit.Fn.LOCK) and op.type == kit.OK
    }
    return set(names) <= active


def holder(history: list[kit.Op], pollers: list[kit.Child]) -> kit.Child:
    """The poller that acquired the lock (without a lock: the first)."""
    acquired = [op.process for op in history if op.f == kit.Fn.LOCK and op.value.get("outcome") ==
                "acquired"]  # fmt: skip
    return next((c for c in pollers if acquired and c.name == acquired[0]), pollers[0])


def all_sent(history: list[kit.Op], keys: set[str]) -> bool:
    return keys <= {op.key for op in history if op.f == kit.Fn.SEND and op.type == kit.OK}


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lease = round(p["lease"] * lab.resources.visibility_timeout, 2)
    with Feed(lab.run_dir / "history" / "feed.jsonl") as upstream:
        # A sink that is not idempotent: any event sent twice is done twice.
        lab.consumer(kit.ConsumerKnobs(max_messages=10, idempotency="off"), "consumer")
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
        sends = [op.time for op in lab.history() if op.f == kit.Fn.SEND and op.type == kit.OK]
        taken_over = min((t for t in sends if t > killed_at), default=killed_at)
        lab.metric(Takeover.takeover_seconds, round(taken_over - killed_at, 2))
        lab.metric(Takeover.takeover_bound, round(lease + p["takeover_margin"], 2))
        lab.settle()
        for child in pollers:
            lab.stop(child)


def measure(run: kit.Measured) -> dict[str, float]:
    return {Takeover.events_sent_twice: sent_twice(run.history)}


SCENARIO = kit.Scenario(
    name="single-poller",
    topic=kit.Topic.PIPELINE,
    category=kit.Category.FAST,
    summary="Two pollers, one lease lock: one polls, the other takes over in bounded time "
    "when it is killed; nothing is sent twice.",
    demonstrates=(
        "Two instances of an upstream poller start (for availability). A lease lock, a "
        "conditional write with an expiry renewed while polling, lets one poll while the "
        "other stands by; when the first is killed, its lease runs out and the stand-by "
        "takes over within a bounded time, from the stored cursor. No event is sent twice, "
        "so even a sink that is not idempotent does each event once."
    ),
    resources=kit.ResourceSet(tables=("state",)),
    intolerance="its sink is not idempotent on purpose: a duplicate the endpoint adds would "
    "be counted against the lock",
    method=method,
    metrics=Takeover,
    measure=measure,
    params={
        "events": kit.Param(12, "events published before the kill, and again after it", min=1),
        "gap_every": kit.Param(5, "an id is missing after every this many", min=1),
        "lease": kit.Param(1.0, "the lease, in visibility timeouts", min=0.1),
        "idle_seconds": kit.Param(0.5, "how long after its last send the holder is killed"),
        "takeover_margin": kit.Param(
            2.0, "the stand-by's first send comes at most the lease plus this after the kill (s)"
        ),
    },
    # the survivor sent after the kill
    preconditions=(kit.Expect(Takeover.takeover_seconds, ">", 0),),
    expectations=(
        kit.Expect(Takeover.events_sent_twice, "==", 0),
        kit.Expect(Takeover.takeover_seconds, "<=", Takeover.takeover_bound),
        kit.Expect("delivered", "==", "committed"),
        *kit.NOTHING_AMISS,
    ),
    unsafe="the lock (every instance polls)",
    unsafe_shows=(
        kit.Expect(Takeover.events_sent_twice, ">=", 1),
        kit.Expect("duplicate_side_effects", ">=", 1),
    ),
    typical_seconds=7,
    black_box=kit.not_black_box(
        "it judges the pollers' lease lock, not the consumer: its sink is queuelab's consumer "
        "with idempotency off on purpose, so that a send the lock let through twice shows as "
        "a duplicate side effect, which a consumer with its own deduplication would hide"
    ),
)
