"""lambda-timeout-in-progress: a Lambda function times out after its side effect, its
idempotency record left INPROGRESS: the retry must neither be stuck until the record expires
nor do the side effect twice."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import lambda_

TIMEOUT = 2
FUNCTION = lambda_.Lambda(lambda_.example("inprogress"), timeout=TIMEOUT, batch_size=1)
UNSAFE = {
    "fixed-expiry": {"IN_PROGRESS_EXPIRY": "fixed"},
    "no-downstream-key": {"DOWNSTREAM_KEY": "off"},
}


class InProgress(lambda_.Invoked):
    timeouts = kit.metric("invocations that timed out (Sandbox.Timedout)")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    slow = {"SLOW_FIRST_SECONDS": str(TIMEOUT + 2)}  # past the timeout, after the side effect
    mistake = UNSAFE[p["mistake"]] if unsafe else {}
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lambda_.deploy(lab, FUNCTION.but(environment=slow | mistake))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    return lambda_.invoked(run.history) | {
        InProgress.timeouts: lambda_.error_types(run.history)["Sandbox.Timedout"],
    }


SCENARIO = kit.Scenario(
    name="lambda-timeout-in-progress",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="A Lambda function times out after its side effect, its idempotency record "
    "INPROGRESS: the retry takes it over, and the downstream key keeps the effect single.",
    demonstrates=(
        "An idempotency layer (Powertools' keeps one) claims a record INPROGRESS before the "
        "work and marks it COMPLETED after. A function that times out leaves it INPROGRESS "
        "and its message comes back after the visibility timeout. If the in-progress record "
        "lives as long as the record itself (an hour), every retry finds it held and fails: "
        "the message is stuck until the record expires, and dead-letters first. Its expiry "
        "must come from the invocation's remaining time (context.get_remaining_time_in_"
        "millis(), Powertools' register_lambda_context), so the retry takes the claim over. "
        "The side effect was done before the timeout: only a downstream idempotency key keeps "
        "the retry from doing it twice."
    ),
    # One message per batch: each times out alone; the retry comes 8 s later.
    resources=kit.ResourceSet(visibility_timeout=8, max_receive_count=2),
    relies_on=("redelivery-after-visibility-timeout", "dlq-after-max-receives"),
    method=method,
    metrics=InProgress,
    measure=measure,
    params={
        "messages": kit.messages(3),
        "mistake": kit.Param(
            "fixed-expiry",
            "--unsafe: the in-progress record lives as long as the record (fixed-expiry), or "
            "the side effect has no downstream key (no-downstream-key)",
            choices=tuple(UNSAFE),
        ),
    },
    preconditions=(kit.Expect(InProgress.timeouts, ">=", 1),),
    applies=(lambda_.NOT_A_FUNCTION,),
    expectations=kit.EXACTLY_ONCE,
    unsafe="the in-progress record expires with the record, an hour later (--set "
    "mistake=no-downstream-key: the side effect has no downstream key)",
    unsafe_shows=(kit.Expect("dead_lettered", ">=", 1),),
    typical_seconds=30,
    black_box=kit.not_black_box(
        "the timeout is provoked inside the lab's own handler (a hang after the side effect "
        "on a message's first delivery)"
    ),
)
