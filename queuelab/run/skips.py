"""Why a scenario cannot run here with these options: it is then skipped with that reason,
never passed."""

from __future__ import annotations

from queuelab.run.drivers import Consumer
from queuelab.run.drivers.command import black_box_skip
from queuelab.run.drivers.lambda_ import KIND as LAMBDA
from queuelab.run.scenario import Scenario
from queuelab.targets.session import Session


def reason(session: Session, scenario: Scenario, faults: str, consumer: Consumer) -> str:
    """Why this scenario cannot run here with these options and this consumer ("" if it
    can)."""
    witnessed = session.control is not None
    if not consumer.ours and (why := black_box_skip(scenario, session.name, witnessed)):
        return why
    if consumer.kind == LAMBDA and scenario.black_box.not_for_lambda:
        return f"not run with --lambda-handler: {scenario.black_box.not_for_lambda}"
    if faults and scenario.intolerance:
        return f"not run under --faults: {scenario.intolerance}"
    if (faults or scenario.faults) and session.control is None:
        return (
            f"endpoint faults need queuelab's embedded server (the {session.name} target has "
            "no nemesis)"
        )
    return ""
