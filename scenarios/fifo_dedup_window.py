"""fifo-dedup-window: a restarted producer replays its outbox into a FIFO queue; the
deduplication window keeps the replay from being delivered again, until the window ends."""

from __future__ import annotations

import time

from scenarios import kit

PRODUCER, RESTARTED = "producer", "producer-restarted"
AWS_WINDOW_SECONDS = 300.0


class Window(kit.Metrics):
    dedup_window_s = kit.metric("the target's deduplication window")
    resent_in_window = kit.metric(
        "messages sent again inside the window, after their first copy was deleted"
    )
    redelivered_in_window = kit.metric("of those, messages a consumer received again")
    resent_after_window = kit.metric("messages sent again after the window ended")
    redelivered_after_window = kit.metric("of those, messages a consumer received again")
    window_end_shown = kit.metric("1 when the run waited out the window and resent after it")


def measure_window(history: list[kit.Op], window: float) -> dict[str, float]:
    """Per message (pure): its sends after the first one, inside the window (and after the
    first copy was deleted) or after it, and whether a consumer received it again after such
    a send."""
    first_sent: dict[str, float] = {}
    deleted: dict[str, float] = {}
    later: dict[str, list[float]] = {}  # key -> invoke times of its sends after the first
    received: dict[str, list[float]] = {}
    for op in history:
        if op.f == kit.Fn.SEND and op.key:
            if op.type == kit.OK:
                first_sent.setdefault(op.key, op.time)
            elif op.type == kit.INVOKE and op.key in first_sent:
                later.setdefault(op.key, []).append(op.time)
        elif op.f == kit.Fn.DELETE and op.type == kit.OK and op.key:
            deleted.setdefault(op.key, op.time)
        elif op.f == kit.Fn.RECEIVE and op.type == kit.OK:
            for message in op.value.get("messages", []):
                received.setdefault(message["key"], []).append(op.time)
    inside: dict[str, float] = {}  # key -> its first resend inside the window, after a delete
    outside: dict[str, float] = {}  # key -> its first resend after the window
    for key, times in later.items():
        end = first_sent[key] + window
        for at in times:
            if key in deleted and deleted[key] < at < end:
                inside.setdefault(key, at)
            elif at >= end:
                outside.setdefault(key, at)

    def received_again(key: str, start: float, stop: float) -> bool:
        return any(start <= at < stop for at in received.get(key, []))

    forever = float("inf")
    return {
        Window.dedup_window_s: window,
        Window.resent_in_window: len(inside),
        Window.redelivered_in_window: sum(
            received_again(key, at, outside.get(key, forever)) for key, at in inside.items()
        ),
        Window.resent_after_window: len(outside),
        Window.redelivered_after_window: sum(
            received_again(key, at, forever) for key, at in outside.items()
        ),
        Window.window_end_shown: int(bool(outside)),
    }


def _polling(lab: kit.Lab, count: int) -> bool:
    """``count`` consumers have asked for messages."""
    history = lab.history()
    polls = {op.process for op in history if op.f == kit.Fn.RECEIVE and op.type == kit.INVOKE}
    return len(polls) >= count


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    content = p["dedup_by"] == "content"
    window = lab.dedup_window_seconds()
    if window != AWS_WINDOW_SECONDS:
        lab.note(
            f"the deduplication window is {window:g} s (embedded backend setting "
            f"dedup_window_seconds; AWS: {AWS_WINDOW_SECONDS:g} s)"
        )
    for _ in range(p["consumers"]):  # no idempotency: the queue's deduplication is on trial
        lab.consumer(kit.ConsumerKnobs(max_messages=10, idempotency="off"))
    lab.wait_for(lambda: _polling(lab, p["consumers"]), 60, "the consumers' first polls")
    # The producer sends, the consumers process and delete, then the producer, unsure what
    # arrived, sends everything again: inside the window, after the deletes.
    knobs = kit.ProducerKnobs(
        n=p["messages"],
        groups=p["groups"],
        content_dedup=content,
        resend_after_seconds=round(p["resend_at"] * window, 3),
    )
    if unsafe:  # retries that do not look like retries
        knobs = knobs.but(fresh_dedup_ids=not content, stamp_sent_at=content)
    lab.producer(knobs, PRODUCER, timeout=window + 60)
    lab.settle()

    sent = [op.time for op in lab.history() if op.process == PRODUCER and op.f == kit.Fn.SEND]
    window_end = min(sent, default=time.time()) + window
    if window <= p["max_window_wait"]:
        lab.wait_for(
            lambda: time.time() > window_end + 0.2, window + 5, "the deduplication window's end"
        )
        lab.note("the window has ended: the producer restarts and replays its outbox")
        outbox = lab.path(f"history/{PRODUCER}.jsonl")
        lab.producer(kit.ProducerKnobs(replay=outbox, content_dedup=content), RESTARTED)
        lab.settle()
    else:
        lab.note(
            f"the {window:g} s window is longer than max_window_wait ({p['max_window_wait']:g} "
            "s): its end is not shown (--set max_window_wait=... to wait it out)"
        )
    for name, value in measure_window(lab.history(), window).items():
        lab.metric(name, value)


