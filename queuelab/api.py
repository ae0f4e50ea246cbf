"""The Python API, for a team's tests and scripts (the CLI takes the same path):

    import queuelab
    outcome = queuelab.run("dup", consumer_command="python my_worker.py")
    assert outcome.ok, outcome.problems

The implementation is ``queuelab.cli.api`` (a front door, like the CLI: it reads the
catalogue); this module is its stable name.
"""

from queuelab.cli.api import Outcome, RequestError, Results, Session, run, run_all
from queuelab.run.drivers import Consumer

__all__ = ["Consumer", "Outcome", "RequestError", "Results", "Session", "run", "run_all"]
