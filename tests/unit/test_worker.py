"""The worker's loop with a fake queue: retries, and message groups within a batch."""

from __future__ import annotations

import random
from typing import Any

from consumer.backoff import Backoff, Immediate
from consumer.groups import CarryOn, SkipFailedGroups
from consumer.message import Received
from consumer.worker import Worker
from queuelab.contract.history import History


def sqs_message(key: str, group: str | None = None, count: int = 1) -> dict[str, Any]:
    attributes = {"ApproximateReceiveCount": str(count), "SentTimestamp": "0"}
    if group:
        attributes["MessageGroupId"] = group
    return {
        "MessageId": f"id-{key}",
        "ReceiptHandle": f"rh-{key}",
        "Body": "{}",
        "Attributes": attributes,
        "MessageAttributes": {"queuelab-id": {"StringValue": key, "DataType": "String"}},
    }


class FakeSqs:
    """Hands out one batch, then stops the worker at its next receive; records what the
    worker asks."""

    def __init__(self, batch: list[dict[str, Any]]) -> None:
        self.batch = batch
        self.worker: Worker | None = None
        self.visibility: list[tuple[str, int]] = []
        self.deleted: list[str] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        assert self.worker is not None
        if not self.batch:
            self.worker.stop()
        batch, self.batch = self.batch, []
        return {"Messages": batch}

    def change_message_visibility(
        self, ReceiptHandle: str, VisibilityTimeout: int, **_: Any
    ) -> None:
        self.visibility.append((ReceiptHandle.removeprefix("rh-"), VisibilityTimeout))

    def delete_message(self, ReceiptHandle: str, **_: Any) -> None:
        self.deleted.append(ReceiptHandle.removeprefix("rh-"))


class Handler:
    """Fails the keys it is told to; records the order it handled messages in."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.handled: list[str] = []

    def handle(self, message: Received) -> bool:
        self.handled.append(message.key)
        return message.key not in self.failing


def run(batch: list[dict[str, Any]], failing: set[str], **parts: Any) -> tuple[FakeSqs, Handler]:
    sqs, handler = FakeSqs(batch), Handler(failing)
    worker = Worker(sqs, "q.fifo", handler, History(None, "c"), **parts)  # type: ignore[arg-type]
    sqs.worker = worker
    worker.run()
    return sqs, handler


def test_a_failed_message_is_given_a_backoff_delay_from_its_receive_count() -> None:
    sqs, _ = run([sqs_message("a", count=3)], {"a"}, retry=Backoff(2, 60, random.Random(0)))
    [(key, delay)] = sqs.visibility
    assert key == "a" and 1 <= delay <= 8  # ceiling 2 * 2 ** (3 - 1)
    assert sqs.deleted == []


def test_immediate_retries_release_a_failed_message_at_once() -> None:
    sqs, _ = run([sqs_message("a")], {"a"}, retry=Immediate())
    assert sqs.visibility == [("a", 0)]


def test_by_default_a_failed_message_waits_for_its_visibility_timeout() -> None:
    sqs, _ = run([sqs_message("a")], {"a"})
    assert sqs.visibility == [] and sqs.deleted == []


FIFO_BATCH = [
    sqs_message("g0-1", "g0"),
    sqs_message("g1-1", "g1"),
    sqs_message("g0-2", "g0"),
    sqs_message("g1-2", "g1"),
]


def test_a_failure_stops_its_group_in_the_batch_and_releases_the_rest_of_it() -> None:
    sqs, handler = run(FIFO_BATCH, {"g0-1"}, groups=SkipFailedGroups(max_receive_count=3))
    assert handler.handled == ["g0-1", "g1-1", "g1-2"]
    assert sqs.visibility == [("g0-2", 0)]  # released untouched, comes back after g0-1
    assert sqs.deleted == ["g1-1", "g1-2"]


def test_on_its_last_attempt_a_failed_message_no_longer_holds_its_group_back() -> None:
    # Given g0-1 was received as often as the redrive policy allows (it is dead-lettered at
    # its next receive, and g0-2, received as often, would follow it there)
    batch = [sqs_message("g0-1", "g0", count=3), sqs_message("g0-2", "g0", count=3)]
    sqs, handler = run(batch, {"g0-1"}, groups=SkipFailedGroups(max_receive_count=3))
    # Then the group goes on now
    assert handler.handled == ["g0-1", "g0-2"] and sqs.deleted == ["g0-2"]


def test_carrying_on_processes_a_failed_messages_successors_before_it() -> None:
    sqs, handler = run(FIFO_BATCH, {"g0-1"}, groups=CarryOn())
    assert handler.handled == ["g0-1", "g1-1", "g0-2", "g1-2"]
    assert sqs.visibility == []
