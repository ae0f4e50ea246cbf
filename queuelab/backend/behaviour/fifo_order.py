"""Which messages a FIFO receive returns, and in what order, as SQS picks them.

- A group's messages come in order, and a message is only handed out once every earlier
  message of its group is visible (ReceiveMessage API; "FIFO queue message ordering"): a
  receive takes, from each group, the run of visible messages at its head, and stops at the
  first that is not (in flight, or extended by ChangeMessageVisibility). So a group whose
  first message came back (its visibility expired, or was set to 0) is available again even
  while later ones are still in flight; the later ones wait.
- A group's messages come together in the batch: g1-m1, g1-m2, g1-m3, then g2-m1, not the
  order they were sent in (AWS, recorded by LocalStack's AWS-validated
  test_fifo_receive_message_group_id_ordering).
- Groups are served in the order their first message became available: sent (or out of its
  delay), or visible again after a lease ended, or released by a receive with a visibility
  timeout of 0. A group that was just served so goes behind those that waited (AWS, recorded
  by test_fifo_receive_message_visibility_timeout_shared_in_group,
  test_fifo_receive_message_with_zero_visibility_timeout,
  test_fifo_message_group_visibility_after_terminate_visibility_timeout and
  test_fifo_message_group_visibility_after_delete).

moto instead walks the queue in send order and skips every group with any message in flight
(so a group whose first message is visible again stays blocked by a later one).

A FIFO receive looks at every message of the queue (O(depth)); the lab's FIFO queues are
small. Standard queues keep moto's receive (``speed.store`` stops it once it has enough).
"""

from __future__ import annotations

import copy
from typing import Any

from queuelab.backend.speed import store

READY_SINCE = "_queuelab_ready_since"  # set when a receive with visibility 0 lets it go


def _ready(message: Any, now: float) -> bool:
    return bool(now > message.visible_at and now >= message.delayed_until)


def ready_since(message: Any) -> float:
    """When the message last became available (epoch ms)."""
    return max(
        float(message.sent_timestamp or 0),
        float(message.delayed_until),
        float(message.visible_at),
        float(getattr(message, READY_SINCE, 0.0)),
    )


def runs(queue: Any, now: float) -> list[list[Any]]:
    """Each group's run of available messages at its head, groups in serving order."""
    groups: dict[str, list[Any]] = {}
    blocked: set[str] = set()
    for message in queue._messages.iter_live():  # send order
        group = message.group_id
        if group in blocked:
            continue
        if _ready(message, now):
            groups.setdefault(group, []).append(message)
        else:
            blocked.add(group)  # the rest of this group waits for this message
    found = list(groups.values())
    found.sort(key=lambda run: ready_since(run[0]))  # stable: ties in send order
    return found


def _to_dead_letter(queue: Any, message: Any) -> bool:
    policy = queue.redrive_policy
    return bool(
        queue.dead_letter_queue is not None
        and policy
        and message.approximate_receive_count >= policy["maxReceiveCount"]
    )


def receive(
    queue: Any,
    count: int,
    visibility_timeout: int,
    names: list[str] | None,
    filter_attributes: Any,
) -> list[Any]:
    """One pass of a FIFO receive (no waiting): up to ``count`` messages, marked received,
    as copies filtered to ``names``; messages past the redrive policy's maxReceiveCount go
    to the dead-letter queue instead, as moto's receive moves them."""
    now = store.now_ms()
    result: list[Any] = []
    moved: list[Any] = []
    for run in runs(queue, now):
        for message in run:
            if len(result) >= count:
                break
            if _to_dead_letter(queue, message):
                moved.append(message)
                continue
            queue.pending_messages.add(message)
            message.mark_received(visibility_timeout=visibility_timeout)
            if not visibility_timeout:
                setattr(message, READY_SINCE, store.now_ms())
            found = copy.deepcopy(message)
            filter_attributes(found, names or [])
            result.append(found)
        if len(result) >= count:
            break
    for message in moved:
        queue._messages.remove(message)
        queue.dead_letter_queue.add_message(message)
    return result
