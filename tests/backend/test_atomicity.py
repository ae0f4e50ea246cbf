"""Concurrent consumer processes must never share a message (or a FIFO group) in flight."""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from queuelab.backend import Endpoint
from queuelab.system import spawn as processes

WORKER = Path(__file__).with_name("drain_worker.py")
CONSUMERS = 6
MESSAGES = 2000
ROUNDS = 3
GROUPS = 8

pytestmark = pytest.mark.slow


def send_all(sqs: Any, url: str, fifo: bool) -> None:
    for start in range(0, MESSAGES, 10):
        entries = []
        for i in range(start, start + 10):
            entry = {"Id": str(i - start), "MessageBody": f"{i % GROUPS}:{i}"}
            if fifo:
                entry |= {"MessageGroupId": str(i % GROUPS), "MessageDeduplicationId": str(i)}
            entries.append(entry)
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def drain(endpoint: Endpoint, url: str, tmp_path: Path) -> list[dict[str, Any]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **endpoint.env()}
    outs = [tmp_path / f"consumer-{i}.jsonl" for i in range(CONSUMERS)]
    children = [
        processes.spawn([sys.executable, str(WORKER), url, str(out)], env, tmp_path / "w.log")
        for out in outs
    ]
    try:
        codes = [child.wait(timeout=120) for child in children]
    finally:
        for child in children:
            processes.stop(child)
    assert codes == [0] * CONSUMERS, (tmp_path / "w.log").read_text()
    return [json.loads(line) for out in outs for line in out.read_text().splitlines()]


def deliveries(batches: list[dict[str, Any]]) -> Counter[str]:
    return Counter(message[0] for batch in batches for message in batch["messages"])


def test_standard_queue_delivers_each_message_once_to_concurrent_consumers(
    endpoint: Endpoint, sqs: Any, unique: str, tmp_path: Path
) -> None:
    for round_ in range(ROUNDS):
        url = sqs.create_queue(
            QueueName=f"atomic-{unique}-{round_}", Attributes={"VisibilityTimeout": "120"}
        )["QueueUrl"]
        send_all(sqs, url, fifo=False)

        seen = deliveries(drain(endpoint, url, tmp_path / str(round_)))

        assert len(seen) == MESSAGES, f"round {round_}"
        twice = {message_id: n for message_id, n in seen.items() if n > 1}
        assert twice == {}, f"round {round_}: {len(twice)} messages delivered twice"


def group_violations(batches: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(overlaps, reorders): a group received again before its holder began deleting it,
    and a group's messages received out of send order."""
    holds: dict[str, list[tuple[float, float, list[int]]]] = defaultdict(list)
    for batch in batches:
        per_group: dict[str, list[int]] = defaultdict(list)
        for _, body, _ in batch["messages"]:
            group, seq = body.split(":")
            per_group[group].append(int(seq))
        for group, seqs in per_group.items():
            holds[group].append((batch["received_at"], batch["deleting_at"], seqs))
    overlaps, reorders = [], []
    for group, spans in holds.items():
        spans.sort()
        for (_, deleting_at, _), (received_at, _, _) in itertools.pairwise(spans):
            if received_at < deleting_at:
                overlaps.append(group)
        order = [seq for _, _, seqs in spans for seq in seqs]
        if order != sorted(order):
            reorders.append(group)
    return overlaps, reorders


def test_group_checker_detects_overlap_and_reorder() -> None:
    batches = [
        {"received_at": 1.0, "deleting_at": 3.0, "messages": [["a", "0:0", 1]]},
        {"received_at": 2.0, "deleting_at": 4.0, "messages": [["b", "0:8", 1], ["c", "1:1", 1]]},
        {"received_at": 5.0, "deleting_at": 6.0, "messages": [["d", "1:9", 1], ["e", "0:4", 1]]},
    ]
    assert group_violations(batches) == (["0"], ["0"])


def test_fifo_group_is_never_held_by_two_consumers(
    endpoint: Endpoint, sqs: Any, unique: str, tmp_path: Path
) -> None:
    for round_ in range(ROUNDS):
        url = sqs.create_queue(
            QueueName=f"atomic-{unique}-{round_}.fifo",
            Attributes={"FifoQueue": "true", "VisibilityTimeout": "120"},
        )["QueueUrl"]
        send_all(sqs, url, fifo=True)

        batches = drain(endpoint, url, tmp_path / str(round_))

        seen = deliveries(batches)
        assert len(seen) == MESSAGES and set(seen.values()) == {1}, f"round {round_}"
        assert group_violations(batches) == ([], []), f"round {round_}"
