"""api-faults: throttling and 5xx on every API call; the SDK's retries and the worker's
handling keep every message and every side effect whole."""

from __future__ import annotations

from scenarios import kit

FAULTS = "throttle=0.12,error=0.06"  # about one call in five refused, before it applies


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    attempts = 1 if unsafe else p["attempts"]
    lab.note(
        f"faults {FAULTS}; consumers' AWS_MAX_ATTEMPTS={attempts}"
        + ("; errors swallowed" if unsafe else "")
    )
    for _ in range(p["consumers"]):
        lab.consumer(kit.ConsumerKnobs(max_messages=10, swallow_errors=unsafe), retries=attempts)
    # The producer keeps its retries in both modes: the negative control is the consumers'
    # (a producer refused on its first call would leave nothing to judge).
    lab.producer(kit.ProducerKnobs(n=p["messages"]), retries=p["attempts"])
    lab.settle()


SCENARIO = kit.Scenario(
    name="api-faults",
    topic=kit.Topic.ENDPOINT,
    category=kit.Category.FAST,
    summary="Throttling and 5xx on every call: SDK retries and careful handling lose nothing.",
    demonstrates=(
        "On AWS every call can be throttled (RequestThrottled, ThrottlingException) or fail "
        "with a 500/503. botocore's standard retry mode (AWS_MAX_ATTEMPTS, no hand-written "
        "loop) absorbs nearly all of it; a call that still fails leaves the message for a "
        "retry: not deleted, the claim given back. Nothing is lost, no side effect doubles."
    ),
    # Ten receives: a call retried through a run of faults can outlast a few visibility
    # timeouts while another consumer keeps finding its claim in progress.
    resources=kit.ResourceSet(max_receive_count=10),
    method=method,
    relies_on=("redelivery-after-visibility-timeout",),
    faults=FAULTS,
    intolerance="it sets its own endpoint faults",
    params={
        # 60: the negative control loses about one message in ten (a refused side effect with
        # the retries off); with 30 a run now and then lost none (1-4 in the others).
        "messages": kit.messages(60),
        "consumers": kit.consumers(2),
        "attempts": kit.Param(
            8, "AWS_MAX_ATTEMPTS for every process (botocore standard mode)", min=1
        ),
    },
    settle_seconds=40.0,
    preconditions=(kit.Expect("faults_injected", ">=", 1),),
    expectations=kit.EXACTLY_ONCE,
    unsafe=(
        "the consumers' retries off (AWS_MAX_ATTEMPTS=1) and a failed side effect swallowed "
        "(taken as done)"
    ),
    # Without retries a failed call either loses the message (a swallowed side-effect error,
    # then the delete) or strands it (a claim left INPROGRESS: every later receive skips it
    # until it dead-letters); which one a run shows is chance, that some message never got
    # its side effect is not.
    unsafe_shows=(kit.Expect("delivered", "<", "acknowledged"),),
    typical_seconds=15,
    black_box=kit.BLACK_BOX,
)
