"""lambda-malformed-response: a partial batch response in the wrong shape: a list AWS cannot
see counts as success (the failures are deleted, lost); malformed entries fail the whole
batch (its successes run again)."""

from __future__ import annotations

from collections import Counter

from queuelab.esm import responses
from scenarios import kit
from scenarios.shared import lambda_
from scenarios.shared.measures import PoisonSeen, poison_received

FUNCTION = lambda_.Lambda(lambda_.CORRECT, timeout=3, batch_size=10)
# The shapes of examples/lambda/python/variants.py, by the name the ESM's history gives them.
WRONG = {
    responses.HTTP_WRAPPED: "http_wrapped",
    responses.RECEIPT_HANDLES: "receipt_handles",
    responses.UNKNOWN_ID: "unknown_ids",
    responses.EMPTY_IDENTIFIER: "empty_identifiers",
}
UNSEEN = (responses.FEATURE_OFF, responses.HTTP_WRAPPED, responses.NO_LIST)


class Responses(lambda_.Invoked, PoisonSeen):
    documented_responses = kit.metric("responses in the documented shape")
    unseen_lists = kit.metric(
        "responses whose failures AWS cannot see (no batchItemFailures list at the top, or "
        "the feature off): the batch counts as a success"
    )
    malformed_responses = kit.metric(
        "responses with malformed entries (a receipt handle, an id not in the batch, an "
        "empty identifier): the whole batch fails"
    )
    reruns = kit.metric("good messages handed to the function in more than one invocation")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.producer(kit.ProducerKnobs(n=p["messages"], poison_every=p["poison_every"]))
    deployment = FUNCTION
    if unsafe:
        deployment = FUNCTION.but(handler=lambda_.example("variants", WRONG[p["shape"]]))
        lab.note(f"the handler answers its failures in the {p['shape']} shape")
    lambda_.deploy(lab, deployment)
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    poison = {op.key for op in run.history if op.f == kit.Fn.SEND and op.value.get("poison")}
    shapes = lambda_.shapes(run.history)
    handed = Counter(key for keys in lambda_.batches(run.history) for key in set(keys))
    return lambda_.invoked(run.history) | {
        Responses.poison_received: poison_received(run.history),
        Responses.documented_responses: shapes[responses.DOCUMENTED],
        Responses.unseen_lists: sum(shapes[s] for s in UNSEEN),
        Responses.malformed_responses: sum(shapes[s] for s in responses.WHOLE_BATCH_FAILURES),
        Responses.reruns: sum(1 for key, n in handed.items() if n > 1 and key not in poison),
    }


SCENARIO = kit.Scenario(
    name="lambda-malformed-response",
    topic=kit.Topic.POISON,
    category=kit.Category.FAST,
    summary="A partial batch response in the wrong shape: a list AWS cannot see deletes the "
    "failures; malformed entries fail the whole batch.",
    demonstrates=(
        "With ReportBatchItemFailures, Lambda reads the function's response as "
        '{"batchItemFailures": [{"itemIdentifier": messageId}]} and nothing else '
        '(services-sqs-errorhandling.html, "Success and failure conditions"). A list it '
        "cannot see (wrapped in an API Gateway reply's body, or the feature off on the "
        "mapping) means no failures: the whole batch is deleted, the failed messages with "
        "it, lost. Malformed entries (receipt handles, ids not in the batch, empty "
        "identifiers) fail the whole batch: its successes come back and run again. The "
        "correct handler answers the documented shape; the report counts each shape "
        "(--set shape=... picks the negative control's)."
    ),
    resources=kit.ResourceSet(visibility_timeout=8),
    relies_on=("dlq-after-max-receives", "redelivery-after-visibility-timeout"),
    method=method,
    metrics=Responses,
    measure=measure,
    params={
        "messages": kit.messages(20),
        "poison_every": kit.Param(5, "every Nth message is poison", min=1),
        "shape": kit.Param(
            responses.HTTP_WRAPPED,
            "--unsafe: the wrong shape the handler answers in",
            choices=tuple(WRONG),
        ),
    },
    preconditions=(kit.Expect(Responses.poison_received, ">=", 1),),
    applies=(lambda_.NOT_A_FUNCTION,),
    expectations=(
        *kit.POISON_HANDLED,
        kit.Expect(Responses.unseen_lists, "==", 0),
        kit.Expect(Responses.malformed_responses, "==", 0),
        kit.Expect(Responses.reruns, "==", 0),
    ),
    unsafe="the failures answered in a shape AWS cannot see (the http-wrapped shape unless "
    "--set shape= picks a malformed one): the failed messages are deleted",
    unsafe_shows=(kit.Expect(Responses.unseen_lists, ">=", 1), kit.Expect("lost", ">=", 1)),
    typical_seconds=30,
    black_box=kit.BLACK_BOX,
)
