"""The worker's loop with a fake queue: retries, message groups within a batch, and a pool
working on a batch at once (its successes deleted together)."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from consumer.backoff import Backoff, Immediate
from consumer.groups import CarryOn, SkipFailedGroups, in_turns
from consumer.message import Received
from consumer.worker import Worker
from queuelab.contract.history import FAIL, OK, Fn, History, read


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


class PoolSqs(FakeSqs):
    """FakeSqs with DeleteMessageBatch, refusing the handles it is told to."""

    def __init__(self, batch: list[dict[str, Any]], refuse: frozenset[str] = frozenset()) -> None:
        super().__init__(batch)
        self.refuse = refuse
        self.batch_calls = 0

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        if kwargs["WaitTimeSeconds"] == 0:  # the pool's short poll while it works: empty
            return {"Messages": []}
        return super().receive_message(**kwargs)

    def delete_message_batch(self, Entries: list[dict[str, str]], **_: Any) -> dict[str, Any]:
        self.batch_calls += 1
        failed = []
        for entry in Entries:
            key = entry["ReceiptHandle"].removeprefix("rh-")
            if key in self.refuse:
                code = "ReceiptHandleIsInvalid"
                failed.append(
                    {"Id": entry["Id"], "Code": code, "Message": "x", "SenderFault": True}
                )
            else:
                self.deleted.append(key)
        return {"Successful": [], "Failed": failed}


class SlowHandler:
    """Each message takes ``seconds``; records the order and how many ran at once."""

    def __init__(self, seconds: float, failing: frozenset[str] = frozenset()) -> None:
        self.seconds = seconds
        self.failing = failing
        self.handled: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def handle(self, message: Received) -> bool:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.handled.append(message.key)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        return message.key not in self.failing


def pooled(sqs: PoolSqs, handler: SlowHandler, history: History, **parts: Any) -> Worker:
    worker = Worker(sqs, "q", handler, history, max_messages=10, pool_size=5, **parts)  # type: ignore[arg-type]
    sqs.worker = worker
    return worker


def test_a_pool_works_on_a_batch_at_once_and_deletes_its_successes_in_one_call(
    tmp_path: Any,
) -> None:
    # Given a batch of ten messages that take 0.2 s each, and a pool of five
    sqs = PoolSqs([sqs_message(f"m{i}") for i in range(10)])
    handler = SlowHandler(0.2, failing=frozenset({"m3"}))
    worker = pooled(sqs, handler, History(tmp_path / "h.jsonl", "c"))
    # When the worker runs
    started = time.monotonic()
    worker.run()
    # Then five ran at once (two rounds, not ten), the nine successes went in one call
    assert handler.most_at_once == 5 and time.monotonic() - started < 1.5
    assert sqs.batch_calls == 1 and sorted(sqs.deleted) == sorted(
        f"m{i}" for i in range(10) if i != 3
    )
    assert worker.done == 9 and worker.handled == 10
    deletes = [op for op in read([tmp_path / "h.jsonl"]) if op.f == Fn.DELETE and op.type == OK]
    assert len(deletes) == 9  # each message's delete is in the history


def test_a_refused_batch_entry_is_a_lost_lease_not_a_done_message(tmp_path: Any) -> None:
    sqs = PoolSqs([sqs_message("a"), sqs_message("b")], refuse=frozenset({"b"}))
    worker = pooled(sqs, SlowHandler(0), History(tmp_path / "h.jsonl", "c"))
    worker.run()
    assert worker.done == 1 and sqs.deleted == ["a"]
    [refused] = [op for op in read([tmp_path / "h.jsonl"]) if op.f == Fn.DELETE and op.type == FAIL]
    assert refused.key == "b" and refused.value["lease_lost"] is True


def test_a_fifo_group_is_one_turn_in_order() -> None:
    messages = [Received.from_sqs(m) for m in FIFO_BATCH]  # type: ignore[arg-type]
    turns = in_turns(messages)
    assert [[m.key for m in turn] for turn in turns] == [["g0-1", "g0-2"], ["g1-1", "g1-2"]]
    loose = [Received("1", "h", "{}", "a", 1), Received("2", "h", "{}", "b", 1)]
    assert [len(turn) for turn in in_turns(loose)] == [1, 1]


def test_a_pool_keeps_a_groups_order_and_stops_it_at_its_first_failure() -> None:
    sqs = PoolSqs(list(FIFO_BATCH))
    handler = SlowHandler(0.05, failing=frozenset({"g0-1"}))
    pooled(sqs, handler, History(None, "c"), groups=SkipFailedGroups(3)).run()
    assert handler.handled.index("g1-1") < handler.handled.index("g1-2")
    assert "g0-2" not in handler.handled and sqs.visibility == [("g0-2", 0)]
    assert sorted(sqs.deleted) == ["g1-1", "g1-2"]


def test_a_stop_mid_batch_releases_what_the_pool_had_not_started(tmp_path: Any) -> None:
    sqs = PoolSqs([sqs_message(f"m{i}") for i in range(10)])
    handler = SlowHandler(0.2)
    worker = pooled(sqs, handler, History(None, "c"))
    threading.Timer(0.1, worker.stop).start()
    worker.run()
    # the five in hand were finished and deleted; the other five released untouched
    assert len(handler.handled) == 5 and len(sqs.deleted) == 5
    assert sorted(key for key, _ in sqs.visibility) == sorted(
        f"m{i}" for i in range(10) if f"m{i}" not in handler.handled
    )


class TwoBatchSqs(PoolSqs):
    """Hands out a second batch to the short poll the pool makes while it works."""

    def __init__(self, first: list[dict[str, Any]], second: list[dict[str, Any]]) -> None:
        super().__init__(first)
        self.second = second
        self.waits: list[int] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.waits.append(kwargs["WaitTimeSeconds"])
        if kwargs["WaitTimeSeconds"] == 0:
            batch, self.second = self.second, []
            return {"Messages": batch}
        return super().receive_message(**kwargs)


def test_the_pool_receives_the_next_batch_while_it_works_on_the_one_in_hand() -> None:
    # Given two batches of five messages that take 0.3 s each, and a pool of ten
    sqs = TwoBatchSqs(
        [sqs_message(f"a{i}") for i in range(5)], [sqs_message(f"b{i}") for i in range(5)]
    )
    handler = SlowHandler(0.3)
    worker = Worker(sqs, "q", handler, History(None, "c"), max_messages=5, pool_size=10)  # type: ignore[arg-type]
    sqs.worker = worker
    # When the worker runs
    worker.run()
    # Then the second batch came from a short poll and ran beside the first
    assert sqs.waits[:2] == [10, 0] and handler.most_at_once == 10
    # and each batch's successes were deleted together
    assert sqs.batch_calls == 2 and sorted(sqs.deleted) == sorted(handler.handled)


def test_a_groups_failure_is_forgotten_when_its_turn_ends() -> None:
    groups = SkipFailedGroups(3)
    first, later = (Received.from_sqs(m) for m in FIFO_BATCH[::2])  # type: ignore[arg-type]
    groups.record_failure(first)
    assert groups.skip(later)
    groups.forget([first, later])
    assert not groups.skip(later)
