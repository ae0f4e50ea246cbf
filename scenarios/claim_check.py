"""claim-check: payloads over SQS's limit go to S3 and the message carries a pointer; the
consumer fetches, processes, and deletes the object after the message."""

from __future__ import annotations

from queuelab.contract import clients
from queuelab.contract.claim_check import SQS_MAX_BYTES, object_key
from queuelab.targets.observe import objects
from scenarios import kit


class ClaimCheck(kit.Metrics):
    oversized_payloads = kit.metric("events whose payload is over SQS's limit as a body")
    sent_oversized = kit.metric("sends whose body was over SQS's limit")
    claim_checked = kit.metric("sends that carried a pointer to S3")
    never_queued = kit.metric("events SQS never confirmed")
    fetched = kit.metric("payloads the consumer fetched from S3 (GetObject)")
    objects_left = kit.metric("objects of the run left in the bucket afterwards")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.consumer(kit.ConsumerKnobs(max_messages=10), "consumer")
    knobs = kit.ProducerKnobs(
        n=p["messages"],
        large_every=p["large_every"],
        large_bytes=p["large_bytes"],
        batch_size=1,  # a batch over 1 MiB is refused whole: the small ones go alone
    )
    if not unsafe:
        knobs = knobs.but(claim_check_bucket=lab.resources.bucket)
    lab.producer(knobs, may_fail=unsafe)
    lab.settle()
    if lab.resources.bucket:  # what nobody cleaned up (AWS: the lifecycle rule would, later)
        left = objects(clients.s3(lab.settings), lab.resources.bucket, object_key(lab.run_id, ""))
        lab.metric(ClaimCheck.objects_left, left)


def measure_sends(history: list[kit.Op]) -> dict[str, float]:
    """(pure) Sends over SQS's limit as a body, those that went by S3, those never queued."""
    invoked = {op.key: op.value for op in history if op.f == kit.Fn.SEND and op.type == kit.INVOKE}
    confirmed = {op.key for op in history if op.f == kit.Fn.SEND and op.type == kit.OK}
    oversized = {k for k, v in invoked.items() if int(v.get("bytes", 0)) > SQS_MAX_BYTES}
    large = {k for k, v in invoked.items() if v.get("payload", {}).get("blob_bytes")}
    return {
        ClaimCheck.oversized_payloads: len(large),
        ClaimCheck.sent_oversized: len(oversized),
        ClaimCheck.claim_checked: sum(1 for v in invoked.values() if v.get("claim_check")),
        ClaimCheck.never_queued: len(set(invoked) - confirmed),
        ClaimCheck.fetched: sum(1 for op in history if op.f == kit.Fn.FETCH and op.type == kit.OK),
    }


def measure(run: kit.Measured) -> dict[str, float]:
    return measure_sends(run.history)


SCENARIO = kit.Scenario(
    name="claim-check",
    topic=kit.Topic.PIPELINE,
    category=kit.Category.FAST,
    summary="Payloads over SQS's 1 MiB go by S3 (a pointer in the message), fetched and "
    "cleaned up after success.",
    demonstrates=(
        "Some business events carry payloads larger than SQS accepts (over 1 MiB). With a "
        "claim check the producer stores such a payload in S3 and sends a pointer (the "
        "object, its size and SHA-256); the consumer fetches and checks it, processes the "
        "event, and deletes the object once SQS confirmed the message's delete (on AWS a "
        "lifecycle rule also expires leftovers). Without it the large sends are refused and "
        "those events never reach the queue. A consumer the lab did not write is told of the "
        "pointer by the consumer contract; its reads and deletes in S3 are what the endpoint "
        "witnessed."
    ),
    limits=(
        "the embedded backend serves S3 (moto's), without fault injection: the nemesis "
        "injects faults on SQS and DynamoDB only; lifecycle rules are stored, never applied."
    ),
    resources=kit.ResourceSet(bucket=True),
    relies_on=("size-default-1mib",),  # the inline sends of --unsafe are refused
    method=method,
    metrics=ClaimCheck,
    measure=measure,
    params={
        "messages": kit.messages(8, "events to send"),
        "large_every": kit.Param(3, "every Nth event has a large payload", min=1),
        "large_bytes": kit.Param(1_258_291, "a large payload's size in bytes (1.2 MiB)", min=1),
    },
    preconditions=(kit.Expect(ClaimCheck.oversized_payloads, ">=", 1),),
    expectations=(
        *kit.EXACTLY_ONCE,
        kit.Expect(ClaimCheck.claim_checked, "==", ClaimCheck.oversized_payloads),
        kit.Expect(ClaimCheck.fetched, ">=", ClaimCheck.claim_checked),
        kit.Expect(ClaimCheck.never_queued, "==", 0),
        kit.Expect(ClaimCheck.objects_left, "==", 0),
    ),
    unsafe="the claim check (every payload inline: the large sends are refused)",
    unsafe_shows=(kit.Expect(ClaimCheck.never_queued, ">=", 1),),
    typical_seconds=5,
    black_box=kit.BLACK_BOX,
)
