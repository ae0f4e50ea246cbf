"""heartbeat: work several times the visibility timeout; a heartbeat keeps the lease."""

from __future__ import annotations

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import FAIL, INVOKE, OK
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Measured, Param, Params, Scenario, not_black_box
from scenarios.common import EXACTLY_ONCE
from scenarios.leases import claim_attempts, first_op, first_receives, polls_by_others


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    visibility = lab.resources.visibility_timeout
    work = p["work_factor"] * visibility
    beat = 0.0 if unsafe else p["heartbeat_factor"] * visibility
    lab.note(f"work takes {work:g} s, the visibility timeout is {visibility} s")
    lab.note(f"heartbeat every {beat:g} s" if beat else "no heartbeat")
    knobs = ConsumerKnobs(
        side_effect_delay_seconds=work,
        heartbeat_seconds=beat,
        idempotency_lease="visibility",
    )
    for _ in range(p["consumers"]):
        lab.consumer(knobs)
    lab.producer(ProducerKnobs(n=p["messages"]))
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """outlasted_visibility: messages whose first holder took longer than the visibility
    timeout to reach the side effect; redelivery_chances: receives other consumers completed
    meanwhile, after the queue's lease had ended (any of them could have got it);
    wasted_work: claims acquired on a key claimed before (the work started again);
    heartbeats, leases_lost: extensions that succeeded or were refused."""
    visibility = run.visibility_timeout
    outlasted = chances = 0
    for key, (holder, asked) in first_receives(run.history).items():
        worked_until = first_op(run.history, holder, key, "side_effect", INVOKE)
        if worked_until is None or worked_until - asked <= visibility:
            continue
        outlasted += 1
        chances += polls_by_others(run.history, holder, asked + visibility, worked_until)
    acquired = [
        sum(1 for c in claims if c.outcome == "acquired")
        for claims in claim_attempts(run.history).values()
    ]
    beats = [op for op in run.history if op.f == "heartbeat"]
    return {
        "outlasted_visibility": outlasted,
        "redelivery_chances": chances,
        "wasted_work": sum(max(0, n - 1) for n in acquired),
        "heartbeats": sum(1 for op in beats if op.type == OK),
        "leases_lost": sum(1 for op in beats if op.type == FAIL),
    }


SCENARIO = Scenario(
    name="heartbeat",
    category=Category.FAST,
    summary="Work outlasts the visibility timeout; a heartbeat extends it: no redelivery.",
    demonstrates=(
        "Work several times longer than the visibility timeout, with an idle consumer "
        "polling. A heartbeat thread extends the message's visibility "
        "(ChangeMessageVisibility) while the work runs, renews the idempotency claim's lease "
        "with it, and stops when the work ends or an extension is refused (the lease is "
        "lost): the message is never redelivered and the work is done once. Without it the "
        "idle consumer receives the message as soon as the visibility timeout ends, takes "
        "over the expired claim and does the work again: wasted work, even though "
        "check-before-doing keeps the side effect at one."
    ),
    resources="heartbeat",
    method=method,
    measure=measure,
    extra_metrics=(
        "outlasted_visibility",
        "redelivery_chances",
        "wasted_work",
        "heartbeats",
        "leases_lost",
    ),
    params={
        "messages": Param(1, "messages to send"),
        "consumers": Param(2, "consumer processes (one more than messages: one is idle)"),
        "work_factor": Param(2.5, "work time, in visibility timeouts"),
        "heartbeat_factor": Param(0.34, "time between heartbeats, in visibility timeouts"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(
        Expect("outlasted_visibility", ">=", 1),
        Expect("redelivery_chances", ">=", 1),
    ),
    expectations=(
        *EXACTLY_ONCE,
        Expect("redeliveries", "==", 0),
        Expect("wasted_work", "==", 0),
        Expect("leases_lost", "==", 0),
    ),
    unsafe="the heartbeat: the visibility timeout ends while the work runs",
    unsafe_shows=(Expect("redeliveries", ">=", 1), Expect("wasted_work", ">=", 1)),
    typical_seconds=9,
    black_box=not_black_box(
        "it judges queuelab's heartbeat knob against the consumer's own record of each "
        "extension; a foreign heartbeat would be judged from its ChangeMessageVisibility "
        "calls, not built yet"
    ),
)
