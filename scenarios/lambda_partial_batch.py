"""lambda-partial-batch: a Lambda function's batch mixes good and poison messages; without
partial batch responses the batch's successes run again."""

from __future__ import annotations

from scenarios import kit
from scenarios.shared import lambda_
from scenarios.shared.measures import PoisonSeen, poison_received

FUNCTION = lambda_.Lambda(lambda_.CORRECT, timeout=3, batch_size=10)
# No partial batch response: the handler raises on the first failure (and its side effects
# carry no idempotency key), the mapping has no ReportBatchItemFailures.
UNSAFE = FUNCTION.but(handler=lambda_.NAIVE, report_batch_item_failures=False)


class Batches(lambda_.Invoked, PoisonSeen):
    mixed_batches = kit.metric("invocations whose batch held both good and poison messages")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    # Send first, then start the function: its first batches are full, mixed ones.
    lab.producer(kit.ProducerKnobs(n=p["messages"], poison_every=p["poison_every"]))
    lambda_.deploy(lab, UNSAFE if unsafe else FUNCTION)
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    poison = {op.key for op in run.history if op.f == kit.Fn.SEND and op.value.get("poison")}
    kinds = [{key in poison for key in keys} for keys in lambda_.batches(run.history)]
    return lambda_.invoked(run.history) | {
        Batches.mixed_batches: sum(1 for found in kinds if found == {True, False}),
        Batches.poison_received: poison_received(run.history),
    }


SCENARIO = kit.Scenario(
    name="lambda-partial-batch",
    topic=kit.Topic.POISON,
    category=kit.Category.FAST,
    summary="A Lambda batch mixes good and poison: a partial batch response returns only the "
    "poison; without it the batch's successes run again.",
    demonstrates=(
        "An SQS event source mapping invokes the function with up to 10 messages at once. A "
        "function error returns the whole batch: every message comes back after the "
        "visibility timeout, those already done included, and runs again "
        "(services-sqs-errorhandling.html). With ReportBatchItemFailures on the mapping and "
        'a handler that answers {"batchItemFailures": [{"itemIdentifier": id}]}, only the '
        "failed messages come back: the good ones are deleted once, the poison reaches the "
        "DLQ after maxReceiveCount."
    ),
    # The queue's visibility timeout well above the function's timeout: a cold start (a
    # second or two on a loaded machine) and the invoke phase both fit in it (AWS advises
    # 6x the function's timeout).
    resources=kit.ResourceSet(visibility_timeout=8),
    relies_on=("dlq-after-max-receives", "redelivery-after-visibility-timeout"),
    method=method,
    metrics=Batches,
    measure=measure,
    params={
        "messages": kit.messages(20),
        "poison_every": kit.Param(5, "every Nth message is poison", min=1),
    },
    preconditions=(
        kit.Expect(Batches.mixed_batches, ">=", 1),
        kit.Expect(Batches.poison_received, ">=", 1),
    ),
    applies=(lambda_.NOT_A_FUNCTION,),
    expectations=kit.POISON_HANDLED,
    unsafe="no partial batch response: the handler raises on the first poison message (its "
    "side effects without an idempotency key), so the whole batch comes back",
    unsafe_shows=(kit.Expect("duplicate_side_effects", ">=", 1),),
    typical_seconds=30,
    black_box=kit.BLACK_BOX,
)
