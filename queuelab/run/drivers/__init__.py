"""The consumers a run can judge, one driver per kind (``base.ConsumerDriver``): queuelab's own,
a command the lab did not write, a Lambda handler behind an event source mapping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from queuelab.contract import clients
from queuelab.run.drivers.base import ConsumerDriver
from queuelab.run.drivers.command import CommandConsumer
from queuelab.run.drivers.own import OwnConsumer


@dataclass(frozen=True)
class Consumer:
    """Which consumer a run judges: queuelab's own (the default), or a command's (argv)."""

    command: tuple[str, ...] = ()

    @classmethod
    def of(cls, command: Sequence[str] = ()) -> Consumer:
        return cls(tuple(command))

    @property
    def ours(self) -> bool:
        """queuelab's own consumer, whose safeguards ``--unsafe`` can turn off."""
        return not self.command

    @property
    def kind(self) -> str:
        return "command" if self.command else OwnConsumer.kind

    def describe(self) -> str:
        return " ".join(self.command) if self.command else "queuelab's consumer"

    def open(
        self, run_dir: Path, token: str, settings: clients.AwsSettings, faults: str, seed: int
    ) -> ConsumerDriver:
        """The driver for one run (a command's gets the run's side-effect endpoint)."""
        if self.command:
            return CommandConsumer.open(list(self.command), run_dir, token, settings, faults, seed)
        return OwnConsumer()


OURS = Consumer()  # queuelab's own consumer

__all__ = ["OURS", "Consumer", "ConsumerDriver"]
