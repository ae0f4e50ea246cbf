"""Expectations most scenarios share."""

from __future__ import annotations

from queuelab.verdict import Expect

POISON_MARKER = '"poison": true'  # in the JSON body of the producer's poison messages

NOTHING_LOST = Expect("lost", "==", 0)
NOTHING_UNEXPECTED = Expect("unexpected", "==", 0)
NO_DUPLICATES = Expect("duplicate_side_effects", "==", 0)
ALL_DELIVERED = Expect("delivered", "==", "acknowledged")
QUEUE_EMPTY = Expect("stuck", "==", 0)
DLQ_EMPTY = Expect("dead_lettered", "==", 0)

# Good messages once, every poison message in the DLQ, nothing else anywhere.
POISON_HANDLED = (
    Expect("delivered", "==", "good"),
    Expect("dead_lettered", "==", "poison"),
    QUEUE_EMPTY,
    NOTHING_LOST,
    NOTHING_UNEXPECTED,
    NO_DUPLICATES,
)

# Every message's side effect once, nothing left anywhere.
EXACTLY_ONCE = (
    ALL_DELIVERED,
    NOTHING_LOST,
    NOTHING_UNEXPECTED,
    NO_DUPLICATES,
    QUEUE_EMPTY,
    DLQ_EMPTY,
)


def inversions(sequence: list[int]) -> int:
    """How many items arrived after a larger one had already arrived."""
    count, highest = 0, None
    for value in sequence:
        if highest is not None and value < highest:
            count += 1
        highest = value if highest is None else max(highest, value)
    return count
