"""The pipeline's faults: crash points, built only when a knob asks for one. Nothing here is
needed by a correct process."""

from __future__ import annotations

import logging
import os

from queuelab.contract.history import Fn, History
from queuelab.contract.processes import EXIT_CRASH

log = logging.getLogger("pipeline")


class Hooks:
    """Where faults plug in; every default does nothing."""

    def after_commit(self, key: str) -> None:
        """An order was written (its event committed), nothing else done yet."""

    def after_send(self, keys: list[str], mid_page: bool = False) -> None:
        """These events were sent (and nothing recorded about it yet)."""


class CrashAfter(Hooks):
    """Die at once, as a killed process would, when the Nth order is written or the Nth
    event sent."""

    def __init__(self, history: History, *, orders: int = 0, sends: int = 0) -> None:
        self.history = history
        self.at_orders, self.at_sends = orders, sends
        self.orders = self.sends = 0

    def crash(self, key: str | None, point: str) -> None:
        log.warning("crashing on purpose (%s)", point)
        self.history.info(Fn.CRASH, key, point=point)
        logging.shutdown()
        os._exit(EXIT_CRASH)

    def after_commit(self, key: str) -> None:
        self.orders += 1
        if self.orders == self.at_orders:
            self.crash(key, "after the order was written")

    def after_send(self, keys: list[str], mid_page: bool = False) -> None:
        before, self.sends = self.sends, self.sends + len(keys)
        if self.at_sends and before < self.at_sends <= self.sends:
            where = "mid page" if mid_page else "after a send"
            self.crash(keys[-1], f"{where}, before the cursor or mark")


def hooks(history: History, *, orders: int = 0, sends: int = 0) -> Hooks:
    return CrashAfter(history, orders=orders, sends=sends) if orders or sends else Hooks()
