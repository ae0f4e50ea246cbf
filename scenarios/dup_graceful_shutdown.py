"""dup-graceful-shutdown: SIGTERM mid-work; the work in hand finishes, nothing comes back."""

from __future__ import annotations

import signal

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import OK, Op
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import Category, Measured, Param, Params, Scenario
from scenarios.common import EXACTLY_ONCE

LEASE_SECONDS = 2  # below the visibility timeout (3 s): an abandoned claim does not block


def in_hand(history: list[Op], process: str) -> str | None:
    """The message ``process`` has claimed and not yet done the side effect for."""
    claimed = [
        op.key for op in history if op.process == process and op.f == "claim" and op.type == OK
    ]
    done = {op.key for op in history if op.process == process and op.f == "side_effect"}
    pending = [key for key in claimed if key not in done]
    return pending[-1] if pending else None


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
    lab.wait_for(lambda: in_hand(lab.history(), "consumer-1") is not None, 20, "work in hand")
    lab.note(f"SIGTERM to consumer-1 while it works on {in_hand(lab.history(), 'consumer-1')}")
    lab.signal(first, signal.SIGTERM)
    code = lab.wait_exit(first, timeout=p["work_seconds"] + 10)
    lab.note(f"consumer-1 exited with code {code}; consumer-2 takes over")
    lab.consumer(ConsumerKnobs(idempotency_lease_seconds=LEASE_SECONDS), "consumer-2")
    lab.settle(timeout=p["settle_seconds"])


def measure(run: Measured) -> dict[str, float]:
    """signalled_mid_work: SIGTERMs that reached consumer-1 with a message in hand whose side
    effect it had not done yet (the failure mode really happened)."""
    mid_work = 0
    for sig in (op for op in run.history if op.f == "signal" and op.process == "consumer-1"):
        done_before = any(
            op.f == "side_effect" and op.process == sig.process and op.key == sig.key
            and op.time < sig.time
            for op in run.history
        )  # fmt: skip
        mid_work += int(sig.key is not None and not done_before)
    return {"signalled_mid_work": mid_work}


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
    extra_metrics=("signalled_mid_work",),
    params={
        "messages": Param(2, "messages to send"),
        "work_seconds": Param(2.0, "work time per message"),
        "settle_seconds": Param(30.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("signalled_mid_work", ">=", 1),),
    expectations=(*EXACTLY_ONCE, Expect("redeliveries", "==", 0)),
    unsafe="exit at once on SIGTERM: the message in hand is abandoned",
    unsafe_shows=(Expect("redeliveries", ">=", 1),),
    typical_seconds=4,
)
