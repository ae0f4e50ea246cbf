"""api-faults: throttling and 5xx on every API call; the SDK's retries and the worker's
handling keep every message and every side effect whole."""

from __future__ import annotations

from queuelab.check.verdict import Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.producer_knobs import ProducerKnobs
from queuelab.run.lab import Lab
from queuelab.run.scenario import BLACK_BOX, Category, Param, Params, Scenario
from scenarios.common import EXACTLY_ONCE

FAULTS = "throttle=0.12,error=0.06"  # about one call in five refused, before it applies


def method(lab: Lab, p: Params, unsafe: bool) -> None:
    attempts = 1 if unsafe else p["attempts"]
    lab.note(
        f"faults {FAULTS}; consumers' AWS_MAX_ATTEMPTS={attempts}"
        + ("; errors swallowed" if unsafe else "")
    )
    for _ in range(p["consumers"]):
        lab.consumer(ConsumerKnobs(max_messages=10, swallow_errors=unsafe), retries=attempts)
    # The producer keeps its retries in both modes: the negative control is the consumers'
    # (a producer refused on its first call would leave nothing to judge).
    lab.producer(ProducerKnobs(n=p["messages"]), retries=p["attempts"])
    lab.settle(timeout=p["settle_seconds"])


SCENARIO = Scenario(
    name="api-faults",
    category=Category.FAST,
    summary="Throttling and 5xx on every call: SDK retries and careful handling lose nothing.",
    demonstrates=(
        "On AWS every call can be throttled (RequestThrottled, ThrottlingException) or fail "
        "with a 500/503. botocore's standard retry mode (AWS_MAX_ATTEMPTS, no hand-written "
        "loop) absorbs nearly all of it; a call that still fails leaves the message for a "
        "retry: not deleted, the claim given back. Nothing is lost, no side effect doubles."
    ),
    resources="api-faults",
    method=method,
    relies_on=("redelivery-after-visibility-timeout",),
    faults=FAULTS,
    intolerance="it sets its own endpoint faults",
    params={
        # 60: the negative control loses about one message in ten (a refused side effect with
        # the retries off); with 30 a run now and then lost none (1-4 in the others).
        "messages": Param(60, "messages to send"),
        "consumers": Param(2, "consumer processes"),
        "attempts": Param(8, "AWS_MAX_ATTEMPTS for every process (botocore standard mode)"),
        "settle_seconds": Param(40.0, "how long to wait for the queue to empty"),
    },
    preconditions=(Expect("faults_injected", ">=", 1),),
    expectations=EXACTLY_ONCE,
    unsafe=(
        "the consumers' retries off (AWS_MAX_ATTEMPTS=1) and a failed side effect swallowed "
        "(taken as done)"
    ),
    # Without retries a failed call either loses the message (a swallowed side-effect error,
    # then the delete) or strands it (a claim left INPROGRESS: every later receive skips it
    # until it dead-letters); which one a run shows is chance, that some message never got
    # its side effect is not.
    unsafe_shows=(Expect("delivered", "<", "acknowledged"),),
    typical_seconds=15,
    black_box=BLACK_BOX,
)
