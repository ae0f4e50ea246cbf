"""heartbeat: work several times the visibility timeout; a heartbeat keeps the lease."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared.leases import claim_attempts, first_receives, polls_by_others, work_ended


class Heartbeat(kit.Metrics):
    outlasted_visibility = kit.metric(
        "messages whose first holder took longer than the visibility timeout to reach the "
        "side effect"
    )
    redelivery_chances = kit.metric(
        "receive calls of other consumers open meanwhile, after the queue's lease had ended "
        "(any of them could have got it, however long it waited)"
    )
    wasted_work = kit.metric(
        "claims acquired on a key claimed before (the work started again): our consumer's "
        "claims, or another consumer's side-effect request the endpoint let in"
    )
    heartbeats = kit.metric(
        "extensions that succeeded (ChangeMessageVisibility above 0, as the endpoint saw it)"
    )
    leases_lost = kit.metric("extensions that were refused")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    visibility = lab.resources.visibility_timeout
    work = p["work_factor"] * visibility
    beat = 0.0 if unsafe else p["heartbeat_factor"] * visibility
    lab.note(f"work takes {work:g} s, the visibility timeout is {visibility} s")
    lab.note(f"heartbeat every {beat:g} s" if beat else "no heartbeat")
    knobs = kit.ConsumerKnobs(
        side_effect_delay_seconds=work,
        heartbeat_seconds=beat,
        idempotency_lease="visibility",
    )
    for _ in range(p["consumers"]):
        lab.consumer(knobs)
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    visibility = run.visibility_timeout
    outlasted = chances = 0
    for key, (holder, asked) in first_receives(run.history).items():
        worked_until = work_ended(run.history, holder, key)
        if worked_until is None or worked_until - asked <= visibility:
            continue
        outlasted += 1
        chances += polls_by_others(run.history, holder, asked + visibility, worked_until)
    acquired = [
        sum(1 for c in claims if c.outcome == "acquired")
        for claims in claim_attempts(run.history).values()
    ]
    beats = [op for op in run.history if op.f in (kit.Fn.HEARTBEAT, kit.Fn.VISIBILITY)]
    return {
        Heartbeat.outlasted_visibility: outlasted,
        Heartbeat.redelivery_chances: chances,
        Heartbeat.wasted_work: sum(max(0, n - 1) for n in acquired),
        Heartbeat.heartbeats: sum(1 for op in beats if op.type == kit.OK),
        Heartbeat.leases_lost: sum(1 for op in beats if op.type == kit.FAIL),
    }


SCENARIO = kit.Scenario(
    name="heartbeat",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="Work outlasts the visibility timeout; a heartbeat extends it: no redelivery.",
    demonstrates=(
        "Work several times longer than the visibility timeout (a slow endpoint for a consumer "
        "the lab did not write), with an idle consumer polling. A heartbeat thread extends "
        "the message's visibility "
        "(ChangeMessageVisibility) while the work runs, renews the idempotency claim's lease "
        "with it, and stops when the work ends or an extension is refused (the lease is "
        "lost): the message is never redelivered and the work is done once. Without it the "
        "idle consumer receives the message as soon as the visibility timeout ends, takes "
        "over the expired claim and does the work again: wasted work, even though "
        "check-before-doing keeps the side effect at one."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    method=method,
    metrics=Heartbeat,
    measure=measure,
    params={
        "messages": kit.messages(1),
        "consumers": kit.consumers(2, "consumer processes (one more than messages: one is idle)"),
        "work_factor": kit.Param(2.5, "work time, in visibility timeouts", min=1.1),
        "heartbeat_factor": kit.Param(
            0.34, "time between heartbeats, in visibility timeouts", min=0.05, max=0.9
        ),
    },
    preconditions=(
        kit.Expect(Heartbeat.outlasted_visibility, ">=", 1),
        kit.Expect(Heartbeat.redelivery_chances, ">=", 1),
    ),
    expectations=(
        *kit.EXACTLY_ONCE,
        kit.Expect("redeliveries", "==", 0),
        kit.Expect(Heartbeat.wasted_work, "==", 0),
        kit.Expect(Heartbeat.leases_lost, "==", 0),
    ),
    unsafe="the heartbeat: the visibility timeout ends while the work runs",
    unsafe_shows=(kit.Expect("redeliveries", ">=", 1), kit.Expect(Heartbeat.wasted_work, ">=", 1)),
    typical_seconds=9,
    black_box=kit.black_box_but_not_lambda(
        "a function's timeout is at most the queue's visibility timeout (the event source "
        "mapping refuses a longer one), so its work never outlives its lease: it times out "
        "and the batch comes back; the remedy is the timeouts' configuration, not a heartbeat"
    ),
)
