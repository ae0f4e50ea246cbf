"""late-delete: a consumer finishes after its visibility timeout expired and deletes with its
old receipt handle; a FIFO queue refuses, and the consumer must take that as a lost lease."""

from __future__ import annotations

from scenarios import kit

JOB = "consumer-job"


class LateDelete(kit.Metrics):
    refused_deletes = kit.metric(
        "deletes SQS refused because the lease was lost (an expired handle)"
    )
    left_when_job_ended = kit.metric(
        "messages in the queue when the job exited, or when a consumer that runs on had "
        "emptied it or was given up on (read, not received)"
    )


def refused_deletes(history: list[kit.Op]) -> int:
    """Deletes SQS refused because the lease was lost (an expired receipt handle)."""
    return sum(
        1
        for op in history
        if op.f == kit.Fn.DELETE and op.type == kit.FAIL and op.value.get("lease_lost")
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    visibility = lab.resources.visibility_timeout
    pause = p["pause_factor"] * visibility
    lab.consumer(
        kit.ConsumerKnobs(
            max_messages=1,
            message_limit=p["messages"],  # a job: it exits once its messages are done
            pause_once_seconds=pause,
            lost_lease="counts-as-done" if unsafe else "not-done",
        ),
        JOB,
    )
    lab.producer(kit.ProducerKnobs(n=p["messages"], groups=1))
    lab.note(
        f"{JOB} stalls {pause:g} s on its first message, past the {visibility:g} s visibility "
        "timeout, then deletes it with its old receipt handle"
    )
    # The job ends by itself; a consumer that runs on (one the lab did not write) is done when
    # the queue is empty. Either way: what is left then.
    lab.settle()
    history = lab.history()
    lab.metric(LateDelete.refused_deletes, refused_deletes(history))
    done = sum(
        1 for op in history if op.process == JOB and op.f == kit.Fn.DELETE and op.type == kit.OK
    )
    lab.note(f"{JOB}: {done} confirmed deletes of {p['messages']} messages")
    lab.metric(LateDelete.left_when_job_ended, lab.depth().total)  # read without receiving


SCENARIO = kit.Scenario(
    name="late-delete",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="FIFO: a delete after the visibility timeout is refused; a consumer that takes it "
    "for success leaves a message behind.",
    demonstrates=(
        "A consumer (a job that stops once its messages are done) stalls on a message past its "
        "visibility timeout, then deletes it with the old receipt handle. A FIFO queue refuses "
        "the delete (the receipt handle has expired) and the message comes back. Counting only "
        "the deletes SQS confirmed, the consumer takes the refusal as a lost lease: it gets the "
        "message again, its idempotency claim skips the side effect, the delete succeeds, and "
        "every message is done once with nothing left behind. A consumer the lab did not write "
        "is stalled by its first side-effect request, held that long; it runs on rather than "
        "stopping after its messages, and is judged on what it left in the queue once it had "
        "emptied it. One that extends the visibility while it works (a heartbeat) or deletes "
        "on receipt never holds a message past its timeout: not applicable."
    ),
    limits=(
        "on a standard queue SQS still accepts such a handle, which is why this runs on FIFO. "
        "Stock moto accepts it on FIFO too: the run is then an error "
        "(fifo-expired-handle-delete-refused)."
    ),
    resources=kit.ResourceSet(fifo=True, max_receive_count=4),
    relies_on=("fifo-expired-handle-delete-refused", "fifo-group-blocked-in-flight"),
    method=method,
    metrics=LateDelete,
    params={
        "messages": kit.messages(3, "messages in the job"),
        "pause_factor": kit.Param(1.5, "the stall, in visibility timeouts", min=1.1),
    },
    settle_seconds=30.0,  # how long the job (or the queue's emptying) may take
    # The failure mode: a delete refused for a lost lease, and the message received again.
    preconditions=(
        kit.Expect(LateDelete.refused_deletes, ">=", 1),
        kit.Expect("redeliveries", ">=", 1),
    ),
    expectations=(
        kit.Expect(LateDelete.left_when_job_ended, "==", 0),
        kit.ALL_DELIVERED,
        kit.NOTHING_LOST,
        kit.NOTHING_UNEXPECTED,
        kit.NO_DUPLICATES,
        kit.QUEUE_EMPTY,
        kit.DLQ_EMPTY,
    ),
    unsafe="treating a refused delete as a lost lease (it counts as done)",
    unsafe_shows=(
        kit.Expect("stuck", ">=", 1),
        kit.Expect(LateDelete.left_when_job_ended, ">=", 1),
    ),
    typical_seconds=5,
    applies=(kit.HOLDS_PAST_VISIBILITY,),
    black_box=kit.BLACK_BOX,
)
