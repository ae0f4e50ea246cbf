"""lambda-fifo-partial: a Lambda function on a FIFO queue fails a record mid-batch; reporting
only that record lets the group's later records overtake it."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import lambda_

# A transient failure: the downstream stand-in fails the first call for every Nth message.
FUNCTION = lambda_.Lambda(lambda_.CORRECT, timeout=3, batch_size=10)
UNSAFE = FUNCTION.but(handler=lambda_.example("variants", "only_the_failure"))


class Order(lambda_.Invoked):
    reported_failures = kit.metric("records a successful invocation returned to the queue")
    overtaken = kit.metric(
        "records deleted although an earlier record of their group in the same batch was "
        "returned: done before it, out of order (the mapping's count)"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.producer(kit.ProducerKnobs(n=p["messages"], groups=p["groups"]))
    flaky = {"FLAKY_EVERY": str(p["fail_every"])}
    deployment = UNSAFE if unsafe else FUNCTION
    lambda_.deploy(lab, deployment.but(environment=flaky))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    done = [op for op in lambda_.invocations(run.history) if op.type == kit.OK]
    return lambda_.invoked(run.history) | {
        Order.reported_failures: sum(len(op.value.get("returned", [])) for op in done),
        Order.overtaken: sum(len(op.value.get("overtaken", [])) for op in done),
    }


SCENARIO = kit.Scenario(
    name="lambda-fifo-partial",
    topic=kit.Topic.ORDERING,
    category=kit.Category.FAST,
    summary="A Lambda function on a FIFO queue fails a record mid-batch: it must return that "
    "record and every later one, or the group's order breaks.",
    demonstrates=(
        "A FIFO batch holds several messages of a group, in order. When the function fails "
        "one with partial batch responses on, AWS's rule is to stop at the first failure and "
        "return it and every later record (services-sqs-errorhandling.html): they all come "
        "back together, in order, after the visibility timeout, and the failed one is retried "
        "first. A handler that reports only the failed record lets the mapping delete the "
        "later ones it did: they overtook the failed message, and the group's order is "
        "broken. Here the downstream fails the first call for every Nth message (a "
        "transient failure), so every message is done once in the end."
    ),
    resources=kit.ResourceSet(fifo=True, visibility_timeout=8, max_receive_count=5),
    relies_on=("fifo-group-blocked-in-flight", "redelivery-after-visibility-timeout"),
    method=method,
    metrics=Order,
    measure=measure,
    params={
        "messages": kit.messages(20),
        "groups": kit.Param(2, "message groups", min=1),
        "fail_every": kit.Param(7, "the downstream fails the first call for every Nth", min=2),
    },
    preconditions=(kit.Expect(Order.reported_failures, ">=", 1),),
    applies=(lambda_.NOT_A_FUNCTION,),
    expectations=(*kit.EXACTLY_ONCE, kit.Expect(Order.overtaken, "==", 0)),
    unsafe="the handler reports only the failed record and goes on with the later ones",
    unsafe_shows=(kit.Expect(Order.overtaken, ">=", 1),),
    typical_seconds=35,
    black_box=kit.not_black_box(
        "the transient failure is the lab's downstream stand-in, called by its own handler; "
        "the side-effect endpoint has no such failure for a handler you give"
    ),
)
