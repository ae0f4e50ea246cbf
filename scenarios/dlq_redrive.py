"""dlq-redrive: a bug sends messages to the DLQ; the fix is deployed; the DLQ is redriven."""

from __future__ import annotations

from queuelab.targets.redrive import FALLBACK
from scenarios import kit
from scenarios.shared.measures import Redrive

# The messages the bug meets: one kind of message (the producer's group g0, on a standard
# queue just a field of the payload), not poison: once the bug is fixed they succeed.
BUG_MARKER = '"group": "g0"'


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    # The bug: marked messages fail after their side effect was done (a partial success).
    # Our consumer has it in its code; for one the lab did not write, it is in the side-effect
    # endpoint, for this process's requests: performed, then answered 500.
    buggy = lab.consumer(
        kit.ConsumerKnobs(
            max_messages=10,
            reject_payload_marker=BUG_MARKER,
            reject_stage="after-side-effect",
        ),
        "consumer-buggy",
    )
    lab.producer(kit.ProducerKnobs(n=p["messages"], groups=p["fail_every"]))
    lab.settle()
    lab.stop(buggy)
    dead = lab.depth(lab.resources.dlq_url).total
    lab.metric(Redrive.dead_lettered_before_redrive, dead)
    lab.note(f"{dead} messages in the DLQ; deploying the fix and redriving")

    lab.consumer(
        kit.ConsumerKnobs(max_messages=10, idempotency="off" if unsafe else "on"), "consumer-fixed"
    )
    moved = lab.redrive()
    lab.metric(Redrive.redriven, moved.moved)
    lab.metric(Redrive.redrive_fallback, int(moved.method == FALLBACK))
    lab.note(f"redrove {moved.moved} messages with {moved.method}")
    lab.settle()


SCENARIO = kit.Scenario(
    name="dlq-redrive",
    topic=kit.Topic.OPERATIONS,
    category=kit.Category.FAST,
    summary="A bug dead-letters messages after their side effect; the fix plus a redrive "
    "processes each exactly once.",
    demonstrates=(
        "Messages land in the DLQ because of a bug, some after their side effect already "
        "happened. Once the fix is deployed the DLQ is redriven to the source queue; an "
        "idempotent consumer skips what was already done, so every message ends processed "
        "exactly once and the DLQ is empty. For a consumer the lab did not write, the bug is "
        "in the external system it calls: for the first process, the side-effect endpoint "
        "fails the marked messages after performing them (500); the fix is the same command "
        "started again against the healed endpoint, then the redrive."
    ),
    limits=(
        "the redrive is a StartMessageMoveTask (redrive_fallback = 0); on an endpoint that "
        "lacks it (stock moto) it falls back to receive, send and delete, and says so (journal "
        "note, redrive_fallback = 1)."
    ),
    relies_on=("dlq-after-max-receives",),
    adapts_to=("move-task-to-source",),
    method=method,
    metrics=Redrive,
    params={
        "messages": kit.messages(12),
        "fail_every": kit.Param(
            4, "every Nth message hits the bug (the producer's group g0 of this many)", min=1
        ),
    },
    preconditions=(
        kit.Expect(Redrive.dead_lettered_before_redrive, ">=", 1),
        kit.Expect(Redrive.redriven, ">=", 1),
    ),
    expectations=kit.EXACTLY_ONCE,
    unsafe="redrive to a consumer without idempotency",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=7,
    black_box=kit.BLACK_BOX,
)
