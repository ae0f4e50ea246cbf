"""fifo-poison-group: poison at the head of one FIFO group blocks that group only."""

from __future__ import annotations

from collections import defaultdict

from scenarios import kit
from scenarios.shared.measures import PoisonSeen, poison_received


class Group(PoisonSeen):
    order_violations = kit.metric(
        "messages done while an earlier message of their group was still to be received again "
        "(it came back after its successor)"
    )
    group_blocked_s = kit.metric(
        "from the poison's first receive to the first success of a later message of its group"
    )
    flowed_while_blocked = kit.metric("other groups' successes meanwhile")
    followers_in_batch = kit.metric(
        "receives that returned the poison with later messages of its group behind it"
    )


def method(lab: kit.Lab, p: kit.Params, unsafe: bool) -> None:
    # Send first (group g0 starts with a poison message), then start one consumer: its
    # first receive is a full batch with several messages of every group.
    lab.producer(
        kit.ProducerKnobs(n=p["groups"] * p["per_group"], groups=p["groups"], poison_first=1)
    )
    lab.consumer(
        kit.ConsumerKnobs(
            max_messages=10,
            reject_payload_marker=kit.POISON_MARKER,
            group_failure="carry-on" if unsafe else "skip-group",
        )
    )
    lab.settle()


def measure(run: kit.Measured) -> dict[str, float]:
    sent = {
        op.key: op.value
        for op in run.history
        if op.f == kit.Fn.SEND and op.type == kit.INVOKE and op.key is not None
    }
    group = {key: str((value.get("payload") or {}).get("group", "")) for key, value in sent.items()}
    order = {
        key: int((value.get("payload") or {}).get("sequence", 0)) for key, value in sent.items()
    }
    poison = {key for key, value in sent.items() if value.get("poison")}
    done: dict[str, float] = {}
    for op in run.history:
        if op.f == kit.Fn.SIDE_EFFECT and op.type == kit.OK and op.key:
            done.setdefault(op.key, op.time)
    received: dict[str, list[float]] = defaultdict(list)
    for op, message in kit.receives(run.history):
        received[message["key"]].append(op.time)
    metrics: dict[str, float] = {
        Group.order_violations: violations(group, order, done, received),
        Group.followers_in_batch: followers_in_batch(run.history, group, poison),
        Group.poison_received: poison_received(run.history),
    }
    for head in sorted(poison, key=lambda k: order[k])[:1]:
        blocked_from = min(received.get(head, [float("inf")]))
        later = [done[k] for k in done if group.get(k) == group[head] and order[k] > order[head]]
        if later and blocked_from < min(later):
            unblocked = min(later)
            metrics[Group.group_blocked_s] = round(unblocked - blocked_from, 2)
            metrics[Group.flowed_while_blocked] = sum(
                1 for k, t in done.items() if group.get(k) != group[head]
                and blocked_from < t < unblocked
            )  # fmt: skip
    return metrics


def violations(
    group: dict[str, str],
    order: dict[str, int],
    done: dict[str, float],
    received: dict[str, list[float]],
) -> int:
    """Messages done before an earlier message of their group was received for the last time."""
    count = 0
    for key, at in done.items():
        earlier = [
            k for k in group if group[k] == group[key] and order[k] < order[key] and k != key
        ]
        count += any(max(received.get(k, [0.0])) > at for k in earlier)
    return count


def followers_in_batch(history: list[kit.Op], group: dict[str, str], poison: set[str]) -> int:
    count = 0
    for op in history:
        if op.f != kit.Fn.RECEIVE or op.type != kit.OK:
            continue
        keys = [m["key"] for m in op.value.get("messages", [])]
        for i, key in enumerate(keys):
            if key in poison and any(group.get(k) == group[key] for k in keys[i + 1 :]):
                count += 1
    return count


SCENARIO = kit.Scenario(
    name="fifo-poison-group",
    topic=kit.Topic.POISON,
    category=kit.Category.FAST,
    summary="FIFO: poison at a group's head blocks that group until it dead-letters; others flow.",
    demonstrates=(
        "A FIFO queue, several message groups, a poison message at the head of one. SQS "
        "keeps that group blocked while the poison is in flight, until it reaches the DLQ "
        "after maxReceiveCount; the other groups keep flowing (group_blocked_s, "
        "flowed_while_blocked). A receive returns several messages of a group in order, so "
        "within a batch the consumer stops a group at its first failure and releases that "
        "group's later messages untouched (Powertools' skip_group_on_error): they come back "
        "after the poison, in order. They come back with it every time, so they are received "
        "as often as it is: on the poison's last attempt (receive count at maxReceiveCount) "
        "the group goes on, or they would follow it to the DLQ. Carrying on past the failed "
        "message processes its successors first: order violations within the group."
    ),
    resources=kit.ResourceSet(fifo=True),
    method=method,
    metrics=Group,
    measure=measure,
    params={
        "groups": kit.Param(3, "message groups; the first message of group g0 is poison", min=2),
        "per_group": kit.Param(4, "messages per group", min=2),
    },
    preconditions=(
        kit.Expect(Group.followers_in_batch, ">=", 1),
        kit.Expect(Group.poison_received, ">=", 1),
    ),
    applies=(kit.BATCHES,),
    expectations=(
        *kit.POISON_HANDLED,
        kit.Expect(Group.order_violations, "==", 0),
        kit.Expect(Group.flowed_while_blocked, ">=", 1),
    ),
    unsafe="skip-group: the consumer carries on past the failed message",
    unsafe_shows=(kit.Expect(Group.order_violations, ">=", 1),),
    typical_seconds=7,
    black_box=kit.BLACK_BOX,
)
