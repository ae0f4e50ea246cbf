"""The demo's story of ``dup``: two ledgers (safe, unsafe) side by side and a few plain
sentences on what happened in each, computed from the ledgers, never written in advance."""

from __future__ import annotations

from rich.table import Table

from queuelab.check.verdict import Status
from queuelab.run.result import Result

ROWS = (
    ("acknowledged", "messages sent (acknowledged by the queue)"),
    ("redeliveries", "handed out again while a consumer still worked"),
    ("delivered", "messages whose side effect happened"),
    ("duplicate_side_effects", "side effects done a second time"),
    ("lost", "messages lost"),
)


def side_by_side(safe: Result, unsafe: Result) -> Table:
    table = Table(title="dup: work slower than the visibility timeout")
    table.add_column("")
    table.add_column("safe (claim on)", justify="right")
    table.add_column("unsafe (claim off)", justify="right")
    for field, label in ROWS:
        table.add_row(label, str(getattr(safe.ledger, field)), str(getattr(unsafe.ledger, field)))
    shown = unsafe.status is Status.FAILED and unsafe.ledger.duplicate_side_effects > 0
    control = f"{unsafe.status.value}: caught" if shown else unsafe.status.value
    table.add_row("verdict", safe.status.value, control)  # the control did its job
    return table


def sentences(safe: Result, unsafe: Result) -> list[str]:
    """What happened, in words, from what the ledgers counted."""
    s, u = safe.ledger, unsafe.ledger
    told = [
        f"Each message's work took longer than the queue's visibility timeout, so SQS handed "
        f"it to a second consumer while the first was still busy ({s.redeliveries} "
        f"redeliveries in the safe run, {u.redeliveries} in the unsafe one).",
    ]
    if s.duplicate_side_effects == 0 and s.delivered:
        told.append(
            "With the claim on, the second consumer found the first one's INPROGRESS claim in "
            f"the idempotency table and left the message alone: {s.delivered} side effects for "
            f"{s.acknowledged} messages."
        )
    else:
        told.append(f"With the claim on, the safe run did not hold: {'; '.join(safe.reasons)}.")
    if u.duplicate_side_effects:
        told.append(
            f"With the claim off, both consumers did the work: "
            f"{_count(u.duplicate_side_effects, 'side effect')} happened twice (think: a "
            "customer charged twice). That is why consumers need idempotency: SQS delivers at "
            "least once."
        )
    else:
        told.append("With the claim off, no side effect doubled this time: see the reasons.")
    return told


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def told_the_story(safe: Result, unsafe: Result) -> bool:
    """The safe run passed and the negative control showed its anomaly."""
    return safe.status is Status.PASSED and unsafe.status is Status.FAILED
