"""purge-timing: how does this backend purge, and what happens to messages sent right after?"""

from __future__ import annotations

import time

from queuelab.check.verdict import Expect
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Measured, Param, Params, Scenario, not_black_box

RETRY_SECONDS = 5.0


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    lab.producer(ProducerKnobs(n=p["before"]), "producer-before")
    # The runner's reset may have purged a moment ago: AWS then refuses another for 60 s.
    asked = time.monotonic()
    lab.wait_for(lab.purge, p["timeout_seconds"], "an accepted purge", interval=RETRY_SECONDS)
    purged_at = time.monotonic()
    counted = lab.depth().total  # immediate purge: 0; AWS: the messages may still be counted
    lab.metric("purge_refused_s", round(purged_at - asked, 1))
    lab.metric("counted_right_after_purge", counted)
    lab.metric("second_purge_refused", int(not lab.purge()))
    lab.producer(ProducerKnobs(n=p["after"]), "producer-after")  # inside the danger window
    lab.wait_for(
        lambda: lab.depth().total <= p["after"], p["timeout_seconds"], "the purge to take effect"
    )
    # An upper bound: counts are polled, and the second producer takes a moment to start.
    lab.metric("purge_done_within_s", round(time.monotonic() - purged_at, 1))
    second = "refused" if lab.metrics["second_purge_refused"] else "accepted"
    lab.note(
        f"purge accepted after {lab.metrics['purge_refused_s']:.0f} s of refusals; right after "
        f"it the queue still counted {counted} of {p['before']} messages; a second purge was "
        f"{second}; the queue held only the messages sent afterwards within "
        f"{lab.metrics['purge_done_within_s']:.1f} s (an upper bound: it includes starting "
        "the second producer)"
    )
    lab.note("the ledger counts the purged messages as lost: deleting them is what purge does")


def measure(run: Measured) -> dict[str, float]:
    """Which of the messages sent before and after the purge are still there."""
    left = set(run.observation.queue)
    sent = {
        name: {
            op.key
            for op in run.history
            if op.process == name and op.f == "send" and op.type == "ok"
        }
        for name in ("producer-before", "producer-after")
    }
    return {
        "purge_survivors": len(sent["producer-before"] & left),
        "sent_after_purge_lost": len(sent["producer-after"] - left),
    }


SCENARIO = Scenario(
    name="purge-timing",
    category=Category.SLOW,
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
    resources="purge-timing",
    adapts_to=("purge-cooldown",),
    method=method,
    measure=measure,
    extra_metrics=(
        "purge_refused_s",
        "counted_right_after_purge",
        "second_purge_refused",
        "purge_done_within_s",
        "purge_survivors",
        "sent_after_purge_lost",
    ),
    params={
        "before": Param(20, "messages sent before the purge"),
        "after": Param(10, "messages sent right after it"),
        "timeout_seconds": Param(90.0, "longest wait for a purge to be accepted / take effect"),
    },
    expectations=(Expect("purge_survivors", "==", 0),),
    unsafe="nothing (a diagnostic: --unsafe runs the same measurement)",
    unsafe_shows=(),
    typical_seconds=1,
    timeout_seconds=300,
    black_box=not_black_box(
        "it starts no consumer (a diagnostic of the backend): nothing of yours to judge"
    ),
)
