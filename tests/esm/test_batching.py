"""When a batch is ready (pure): full, its window over, or at the 6 MB payload quota
(with-sqs.html; API_CreateEventSourceMapping.html)."""

from __future__ import annotations

from queuelab.esm.batching import MAX_PAYLOAD_BYTES, Batch


def message(i: int) -> dict[str, str]:
    return {"MessageId": f"m{i}"}


def test_without_a_window_one_receive_is_the_batch() -> None:
    batch = Batch(size=10)
    assert not batch.due(0) and batch.room() == 10
    assert batch.wait_seconds(0, 20) == 20  # empty: a long poll
    batch.add(message(1), b"{}", now=0)
    assert batch.due(0)


def test_a_window_gathers_until_it_ends_or_the_batch_is_full() -> None:
    batch = Batch(size=25, window=2)
    batch.add(message(1), b"{}", now=100.0)
    assert not batch.due(100.5)
    assert batch.wait_seconds(100.5, 20) == 1  # what is left of the window, rounded down
    assert batch.wait_seconds(101.5, 20) == 0  # under a second left: short polls
    assert batch.due(102.0)
    for i in range(2, 26):
        batch.add(message(i), b"{}", now=100.1)
    assert batch.due(100.1) and batch.room() == 0


def test_room_is_at_most_ten_a_receive() -> None:
    batch = Batch(size=10_000, window=5)
    assert batch.room() == 10
    for i in range(9_995):
        batch.add(message(i), b"{}", now=0)
    assert batch.room() == 5


def test_the_payload_quota_closes_a_batch() -> None:
    big = b"x" * (MAX_PAYLOAD_BYTES // 3)
    batch = Batch(size=100, window=60)
    assert batch.add(message(1), big, 0) and batch.add(message(2), big, 0)
    assert not batch.due(0)
    assert not batch.add(message(3), big, 0)  # it would pass 6 MB: the next batch's
    assert batch.due(0) and len(batch) == 2


def test_a_lone_record_over_the_quota_still_goes() -> None:
    batch = Batch(size=10)
    assert batch.add(message(1), b"x" * (MAX_PAYLOAD_BYTES + 1), 0)