SCENARIO = kit.Scenario(
    name="fifo-dedup-window",
    topic=kit.Topic.ORDERING,
    category=kit.Category.FAST,
    summary="A producer resends into a FIFO queue: nothing is delivered twice inside the "
    "deduplication window, even after deletes; after it, the same messages are new again.",
    demonstrates=(
        "A FIFO queue remembers each MessageDeduplicationId (or, with content-based "
        "deduplication, the body's SHA-256) for 5 minutes, also after the message was received "
        "and deleted: a producer that is unsure its sends arrived and sends everything again "
        "with the same ids is accepted and nothing is delivered twice. Once the window has "
        "passed, a restarted producer replaying its outbox is delivered again: the queue's "
        "deduplication covers retries, not every duplicate (the consumers here have no "
        "idempotency of their own, on purpose)."
    ),
    limits=(
        "the runner's embedded backend shortens the window to a few seconds "
        "(dedup_window_seconds, in the journal) so that its end can be shown; on AWS the "
        "window is 300 s and its end is shown only with --set max_window_wait=330. Stock moto "
        "forgets deleted messages: the run is then an error (fifo-dedup-after-delete)."
    ),
    resources=kit.ResourceSet(fifo=True, max_receive_count=4, content_based_dedup=True),
    relies_on=("fifo-dedup-drops-duplicate", "fifo-dedup-after-delete", "fifo-content-based-dedup"),
    method=method,
    metrics=Window,
    params={
        "messages": kit.messages(6, "messages the producer sends, then sends again"),
        "groups": kit.Param(2, "message groups", min=1),
        "consumers": kit.consumers(2, "consumers (without idempotency)"),
        "dedup_by": kit.Param(
            "id",
            "id: MessageDeduplicationId = the message id; content: content-based",
            choices=("id", "content"),
        ),
        "resend_at": kit.Param(
            0.6, "when the producer sends again, in deduplication windows", min=0.05, max=0.95
        ),
        "max_window_wait": kit.Param(30.0, "longest wait for the window's end (s)"),
    },
    settle_seconds=20.0,
    # The failure mode: messages sent again inside the window, after their first copy was
    # deleted (the window's end is shown when it is short enough to wait for).
    preconditions=(kit.Expect(Window.resent_in_window, ">=", 1),),
    expectations=(
        kit.Expect(Window.redelivered_in_window, "==", 0),
        kit.Expect(Window.redelivered_after_window, "==", Window.resent_after_window),
        kit.ALL_DELIVERED,
        kit.NOTHING_LOST,
        kit.NOTHING_UNEXPECTED,
        kit.QUEUE_EMPTY,
        kit.DRAINED,
        kit.DLQ_EMPTY,
    ),
    unsafe="stable deduplication ids (a new id per send; with dedup_by=content, a send time "
    "in the body)",
    unsafe_shows=(kit.Expect(Window.redelivered_in_window, ">=", 1),),
    typical_seconds=8,
    black_box=kit.not_black_box(
        "it judges the queue's deduplication window, not a consumer: the lab's own "
        "consumer only counts what the queue hands out"
    ),
)
