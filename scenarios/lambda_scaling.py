"""lambda-scaling: a backlog drains as the event source mapping's concurrency ramps up, never
faster than the documented ramp."""

from __future__ import annotations

from queuelab.esm import scaling
from scenarios import kit
from scenarios.shared import lambda_

CAP = 10  # MaximumConcurrency: how far the ramp may go here (a process per environment)
FUNCTION = lambda_.Lambda(lambda_.CORRECT, timeout=3, batch_size=1, maximum_concurrency=CAP)


class Ramp(lambda_.Invoked):
    peak_concurrency = kit.metric("the most invocations in progress at once")
    above_ramp = kit.metric(
        "the most invocations in progress beyond the documented ramp at that moment (5 to "
        "start, up to 300 more a minute)"
    )
    seconds_to_peak = kit.metric("from the mapping's first poll to the peak")
    drain_seconds = kit.metric("from the mapping's first poll to the last invocation's end")


def allowed(seconds: float) -> float:
    """(pure) The documented ramp: concurrent batches ``seconds`` after the mapping began
    to poll (5 to start, up to 300 more a minute)."""
    return scaling.START + scaling.PER_MINUTE * seconds / 60


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    work = {"WORK_SECONDS": str(p["work_seconds"])}
    lab.note(f"a backlog of {p['messages']}; the mapping starts at 5 batches, capped at {CAP}")
    lambda_.deploy(lab, FUNCTION.but(environment=work))
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    series = lambda_.concurrency(run.history)
    polls = [op.time for op in run.history if op.f == kit.Fn.RECEIVE and op.type == kit.INVOKE]
    if not series or not polls:
        return lambda_.invoked(run.history)
    start = min(polls)
    peak = max(n for _, n in series)
    return lambda_.invoked(run.history) | {
        Ramp.peak_concurrency: peak,
        Ramp.above_ramp: round(max(max(0.0, n - allowed(t - start)) for t, n in series), 2),
        Ramp.seconds_to_peak: round(next(t for t, n in series if n == peak) - start, 2),
        Ramp.drain_seconds: round(series[-1][0] - start, 2),
    }


SCENARIO = kit.Scenario(
    name="lambda-scaling",
    topic=kit.Topic.LOAD,
    category=kit.Category.SLOW,
    summary="A backlog drains as the mapping's concurrency ramps: 5 batches to start, up to "
    "300 more a minute, within MaximumConcurrency.",
    demonstrates=(
        'services-sqs-scaling.html: "Lambda starts processing five batches at a time with '
        "five concurrent invocations of your function. If messages are still available, "
        "Lambda increases the number of processes that are reading batches by up to 300 more "
        'instances per minute." A backlog therefore drains slowly at first; the metrics give '
        "the concurrency's peak, how soon it came and how far it ever went beyond the "
        "documented ramp (never), capped by MaximumConcurrency. A diagnostic: there is no "
        "safeguard to turn off."
    ),
    resources=kit.ResourceSet(visibility_timeout=10),
    method=method,
    metrics=Ramp,
    measure=measure,
    params={
        "messages": kit.messages(120),
        "work_seconds": kit.Param(0.5, "the downstream's latency per message", max=2),
    },
    settle_seconds=90,
    preconditions=(kit.Expect(Ramp.invocations, ">=", 1),),
    applies=(lambda_.NOT_A_FUNCTION,),
    expectations=(
        *kit.EXACTLY_ONCE,
        kit.Expect(Ramp.above_ramp, "==", 0),
        kit.Expect(Ramp.peak_concurrency, ">", scaling.START),
    ),
    unsafe="none: a diagnostic of how the mapping scales (no safeguard to turn off)",
    unsafe_shows=(),
    typical_seconds=40,
    alone=True,
    black_box=kit.not_black_box(
        "the function's work time is the lab's downstream stand-in, called by its own handler"
    ),
)
