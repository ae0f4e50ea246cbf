"""What every run measures besides the ledger and the scenario's own metrics (the names are
``queuelab.run.scenario.RUN_METRICS``): whether the queue drained while the consumers ran,
what the consumer's design met, slow shutdowns, and consumers that died under the run's
faults."""

from __future__ import annotations

from queuelab.check import design
from queuelab.contract.history import Op
from queuelab.run.drivers.base import ConsumerDriver
from queuelab.run.lab import Lab
from queuelab.run.scenario import DIED


def measure(
    lab: Lab | None, ops: list[Op], visibility: float, faults: str, driver: ConsumerDriver
) -> dict[str, float]:
    """``faults``: the run's endpoint faults; with them (or an outage), a consumer that
    exited by itself failed what was tested: surviving them."""
    measured: dict[str, float] = {"drained": int(lab.drained), **lab.metrics} if lab else {}
    measured |= design.measure(ops, visibility)
    measured["slow_shutdowns"] = sum(c.slow_shutdown for c in lab.consumers()) if lab else 0
    faulted = bool(faults) or (lab is not None and lab.impaired)
    measured[DIED] = len(driver.deaths()) if faulted else 0
    return measured
