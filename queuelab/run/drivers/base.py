"""The one interface through which the lab starts, signals, kills at a chosen moment, stops
and reads a consumer, whoever wrote it: queuelab's own (``own``), a command in any language
(``command``), a Lambda handler behind an event source mapping (``lambda_``).

A driver knows the lab only as a ``Host``: the one place that spawns the run's processes,
the run's clock, what it has recorded. The lab and the runner know a driver only through
``ConsumerDriver``: no branch on the kind of consumer anywhere else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import Op
from queuelab.run.children import Child, Role
from queuelab.run.events import Sink

if TYPE_CHECKING:
    from queuelab.contract.clients import AwsSettings
    from queuelab.targets.outputs import SetOutputs

T = TypeVar("T")


class LabTimeout(RuntimeError):
    """Something the method waited for did not happen in time: the run cannot be judged."""


class ConsumerFailed(LabTimeout):
    """A consumer the lab did not write did something that leaves the run unjudgeable."""


class Host(Protocol):
    """What a driver needs of the lab that runs it (``queuelab.run.lab.Lab`` is one)."""

    @property
    def run_id(self) -> str: ...
    @property
    def run_dir(self) -> Path: ...
    @property
    def token(self) -> str | None: ...
    @property
    def settings(self) -> AwsSettings: ...
    @property
    def resources(self) -> SetOutputs: ...
    @property
    def ports(self) -> set[int]: ...
    @property
    def emit(self) -> Sink: ...

    def spawn(
        self, name: str, role: Role, argv: list[str], env: dict[str, str], grace: float,
        foreign: bool = False,
    ) -> Child: ...  # fmt: skip

    def environment(self, name: str, extra: dict[str, str]) -> dict[str, str]: ...

    def wait_for(
        self, condition: Callable[[], T], timeout: float, what: str, interval: float = 0.2
    ) -> T: ...

    def wait_process(self, child: Child, timeout: float) -> int: ...

    def stop_process(self, child: Child) -> int | None: ...

    def history(self) -> list[Op]: ...


class ConsumerDriver(ABC):
    """One kind of consumer. ``kind`` names it in the journal and the report; a driver whose
    consumers are ``judged_from_outside`` has their operations made from what the endpoint
    witnessed and the side-effect endpoint recorded (``ops``, ``side_effects``), never from a
    history they write."""

    kind: str = ""
    judged_from_outside: bool = False

    @abstractmethod
    def start(self, host: Host, knobs: ConsumerKnobs, name: str, retries: int) -> Child:
        """Start one consumer with the scenario's knobs (a driver refuses those it cannot
        apply, naming them); ``retries`` sets AWS_MAX_ATTEMPTS (0: the target's default)."""

    def wait_exit(self, host: Host, child: Child, timeout: float) -> int:
        """Wait for a consumer that is about to end (a crash the scenario asked for)."""
        return host.wait_process(child, timeout)

    def stop(self, host: Host, child: Child) -> int | None:
        """SIGTERM (graceful), then SIGKILL after its grace period."""
        return host.stop_process(child)

    @abstractmethod
    def terminate_mid_work(self, host: Host, child: Child, timeout: float) -> str:
        """SIGTERM ``child`` while it has a message in hand whose side effect is not done
        yet; that message's key."""

    def watch(self) -> None:  # noqa: B027 (a hook)
        """Raise ``ConsumerFailed`` when a consumer misbehaves (called while the method waits)."""

    def stop_all(self, host: Host, consumers: list[Child]) -> None:  # noqa: B027 (a hook)
        """The run is over: stop the consumers as the kind requires (by default the lab
        stops whatever still runs, every process at once, each through ``stop``)."""

    def close(self) -> list[str]:
        """Stop what the driver started besides the consumers; problems left, in words."""
        return []

    def ops(self, ours: list[Op]) -> list[Op]:
        """Every operation of the run, from the processes' histories and, for consumers
        judged from outside, from what the endpoints saw."""
        return ours

    def side_effects(self, ops: list[Op], observed: dict[str, int]) -> dict[str, int]:
        """Performances by subject: what the side-effects table holds, unless the consumers'
        side effects went elsewhere (the side-effect endpoint)."""
        return observed

    def deaths(self) -> list[str]:
        """What each consumer that exited by itself left in the run's problems (queuelab's
        own consumer never does: its exits are the lab's problems)."""
        return []

    def receiving(self) -> set[str]:
        """Consumers with a receive under way that their operations do not show yet (one
        judged from outside is witnessed once answered: a long poll may take 20 s)."""
        return set()

    def outsiders(self) -> set[str]:
        """The processes whose history is not their own word (the witness check skips them)."""
        return set()
