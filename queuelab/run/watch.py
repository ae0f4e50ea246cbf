"""Watching the consumers the lab did not write: one that exits by itself, never calls
ReceiveMessage, or floods the side-effect endpoint makes the run an ``error`` naming what it
did, with the last lines of its output, as soon as the method next waits (``lab._watch``),
so a misbehaving consumer never hangs the runner."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from queuelab.check import blackbox
from queuelab.contract import external, witness
from queuelab.run.children import Child, Ending
from queuelab.run.drivers.base import ConsumerFailed
from queuelab.run.external import FLOOD_PER_SECOND

STARTUP_SECONDS = 15.0  # a consumer that has not called ReceiveMessage by then hangs


def nobody() -> set[str]:
    return set()


@dataclass
class Watch:
    command: str
    run_dir: Path
    children: dict[str, Child] = field(default_factory=dict)
    receiving: set[str] = field(default_factory=set)  # names seen calling ReceiveMessage
    problems: list[tuple[str, str]] = field(default_factory=list)  # (process, what it did)
    hanging: list[tuple[str, str]] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # problems already raised
    checked: float = 0.0
    # Who has a ReceiveMessage being served now (a 20 s long poll is witnessed once answered).
    polling: Callable[[], set[str]] = nobody

    def says(self, name: str, what: str) -> str:
        tail = self.children[name].output_tail() if name in self.children else ""
        return f"{what}; its last output: {tail}" if tail else f"{what}; it wrote nothing"

    def flooded(self, name: str, rate: int) -> None:
        self.problems.append((name, (
            f"{name} (`{self.command}`) flooded the side-effect endpoint: {rate} calls within "
            f"one second (the limit is {FLOOD_PER_SECOND}); the lab stopped it"
        )))  # fmt: skip

    def _exited(self, child: Child) -> str:
        return (
            f"{child.name} (`{self.command}`) exited by itself with code {child.code()} "
            "(a consumer runs until the lab stops it)"
        )

    def _hangs(self, child: Child, records: list[witness.Record]) -> str:
        done = blackbox.activity(records, external.read(self.run_dir / external.FILE), child.name)
        return (
            f"{child.name} (`{self.command}`) made no ReceiveMessage call within "
            f"{STARTUP_SECONDS:.0f} s of starting ({done}): it hangs, or does not poll "
            "QUEUE_URL at AWS_ENDPOINT_URL"
        )

    def _found(self) -> list[tuple[str, str]]:
        """(process, problem) for everything wrong so far, in the order it was seen."""
        found = list(self.problems)
        found += [
            (c.name, self._exited(c))
            for c in self.children.values()
            if c.ending() is Ending.UNEXPECTED
        ]
        now, hung = time.monotonic(), {name for name, _ in self.hanging}
        late = [
            c
            for c in self.children.values()
            if c.name not in self.receiving | hung
            and c.alive()
            and now - c.started > STARTUP_SECONDS
        ]
        if late and now - self.checked >= 1.0:
            self.checked = now
            records = witness.read(self.run_dir / witness.FILE)
            self.receiving |= {r.caller for r in records if r.op == "ReceiveMessage"}
            self.receiving |= self.polling()
            self.hanging += [(c.name, self._hangs(c, records)) for c in late
                             if c.name not in self.receiving]  # fmt: skip
        return found + self.hanging

    def check(self) -> None:
        """Raise ``ConsumerFailed`` for the first thing a foreign consumer did wrong."""
        for name, problem in self._found():
            if problem not in self.reported:
                self.reported.add(problem)
                raise ConsumerFailed(self.says(name, problem))

    def unreported(self) -> list[str]:
        """Problems no wait raised (the method ended first), for the verdict."""
        return [self.says(n, p) for n, p in self._found() if p not in self.reported]

    def deaths(self) -> list[str]:
        """What each consumer that exited by itself said, as the problems say it (under a
        fault the scenario injects, dying is the consumer's failure, not the lab's)."""
        return [
            self.says(c.name, self._exited(c))
            for c in self.children.values()
            if c.ending() is Ending.UNEXPECTED
        ]
