"""A queue outage during a scenario (``lab.outage()``): the consumers are denied for the
block while producers still send: the nemesis on the embedded backend, a deny statement in
the queue policy elsewhere. The rollback always runs; the journal notes whether it was
verified (metric ``outage_rolled_back``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from queuelab.targets import impairment

if TYPE_CHECKING:
    from queuelab.run.lab import Lab


@contextmanager
def deny_consumers(lab: Lab) -> Iterator[impairment.Rollback]:
    impaired = impairment.for_run(
        lab.sqs, lab.resources, lab.run_id, lab.control, lab.token, lab.faults
    )
    with impaired as rollback:
        lab.note(f"outage begins: {rollback.how}")
        try:
            yield rollback
        finally:
            lab.note("outage ends")
    lab.metric("outage_rolled_back", int(rollback.lifted and rollback.verified))
    for text in rollback.notes:
        lab.note(text)
