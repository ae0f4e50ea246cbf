"""purge-timing: how does this backend purge, and what happens to messages sent right after?"""

from __future__ import annotations

import time

from scenarios import kit

RETRY_SECONDS = 5.0


class Purge(kit.Metrics):
    purge_refused_s = kit.metric("how long a new purge was refused (the runner's reset purged)")
    counted_right_after_purge = kit.metric("messages the queue still counted right after the call")
    second_purge_refused = kit.metric("1 when a second purge right after the first was refused")
    purge_done_within_s = kit.metric(
        "an upper bound of the purge's duration: until the queue held only the messages sent "
        "after it (it includes starting the second producer)"
    )
    purge_survivors = kit.metric("messages sent before the purge still in the queue")
    sent_after_purge_lost = kit.metric("messages sent right after the purge that it deleted")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.producer(kit.ProducerKnobs(n=p["before"]), "producer-before")
    # The runner's reset may have purged a moment ago: AWS then refuses another for 60 s.
    asked = time.monotonic()
    lab.wait_for(lab.purge, p["timeout_seconds"], "an accepted purge", interval=RETRY_SECONDS)
    purged_at = time.monotonic()
    counted = lab.depth().total  # immediate purge: 0; AWS: the messages may still be counted
    lab.metric(Purge.purge_refused_s, round(purged_at - asked, 1))
    lab.metric(Purge.counted_right_after_purge, counted)
    lab.metric(Purge.second_purge_refused, int(not lab.purge()))
    lab.producer(kit.ProducerKnobs(n=p["after"]), "producer-after")  # inside the danger window
    lab.wait_for(
        lambda: lab.depth().total <= p["after"], p["timeout_seconds"], "the purge to take effect"
    )
    # An upper bound: counts are polled, and the second producer takes a moment to start.
    lab.metric(Purge.purge_done_within_s, round(time.monotonic() - purged_at, 1))
    second = "refused" if lab.metrics[Purge.second_purge_refused] else "accepted"
    lab.note(
        f"purge accepted after {lab.metrics[Purge.purge_refused_s]:.0f} s of refusals; right "
        f"after it the queue still counted {counted} of {p['before']} messages; a second purge "
        f"was {second}; the queue held only the messages sent afterwards within "
        f"{lab.metrics[Purge.purge_done_within_s]:.1f} s (an upper bound: it includes starting "
        "the second producer)"
    )
    lab.note("the ledger counts the purged messages as lost: deleting them is what purge does")


def measure(run: kit.Measured) -> dict[str, float]:
    left = set(run.observation.queue)
    sent = {
        name: {
            op.key
            for op in run.history
            if op.process == name and op.f == kit.Fn.SEND and op.type == kit.OK
        }
        for name in ("producer-before", "producer-after")
    }
    return {
        Purge.purge_survivors: len(sent["producer-before"] & left),
        Purge.sent_after_purge_lost: len(sent["producer-after"] - left),
    }


SCENARIO = kit.Scenario(
    name="purge-timing",
    topic=kit.Topic.OPERATIONS,
    category=kit.Category.SLOW,
    summary="Diagnostic: how this backend purges, and the danger window right after a purge.",
    demonstrates=(
        "PurgeQueue on SQS is asynchronous (up to 60 s), allowed once per 60 s, and may delete "
        "messages sent while it runs. The scenario measures instead of assuming: how long a "
        "new purge was refused, how many messages the queue still counted right after the "
        "call, whether a second purge is refused, how long the purge took, and how many "
        "messages sent right after it were lost. The verdict passes with what it measured; "
        "it is an error when it cannot measure. Its ledger counts the purged messages as lost."
    ),
    limits=(
        "the embedded backend purges at once; the runner starts it with "
        "purge_cooldown_seconds=0 (it purges between runs), so a second purge is accepted there "
        "and the journal says so; on AWS expect refusals for up to 60 s and a run of a minute "
        "or two."
    ),
    adapts_to=("purge-cooldown",),
    method=method,
    metrics=Purge,
    measure=measure,
    params={
        "before": kit.Param(20, "messages sent before the purge", min=1),
        "after": kit.Param(10, "messages sent right after it", min=1),
        "timeout_seconds": kit.Param(
            90.0, "longest wait for a purge to be accepted / take effect", min=1
        ),
    },
    settle_seconds=None,
    expectations=(kit.Expect(Purge.purge_survivors, "==", 0),),
    unsafe="nothing (a diagnostic: --unsafe runs the same measurement)",
    unsafe_shows=(),
    typical_seconds=1,
    timeout_seconds=300,
    black_box=kit.not_black_box(
        "it starts no consumer (a diagnostic of the backend): nothing of yours to judge"
    ),
)
