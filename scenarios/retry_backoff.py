"""retry-backoff: a downstream outage; retries back off with full jitter and outlast it."""

from __future__ import annotations

from collections import defaultdict

from scenarios import kit

RATE_WINDOW_SECONDS = 1.0  # the downstream's call rate is counted per second


class Retries(kit.Metrics):
    outage_calls = kit.metric("side-effect calls the downstream failed")
    outage_call_rate = kit.metric("those per second of the outage")
    peak_call_rate = kit.metric("the most side-effect calls in one second")
    retried_messages = kit.metric("messages received again after a failed side effect")
    first_retry_delay_s = kit.metric(
        "the mean time from a message's first failed side effect to its next receive"
    )
    last_retry_delay_s = kit.metric(
        "the same for its last failure (a backoff: random, but the ceiling doubles; letting "
        "the visibility timeout run: about the timeout each time)"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    visibility = lab.resources.visibility_timeout
    outage = p["outage_factor"] * visibility
    lab.note(f"the downstream is down for {outage:g} s from the consumer's first call")
    for _ in range(p["consumers"]):
        lab.consumer(
            kit.ConsumerKnobs(
                max_messages=10,
                downstream_outage_seconds=outage,
                retry_mode="immediate" if unsafe else "backoff",
                retry_base_seconds=p["base_factor"] * visibility,
                retry_cap_seconds=p["cap_factor"] * visibility,
            )
        )
    lab.producer(kit.ProducerKnobs(n=p["messages"]))
    lab.settle()
    for line in retry_timelines(lab.history()):
        lab.note(line)


def retry_timelines(history: list[kit.Op]) -> list[str]:
    """Each message's attempts, from its first: when, and the visibility each retry asked
    for (our consumer's backoff gives its ceiling too; any consumer's ChangeMessageVisibility
    above 0 is one, as the endpoint saw it)."""
    attempts: dict[str, list[float]] = defaultdict(list)
    delays: dict[str, list[str]] = defaultdict(list)
    for op in history:
        if op.key and op.f == kit.Fn.SIDE_EFFECT and op.type == kit.INVOKE:
            attempts[op.key].append(op.time)
        if op.key and op.f == kit.Fn.RETRY and op.type == kit.INVOKE:
            delays[op.key].append(f"{op.value.get('delay')}/{op.value.get('ceiling'):g}")
        if op.key and op.f == kit.Fn.VISIBILITY and op.type == kit.INVOKE:
            delays[op.key].append(str(op.value.get("visibility")))
    lines = []
    for key, times in attempts.items():
        at = ", ".join(f"+{t - times[0]:.1f}" for t in times)
        asked = ", ".join(delays[key]) or "none"
        lines.append(f"{key[:8]}: attempts at {at} s; visibility asked (s): {asked}")
    return lines


def retries(history: list[kit.Op]) -> dict[str, list[float]]:
    """(pure) Per message, for each failed side effect followed by another receive of it: the
    seconds from the failure to that receive (the timing of the next attempt, whatever made
    it come: a backoff, the visibility timeout, a release)."""
    failed_at: dict[str, float] = {}
    gaps: dict[str, list[float]] = defaultdict(list)
    for op in history:
        if op.key and op.f == kit.Fn.SIDE_EFFECT and op.type == kit.FAIL:
            failed_at.setdefault(op.key, op.time)
        elif op.f == kit.Fn.RECEIVE and op.type == kit.OK:
            for message in op.value.get("messages", []):
                if message["key"] in failed_at:
                    gaps[message["key"]].append(op.time - failed_at.pop(message["key"]))
    return gaps


def peak_rate(times: list[float], window: float) -> float:
    """The most calls inside any ``window`` seconds, per second."""
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most / window


def measure(run: kit.Measured) -> dict[str, float]:
    outage = run.params["outage_factor"] * run.visibility_timeout
    calls = [op for op in run.history if op.f == kit.Fn.SIDE_EFFECT]
    failed = sum(1 for op in calls if op.type == kit.FAIL)
    invoked = sorted(op.time for op in calls if op.type == kit.INVOKE)
    gaps = retries(run.history)
    firsts = [delays[0] for delays in gaps.values()]
    lasts = [delays[-1] for delays in gaps.values()]
    return {
        Retries.outage_calls: failed,
        Retries.outage_call_rate: round(failed / outage, 1) if outage else 0.0,
        Retries.peak_call_rate: peak_rate(invoked, RATE_WINDOW_SECONDS),
        Retries.retried_messages: len(gaps),
        Retries.first_retry_delay_s: round(sum(firsts) / len(firsts), 2) if firsts else 0.0,
        Retries.last_retry_delay_s: round(sum(lasts) / len(lasts), 2) if lasts else 0.0,
    }


SCENARIO = kit.Scenario(
    name="retry-backoff",
    topic=kit.Topic.CONSUMER,
    category=kit.Category.FAST,
    summary="A downstream outage: retries back off with full jitter and outlast it.",
    demonstrates=(
        "A downstream that fails every call for a few seconds, then recovers (for a consumer "
        "the lab did not write: the side-effect endpoint answers 503 from its first request "
        "on). The consumer does not delete a failed message and sets its visibility "
        "(ChangeMessageVisibility) to an exponential backoff with full jitter computed from "
        "ApproximateReceiveCount: retries thin out while the downstream is down, and every "
        "message succeeds once it is back; none is dead-lettered. The verdict reads what "
        "any consumer does: the side-effect calls, and when each failed message was received "
        "again (letting the visibility timeout run outlasts this outage too). The journal's "
        "notes list each message's attempts and the visibility asked for. Retrying at once "
        "instead hammers the downstream (compare outage_call_rate and peak_call_rate) and "
        "exhausts maxReceiveCount while it is still down, so messages that would have "
        "succeeded seconds later end in the DLQ."
    ),
    limits=(
        "SQS visibility is whole seconds: a jittered delay is rounded up, so no retry is "
        "immediate (the shortest is 1 s). So with maxReceiveCount 4 a message's fourth "
        "attempt comes at least 3 s after its first: the 3 s outage is outlasted by "
        "construction, whatever the jitter draws, while immediate retries make four attempts "
        "within about a second. The outage is timed by each consumer from its own first call."
    ),
    resources=kit.ResourceSet(max_receive_count=4),
    method=method,
    metrics=Retries,
    measure=measure,
    params={
        "messages": kit.messages(4),
        "consumers": kit.consumers(1),
        "outage_factor": kit.Param(1.5, "outage length, in visibility timeouts", min=0.1),
        "base_factor": kit.Param(
            1.0, "backoff: first retry's ceiling, in visibility timeouts", min=0.1
        ),
        "cap_factor": kit.Param(1.5, "backoff: the longest delay, in visibility timeouts", min=0.1),
    },
    preconditions=(
        kit.Expect(Retries.outage_calls, ">=", 1),
        kit.Expect(Retries.retried_messages, ">=", 1),
    ),
    expectations=kit.EXACTLY_ONCE,
    unsafe="backoff: failed messages are released at once (immediate retries)",
    unsafe_shows=(kit.Expect("dead_lettered", ">=", 1),),
    typical_seconds=7,
    black_box=kit.BLACK_BOX,
)
