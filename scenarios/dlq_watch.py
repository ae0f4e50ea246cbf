"""dlq-watch ("all quiet on the DLQ front"): messages dead-letter silently in most systems;
the lab's DLQ watcher raises an alert, within a bound, naming the message and its last error."""

from __future__ import annotations

import contextlib

from queuelab.run.dlq_watch import NO_ERROR, DlqWatcher
from scenarios import kit


class Watch(kit.Metrics):
    dlq_alerts = kit.metric("alerts the watcher raised, one per dead letter")
    undetected_dead_letters = kit.metric("messages in the DLQ nobody was alerted to")
    alert_delay_s = kit.metric(
        "the latest alert, after the earliest moment its message can have landed"
    )
    alert_bound_s = kit.metric("alert_within: an alert must come this soon after a landing")
    alerts_without_error = kit.metric("alerts that could not name the message's last error")


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    watching = contextlib.nullcontext() if unsafe else DlqWatcher(lab, p["watch_interval"])
    with watching:
        lab.consumer(kit.ConsumerKnobs(max_messages=10, reject_payload_marker=kit.POISON_MARKER))
        lab.producer(kit.ProducerKnobs(n=p["messages"], poison_count=p["poison"]))
        lab.settle()
        lab.pause(p["watch_interval"] * 2)  # the last landing gets its look


def receive_calls(history: list[kit.Op]) -> list[tuple[float, float]]:
    """(pure) Each receive call's start and end (a process makes one at a time)."""
    started: dict[str, float] = {}
    calls = []
    for op in history:
        if op.f != kit.Fn.RECEIVE:
            continue
        if op.type == kit.INVOKE:
            started[op.process] = op.time
        elif op.process in started:
            calls.append((started.pop(op.process), op.time))
    return calls


def earliest_landing(expiry: float, calls: list[tuple[float, float]]) -> float:
    """(pure) A message is moved to the DLQ by a receive made after its last visibility
    timeout expired (SQS and moto alike): not before ``expiry``, nor before the first
    receive call still running or started then. A consumer slow to poll again delays the
    landing, not the alert."""
    starts = [start for start, end in calls if end >= expiry]
    return max(expiry, min(starts, default=expiry))


def measure_alerts(
    history: list[kit.Op], dead: set[str], visibility_timeout: float
) -> dict[str, float]:
    """(pure) Dead letters nobody was alerted to, and how late the alerts came after the
    earliest moment each message can have landed."""
    alerts = {op.key: op for op in history if op.f == kit.Fn.ALERT and op.type == kit.OK and op.key}
    last_receive: dict[str, float] = {}
    for op in history:
        if op.f == kit.Fn.RECEIVE and op.type == kit.OK:
            for message in op.value.get("messages", []):
                last_receive[message["key"]] = op.time
    calls = receive_calls(history)
    delays = [
        max(0.0, alert.time - earliest_landing(last_receive[key] + visibility_timeout, calls))
        for key, alert in alerts.items()
        if key in last_receive
    ]
    unnamed = [a for a in alerts.values() if a.value.get("error") in (None, NO_ERROR)]
    return {
        Watch.dlq_alerts: len(alerts),
        Watch.undetected_dead_letters: len(dead - set(alerts)),
        Watch.alert_delay_s: round(max(delays, default=0.0), 2),
        Watch.alerts_without_error: len(unnamed),
    }


def measure(run: kit.Measured) -> dict[str, float]:
    bound = {Watch.alert_bound_s: run.params["alert_within"]}
    dead = set(run.observation.dlq)
    return bound | measure_alerts(run.history, dead, run.visibility_timeout)


SCENARIO = kit.Scenario(
    name="dlq-watch",
    topic=kit.Topic.OPERATIONS,
    category=kit.Category.FAST,
    summary="All quiet on the DLQ front: a watcher alerts within a bound when a message "
    "dead-letters, naming it and its last error.",
    demonstrates=(
        "A message that keeps failing is moved to the DLQ after maxReceiveCount receives, and "
        "in most systems nobody notices. The lab's DLQ watcher reads the DLQ's depth every "
        "fraction of a second; when a message lands it raises an alert (a journal line, a "
        "metric) within a bound, with the message's id and the last error recorded for it. "
        "In production: a CloudWatch alarm on the DLQ's ApproximateNumberOfMessagesVisible."
    ),
    relies_on=("dlq-after-max-receives",),
    method=method,
    metrics=Watch,
    measure=measure,
    params={
        "messages": kit.messages(8),
        "poison": kit.Param(2, "of which poison (the consumer rejects them)", min=1),
        "watch_interval": kit.Param(
            0.25, "how often the watcher reads the DLQ's depth (s)", min=0.05
        ),
        "alert_within": kit.Param(2.0, "an alert must come this soon after a landing (s)"),
    },
    preconditions=(kit.Expect("dead_lettered", ">=", 1),),
    expectations=(
        *kit.POISON_HANDLED,
        kit.Expect(Watch.undetected_dead_letters, "==", 0),
        kit.Expect(Watch.alert_delay_s, "<=", Watch.alert_bound_s),
        kit.Expect(Watch.alerts_without_error, "==", 0),
    ),
    unsafe="the DLQ watcher",
    unsafe_shows=(kit.Expect(Watch.undetected_dead_letters, ">=", 1),),
    typical_seconds=6,
    black_box=kit.not_black_box(
        "it judges the lab's DLQ watcher (an alert within a bound, naming each dead letter and "
        "the last error recorded for it), not the consumer, which only feeds the DLQ (poison "
        "judges that black-box); and the error an alert names is one our consumer writes in "
        "its history, which a consumer the lab did not write has no way to give"
    ),
)
