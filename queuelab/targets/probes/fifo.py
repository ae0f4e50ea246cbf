"""Probes of FIFO queues: group order, deduplication, sequence numbers, retried receives,
expired receipt handles."""

from __future__ import annotations

import time

from queuelab.targets.probes.scratch import Observations, Observed, Scratch, bodies, refusal


def fifo_group(s: Scratch) -> Observations:
    url, _ = s.queue("group", fifo=True, VisibilityTimeout="30")
    for body in ("a0", "a1"):
        s.send(url, body, MessageGroupId="a", MessageDeduplicationId=body)
    first = s.receive(url, wait=0, MaxNumberOfMessages=1)
    blocked = s.receive(url)
    ok = bodies(first) == ["a0"] and not blocked
    seen = f"first {bodies(first)}, then {bodies(blocked) or 'nothing'} while a0 was in flight"
    return {"fifo-group-blocked-in-flight": Observed(ok, seen)}


def fifo_dedup(s: Scratch) -> Observations:
    url, _ = s.queue("dedup", fifo=True)
    first = s.send(url, "one", MessageGroupId="g", MessageDeduplicationId="d1")
    again = s.send(url, "two", MessageGroupId="g", MessageDeduplicationId="d1")
    delivered = s.receive(url)
    s.delete(url, delivered)
    s.send(url, "three", MessageGroupId="g", MessageDeduplicationId="d1")
    later = s.receive(url)
    same_id = again["MessageId"] == first["MessageId"]
    return {
        "fifo-dedup-drops-duplicate": Observed(
            bodies(delivered) == ["one"], f"delivered {bodies(delivered)}"
        ),
        "fifo-dedup-answers-original-id": Observed(
            same_id, "the same MessageId" if same_id else "a new MessageId"
        ),
        "fifo-dedup-after-delete": Observed(
            not later, f"resend after the delete delivered: {bodies(later) or 'nothing'}"
        ),
    }


def fifo_scope(s: Scratch) -> Observations:
    attributes = {"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    url, _ = s.queue("scope", fifo=True, **attributes)
    for body, group in (("one", "g1"), ("two", "g2"), ("three", "g1")):
        s.send(url, body, MessageGroupId=group, MessageDeduplicationId="d1")
    delivered = sorted(bodies(s.receive(url)))
    ok = delivered == ["one", "two"]
    return {"fifo-dedup-scope-message-group": Observed(ok, f"delivered {delivered}")}


def fifo_content(s: Scratch) -> Observations:
    url, _ = s.queue("content", fifo=True, ContentBasedDeduplication="true")
    sent = [s.send(url, body, MessageGroupId="g") for body in ("a", "b", "a")]
    numbers = [answer.get("SequenceNumber") for answer in sent[:2]]
    delivered = bodies(s.receive(url))
    increasing = all(numbers) and int(str(numbers[0])) < int(str(numbers[1]))
    return {
        "fifo-content-based-dedup": Observed(delivered == ["a", "b"], f"delivered {delivered}"),
        "fifo-sequence-number": Observed(
            bool(increasing), f"SequenceNumbers {numbers}" if all(numbers) else "missing"
        ),
    }


def fifo_window(s: Scratch, after_seconds: float) -> Observations:
    url, _ = s.queue("window", fifo=True)
    s.send(url, "one", MessageGroupId="g", MessageDeduplicationId="d1")
    s.delete(url, s.receive(url))
    time.sleep(after_seconds)
    s.send(url, "two", MessageGroupId="g", MessageDeduplicationId="d1")
    later = s.receive(url)
    seen = f"a resend {after_seconds:g} s later was " + ("delivered" if later else "a duplicate")
    return {"fifo-dedup-window": Observed(not later, seen)}


def fifo_attempt(s: Scratch) -> Observations:
    url, _ = s.queue("attempt", fifo=True, VisibilityTimeout="30")
    for group in ("g1", "g2"):
        s.send(url, group, MessageGroupId=group, MessageDeduplicationId=group)
    first = s.receive(url, wait=0, ReceiveRequestAttemptId="attempt-1")
    retry = s.receive(url, wait=0, ReceiveRequestAttemptId="attempt-1")
    handles = [m["ReceiptHandle"] for m in first]
    ok = bool(first) and handles == [m["ReceiptHandle"] for m in retry]
    seen = f"first {bodies(first)}, the retry {bodies(retry) or 'nothing'}"
    if ok:
        seen += " with the same receipt handles"
    return {"fifo-receive-attempt-id": Observed(ok, seen)}


def fifo_expired(s: Scratch) -> Observations:
    url, _ = s.queue("expired", fifo=True, VisibilityTimeout="1")
    for group in ("g1", "g2"):
        s.send(url, group, MessageGroupId=group, MessageDeduplicationId=group)
    held = s.receive(url, wait=0)
    by_body = {m["Body"]: m["ReceiptHandle"] for m in held}
    time.sleep(1.5)
    deleted = refusal(lambda: s.sqs.delete_message(QueueUrl=url, ReceiptHandle=by_body["g1"]))
    changed = refusal(
        lambda: s.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=by_body["g2"], VisibilityTimeout=10
        )
    )
    back = bodies(s.receive(url, wait=2))
    return {
        "fifo-expired-handle-delete-refused": Observed(
            bool(deleted) and "g1" in back,
            f"delete {'refused: ' + deleted if deleted else 'accepted'}; "
            f"the message came back: {'g1' in back}",
        ),
        "fifo-expired-handle-visibility-refused": Observed(
            bool(changed), f"refused: {changed}" if changed else "accepted"
        ),
    }
