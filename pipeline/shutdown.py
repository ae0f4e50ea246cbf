"""The shutdown rules every pipeline process follows (the consumer's): the first SIGTERM or
SIGINT lets the work in hand finish, then the loop ends; the second exits at once."""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

from queuelab.contract import lifeline
from queuelab.contract.history import Fn, History

log = logging.getLogger("pipeline")


class Shutdown:
    def __init__(self, history: History) -> None:
        self.history = history
        self.running = True
        self.signals = 0

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        lifeline.watch()  # started by the runner: stop gracefully if it dies

    def on_signal(self, signum: int, frame: Any) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        self.history.ok(Fn.SIGNAL, None, signal=name, count=self.signals)
        if self.signals == 1:
            log.info("%s: finishing the work in hand, then exiting", name)
            self.running = False
            return
        log.warning("%s: exiting at once", name)
        self.history.info(Fn.EXIT, None, reason=f"signal {self.signals}, at once")
        os._exit(128 + signum)

    def sleep(self, seconds: float) -> None:
        """Wait, unless a stop is asked for meanwhile."""
        deadline = time.monotonic() + seconds
        while self.running and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.05, left))

    def exit(self, **value: Any) -> int:
        self.history.ok(Fn.EXIT, None, **value)
        self.history.close()
        return 0
