"""The consumers a run can judge, one driver per kind (``base.ConsumerDriver``): queuelab's own,
a command the lab did not write, a Lambda handler behind an event source mapping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from queuelab.contract import clients
from queuelab.esm.errors import ValidationError
from queuelab.esm.function import PYTHON, Function
from queuelab.run.drivers.base import ConsumerDriver
from queuelab.run.drivers.command import CommandConsumer
from queuelab.run.drivers.lambda_ import KIND as LAMBDA
from queuelab.run.drivers.lambda_ import LambdaConsumer
from queuelab.run.drivers.own import OwnConsumer


class ConsumerError(ValueError):
    """A consumer given on the command line that cannot be run, in words."""


def check_handler(handler: str, runtime: str, command: bool, unsafe: bool) -> None:
    """``--lambda-handler PATH:module.function`` (``--lambda-runtime``), exclusive with
    ``--consumer-command`` and ``--unsafe``."""
    if command:
        raise ConsumerError("give --lambda-handler or --consumer-command, not both")
    if unsafe:
        raise ConsumerError(
            "--unsafe turns off queuelab's own consumer's safeguards; a handler given with "
            "--lambda-handler is judged on the safe expectations (its negative control is a "
            "handler without them, e.g. examples/lambda/python:naive.handler)"
        )
    try:
        function = Function.from_spec(handler, runtime=runtime)
        function.validate()
    except ValidationError as err:
        raise ConsumerError(f"--lambda-handler {handler!r}: {err.args[0]}") from None
    if not function.code.is_dir():
        raise ConsumerError(f"--lambda-handler {handler!r}: no folder {function.code}")


@dataclass(frozen=True)
class Consumer:
    """Which consumer a run judges: queuelab's own (the default), a command's (argv), or a
    Lambda handler (``PATH:module.function`` in ``runtime``) behind an event source mapping."""

    command: tuple[str, ...] = ()
    handler: str = ""
    runtime: str = PYTHON

    @classmethod
    def of(
        cls, command: Sequence[str] = (), handler: str = "", runtime: str = PYTHON,
        *, unsafe: bool = False,
    ) -> Consumer:  # fmt: skip
        """``ConsumerError`` for a handler that cannot be run (before anything runs)."""
        if handler:
            check_handler(handler, runtime, bool(command), unsafe)
        return cls(tuple(command), handler, runtime)

    @property
    def ours(self) -> bool:
        """queuelab's own consumer, whose safeguards ``--unsafe`` can turn off."""
        return not self.command and not self.handler

    @property
    def kind(self) -> str:
        if self.handler:
            return LAMBDA
        return "command" if self.command else OwnConsumer.kind

    def describe(self) -> str:
        if self.handler:
            return f"the Lambda handler {self.handler} ({self.runtime})"
        return " ".join(self.command) if self.command else "queuelab's consumer"

    def open(
        self, run_dir: Path, token: str, settings: clients.AwsSettings, faults: str, seed: int
    ) -> ConsumerDriver:
        """The driver for one run (a command's or a handler's gets the run's side-effect
        endpoint)."""
        if self.handler:
            return LambdaConsumer.for_handler(
                self.handler, self.runtime, run_dir, token, settings, faults, seed
            )
        if self.command:
            return CommandConsumer.open(list(self.command), run_dir, token, settings, faults, seed)
        return OwnConsumer()


OURS = Consumer()  # queuelab's own consumer

__all__ = ["OURS", "Consumer", "ConsumerDriver", "ConsumerError"]
