"""lambda-overpull: a function's reserved concurrency below what its event source mapping
reads: throttled batches return unprocessed and dead-letter with a low maxReceiveCount."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import lambda_

RESERVED = 2
FUNCTION = lambda_.Lambda(
    lambda_.CORRECT, timeout=2, batch_size=1, reserved_concurrency=RESERVED,
    maximum_concurrency=RESERVED,
)  # fmt: skip
UNSAFE = FUNCTION.but(maximum_concurrency=None)


class Overpull(lambda_.Invoked):
    throttles = kit.metric("invocations refused for concurrency (TooManyRequestsException)")
    throttled_back = kit.metric(
        "batches the mapping gave back unprocessed after throttles until the visibility timeout"
    )
    peak_concurrency = kit.metric("the most invocations in progress at once")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    work = {"WORK_SECONDS": str(p["work_seconds"])}
    lab.note(
        f"reserved concurrency {RESERVED}; the mapping "
        + ("ramps up to 5 batches at once" if unsafe else f"has MaximumConcurrency {RESERVED}")
    )
    lambda_.deploy(lab, (UNSAFE if unsafe else FUNCTION).but(environment=work))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    throttled = [
        op for op in run.history
        if op.f == kit.Fn.INVOCATION and op.type == kit.FAIL and op.value.get("throttled_by")
    ]  # fmt: skip
    back = [
        op for op in run.history
        if op.f == kit.Fn.LEAVE and "throttled" in str(op.value.get("reason"))
    ]  # fmt: skip
    return lambda_.invoked(run.history) | {
        Overpull.throttles: len(throttled),
        Overpull.throttled_back: len(back),
        Overpull.peak_concurrency: lambda_.peak(run.history),
    }


SCENARIO = kit.Scenario(
    name="lambda-overpull",
    topic=kit.Topic.LOAD,
    category=kit.Category.FAST,
    summary="Reserved concurrency below the mapping's: throttled batches return unprocessed and "
    "dead-letter; MaximumConcurrency (or maxReceiveCount >= 5) prevents it.",
    demonstrates=(
        "An SQS event source mapping reads batches without looking at the function's "
        "reserved concurrency (it starts with five at once): the batches beyond it are "
        "throttled, retried until their visibility timeout ends, and return to the queue "
        "with their receive count grown, unprocessed (services-sqs-errorhandling.html; AWS "
        "re:Post, lambda-sqs-scaling). With a low maxReceiveCount, good messages reach the "
        "DLQ without ever being processed. MaximumConcurrency on the mapping "
        "(API_ScalingConfig.html) keeps its reads within the reserved concurrency; AWS's "
        "other advice is a maxReceiveCount of at least 5."
    ),
    # maxReceiveCount 1, the lowest: one lease lost to throttles dead-letters a message (AWS
    # advises at least 5). The visibility timeout covers a cold start and the work.
    resources=kit.ResourceSet(visibility_timeout=8, max_receive_count=1),
    relies_on=("dlq-after-max-receives", "redelivery-after-visibility-timeout"),
    method=method,
    metrics=Overpull,
    measure=measure,
    params={
        "messages": kit.messages(40),
        "work_seconds": kit.Param(1.0, "the downstream's latency per message", max=1.5),
    },
    preconditions=(kit.Expect(Overpull.peak_concurrency, ">=", RESERVED),),
    applies=(lambda_.NOT_A_FUNCTION,),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Overpull.throttles, "==", 0)),
    unsafe="no MaximumConcurrency: the mapping reads five batches at once for a function that "
    f"may run {RESERVED}",
    unsafe_shows=(
        kit.Expect(Overpull.throttled_back, ">=", 1),
        kit.Expect("dead_lettered", ">=", 1),
    ),
    typical_seconds=40,
    black_box=kit.not_black_box(
        "the function's work time is the lab's downstream stand-in, called by its own handler"
    ),
)
