"""A queue outage during a scenario (``lab.outage()``): the consumers are denied for the
block while producers still send; the rollback always runs and the journal says whether it
was verified (metric ``outage_rolled_back``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from queuelab.target import impairment

if TYPE_CHECKING:
    from queuelab.run.lab import Lab


@contextmanager
def deny_consumers(lab: Lab) -> Iterator[impairment.Rollback]:
    """The nemesis on the embedded backend, a deny statement in the queue policy elsewhere."""
    if lab.control is not None and lab.token is not None:
        impaired = impairment.endpoint_deny(lab.control, lab.token, lab.faults)
    else:
        sid = "queuelabOutage" + "".join(c for c in lab.run_id if c.isalnum())[-24:]
        impairment.preflight(lab.sqs, lab.resources, sid)
        impaired = impairment.policy_deny(lab.sqs, lab.resources, sid)
    with impaired as rollback:
        lab.note(f"outage begins: {rollback.how}")
        try:
            yield rollback
        finally:
            lab.note("outage ends")
    lab.metric("outage_rolled_back", int(rollback.lifted and rollback.verified))
    for text in rollback.notes:
        lab.note(text)
