"""dup-graceful-shutdown: SIGTERM mid-work; the work in hand finishes, nothing comes back."""

from __future__ import annotations

from scenarios import kit

LEASE_SECONDS = 2  # below the visibility timeout (3 s): an abandoned claim does not block


class Shutdown(kit.Metrics):
    signalled_mid_work = kit.metric(
        "SIGTERMs that reached consumer-1 with a message in hand whose side effect it had not "
        "done yet (the failure mode really happened)"
    )
    in_hand_redelivered = kit.metric(
        "receives of such a message after the signal (its work was abandoned). Messages of "
        "the batch it never started are released on a graceful stop, and may come back: "
        "that is fine"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    first = lab.consumer(
        kit.ConsumerKnobs(
            side_effect_delay_seconds=p["work_seconds"],
            idempotency_lease_seconds=LEASE_SECONDS,
            shutdown_mode="immediate" if unsafe else "graceful",
        ),
        "consumer-1",
    )
    # The SIGTERM is armed while the producer sends: a fast consumer has drained by the time
    # a producer waited for would have finished.
    producer = lab.producer(kit.ProducerKnobs(n=p["messages"]), wait=False)
    key = lab.terminate_mid_work(first, timeout=20)
    lab.note(f"SIGTERM to consumer-1 while it works on {key}")
    code = lab.wait_exit(first, timeout=p["work_seconds"] + 10)
    lab.wait_exit(producer, timeout=60)
    lab.note(f"consumer-1 exited with code {code}; consumer-2 takes over")
    lab.consumer(kit.ConsumerKnobs(idempotency_lease_seconds=LEASE_SECONDS), "consumer-2")
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    mid_work, redelivered = 0, 0
    for sig in (op for op in run.history if op.f == kit.Fn.SIGNAL and op.process == "consumer-1"):
        done_before = any(
            op.f == kit.Fn.SIDE_EFFECT and op.type == kit.OK and op.process == sig.process
            and op.key == sig.key and op.time < sig.time
            for op in run.history
        )  # fmt: skip
        if sig.key is None or done_before:
            continue
        mid_work += 1
        redelivered += sum(
            1 for op, message in kit.receives(run.history) if message["key"] == sig.key
            and op.time > sig.time
        )  # fmt: skip
    return {Shutdown.signalled_mid_work: mid_work, Shutdown.in_hand_redelivered: redelivered}


SCENARIO = kit.Scenario(
    name="dup-graceful-shutdown",
    topic=kit.Topic.DELIVERY,
    category=kit.Category.FAST,
    summary="SIGTERM mid-work: the message in hand is finished and deleted, nothing redelivered.",
    demonstrates=(
        "Deployments stop consumers with SIGTERM. A consumer that stops polling, finishes the "
        "message in hand and deletes it before exiting leaves nothing for SQS to redeliver; "
        "one that dies at once abandons its work, which comes back after the visibility "
        "timeout and is done again."
    ),
    resources=kit.ResourceSet(visibility_timeout=3),
    method=method,
    metrics=Shutdown,
    measure=measure,
    params={"messages": kit.messages(2), "work_seconds": kit.Param(2.0, "work time per message")},
    preconditions=(kit.Expect(Shutdown.signalled_mid_work, ">=", 1),),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Shutdown.in_hand_redelivered, "==", 0)),
    unsafe="exit at once on SIGTERM: the message in hand is abandoned",
    unsafe_shows=(kit.Expect(Shutdown.in_hand_redelivered, ">=", 1),),
    typical_seconds=4,
    black_box=kit.BLACK_BOX,
)
