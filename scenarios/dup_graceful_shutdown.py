"""dup-graceful-shutdown: SIGTERM mid-work; the work in hand finishes, nothing comes back."""

from __future__ import annotations

from queuelab.check.ledger import receives
from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import OK
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Measured, Param, Params, Scenario
from scenarios.common import EXACTLY_ONCE

LEASE_SECONDS = 2  # below the visibility timeout (3 s): an abandoned claim does not block


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    first = lab.consumer(
        ConsumerKnobs(
            side_effect_delay_seconds=p["work_seconds"],
            idempotency_lease_seconds=LEASE_SECONDS,
            shutdown_mode="immediate" if unsafe else "graceful",
        ),
        "consumer-1",
    )
    lab.producer(ProducerKnobs(n=p["messages"]))
    key = lab.terminate_mid_work(first, timeout=20)
    lab.note(f"SIGTERM to consumer-1 while it works on {key}")
    code = lab.wait_exit(first, timeout=p["work_seconds"] + 10)
    lab.note(f"consumer-1 exited with code {code}; consumer-2 takes over")
    lab.consumer(ConsumerKnobs(idempotency_lease_seconds=LEASE_SECONDS), "consumer-2")
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """signalled_mid_work: SIGTERMs that reached consumer-1 with a message in hand whose side
    effect it had not done yet (the failure mode really happened); in_hand_redelivered:
    receives of such a message after the signal (its work was abandoned). Messages of the
    batch it never started are released on a graceful stop, and may come back: that is fine."""
    mid_work, redelivered = 0, 0
    for sig in (op for op in run.history if op.f == "signal" and op.process == "consumer-1"):
        done_before = any(
            op.f == "side_effect" and op.type == OK and op.process == sig.process
            and op.key == sig.key and op.time < sig.time
            for op in run.history
        )  # fmt: skip
        if sig.key is None or done_before:
            continue
        mid_work += 1
        redelivered += sum(
            1 for op, message in receives(run.history) if message["key"] == sig.key
            and op.time > sig.time
        )  # fmt: skip
    return {"signalled_mid_work": mid_work, "in_hand_redelivered": redelivered}


SCENARIO = Scenario(
    name="dup-graceful-shutdown",
    category=Category.FAST,
    summary="SIGTERM mid-work: the message in hand is finished and deleted, nothing redelivered.",
    demonstrates=(
        "Deployments stop consumers with SIGTERM. A consumer that stops polling, finishes the "
        "message in hand and deletes it before exiting leaves nothing for SQS to redeliver; "
        "one that dies at once abandons its work, which comes back after the visibility "
        "timeout and is done again."
    ),
    resources="dup-graceful-shutdown",
    method=method,
    measure=measure,
    extra_metrics=("signalled_mid_work", "in_hand_redelivered"),
    params={
        "messages": Param(2, "messages to send"),
        "work_seconds": Param(2.0, "work time per message"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("signalled_mid_work", ">=", 1),),
    expectations=(*EXACTLY_ONCE, Expect("in_hand_redelivered", "==", 0)),
    unsafe="exit at once on SIGTERM: the message in hand is abandoned",
    unsafe_shows=(Expect("in_hand_redelivered", ">=", 1),),
    typical_seconds=4,
    black_box=BLACK_BOX,
)
