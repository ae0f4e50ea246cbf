"""Our order worker against the SQS failure modes it must survive, judged by queuelab from
outside: every SQS call it makes and every side effect it asks for. Each scenario is one test
item, and its negative control another: queuelab's own consumer with the safeguard off, which
must make the same check fail, so a green item here means something."""

from __future__ import annotations

import pytest


@pytest.mark.queuelab("at-least-once", "crash", controls=True)
def test_the_worker_survives(queuelab, queuelab_case):
    queuelab.check(queuelab_case)


def test_an_order_delivered_twice_is_charged_once(queuelab):
    outcome = queuelab.check("at-least-once", params={"messages": 30})
    assert outcome.result.ledger.duplicate_side_effects == 0
