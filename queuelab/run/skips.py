"""Why a scenario cannot run here with these options: it is then skipped with that reason,
never passed."""

from __future__ import annotations

from queuelab.run.drivers.command import black_box_skip
from queuelab.run.scenario import Scenario
from queuelab.targets.session import Session


def reason(session: Session, scenario: Scenario, faults: str, foreign: bool = False) -> str:
    """Why this scenario cannot run here with these options ("" if it can); ``foreign``: with
    a consumer the lab did not write."""
    if foreign and (why := black_box_skip(scenario, session.name, session.control is not None)):
        return why
    if faults and scenario.intolerance:
        return f"not run under --faults: {scenario.intolerance}"
    if (faults or scenario.faults) and session.control is None:
        return (
            f"endpoint faults need queuelab's embedded server (the {session.name} target has "
            "no nemesis)"
        )
    return ""
