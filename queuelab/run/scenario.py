"""A scenario is declared data: what it demonstrates, the resources it needs, its parameters,
its method, what the verdict checks, and what its negative control (``--unsafe``) must show.

A scenario is one file in ``scenarios/`` (found there by name, no registry); ``scenarios/kit.py``
gives it everything it needs in one import. Everything else (the plan `make infra-up`
provisions, the tests that run it, its catalogue row and page) is derived from this
declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queuelab.check import design
from queuelab.check.ledger import LEDGER_FIELDS, Observation
from queuelab.check.verdict import ANOMALIES, Applies, Expect
from queuelab.check.witness import METRICS as WITNESSED
from queuelab.contract.history import Op
from queuelab.run.metrics import Metrics
from queuelab.run.params import Param, Params, resolve
from queuelab.targets import semantics
from queuelab.targets.plan import ResourceSet

if TYPE_CHECKING:
    from queuelab.run.lab import Lab

# What the lab measures in every run, besides the ledger and the scenario's own metrics.
DIED = "consumers_died"  # consumers that exited by themselves under the run's faults
RUN_METRICS = ("drained", "slow_shutdowns", DIED, *design.METRICS)
SETTLE = "settle_seconds"  # every scenario that waits for its queue to empty has it


class Category(StrEnum):
    FAST = "fast"
    SLOW = "slow"


class Topic(StrEnum):
    """What part of a queue's life a scenario is about (the catalogue's sections, in order)."""

    DELIVERY = "delivery"
    POISON = "poison"
    ORDERING = "ordering"
    CONSUMER = "consumer"
    ENDPOINT = "endpoint"
    LOAD = "load"
    PIPELINE = "pipeline"
    OPERATIONS = "operations"

    @property
    def heading(self) -> str:
        return TOPIC_TITLES[self]


TOPIC_TITLES = {
    Topic.DELIVERY: "At-least-once delivery: redeliveries, crashes and duplicates",
    Topic.POISON: "Poison messages and the dead-letter queue",
    Topic.ORDERING: "Ordering and deduplication",
    Topic.CONSUMER: "Consumer patterns: retries, visibility, leases and races",
    Topic.ENDPOINT: "When the endpoint fails: throttling, lost answers, outages",
    Topic.LOAD: "Load: backlogs and backpressure",
    Topic.PIPELINE: "Getting events into the queue: outbox, claim check, pollers",
    Topic.OPERATIONS: "Operating a queue: redrives, alerts, purges",
}


@dataclass(frozen=True)
class BlackBox:
    """Whether a scenario can judge a consumer the lab did not write (``--consumer-command``),
    from outside: its SQS calls and its side-effect requests, chaos applied by the lab."""

    runs: bool
    why_not: str = ""
    # Why a Lambda handler (--lambda-handler) cannot be judged by it, where a command can.
    not_for_lambda: str = ""


BLACK_BOX = BlackBox(True)
UNDECLARED = BlackBox(False, "it does not declare that it can judge a consumer it did not write")


def not_black_box(why: str) -> BlackBox:
    return BlackBox(False, why)


def black_box_but_not_lambda(why: str) -> BlackBox:
    """It judges a command's consumer, but a Lambda handler's design rules the mode out."""
    return BlackBox(True, not_for_lambda=why)


@dataclass(frozen=True)
class Measured:
    """What a scenario's own measures may look at after the run."""

    history: list[Op]
    observation: Observation
    run_dir: Path
    params: Params
    unsafe: bool
    visibility_timeout: float  # of the queue the run used


@dataclass(frozen=True, kw_only=True)
class Scenario:
    name: str
    topic: Topic
    category: Category
    summary: str  # one line, for `queuelab list`
    demonstrates: str  # the hypothesis, for `queuelab show`
    method: Callable[[Lab, Params, bool], None]
    expectations: tuple[Expect, ...]
    unsafe: str  # what --unsafe turns off (a diagnostic: why it has no negative control)
    unsafe_shows: tuple[Expect, ...]  # the anomaly the same checker must then report (none:
    # a diagnostic without a negative control)
    # Its queue, DLQ and tables (the key and description come from the scenario), and
    # another set for --unsafe if the negative control needs a different queue.
    resources: ResourceSet = ResourceSet()  # noqa: RUF009 (frozen: one shared default is fine)
    unsafe_resources: ResourceSet | None = None
    params: Mapping[str, Param] = field(default_factory=dict)
    settle_seconds: float | None = 30.0  # lab.settle()'s wait; None: the method never settles
    preconditions: tuple[Expect, ...] = ()  # the failure mode really happened
    # What the failure mode needs of the consumer's design: a consumer for which one does not
    # hold had no chance to fail this way (``not applicable``, saying why, never ``error``).
    applies: tuple[Applies, ...] = ()
    metrics: type[Metrics] = Metrics  # its own metrics (measure's and lab.metric's)
    measure: Callable[[Measured], dict[str, float]] | None = None
    typical_seconds: float = 10.0
    timeout_seconds: float = 180.0  # no wait of the method may go past this
    limits: str = ""  # what the embedded backend limits, if anything
    faults: str = ""  # endpoint faults it runs with (a queuelab.contract.faults spec)
    intolerance: str = ""  # why it cannot run under --faults ("" : it tolerates them)
    # It measures a timing window that other load would blur: it runs alone (one run at a
    # time under --jobs; after the parallel tests, on its own).
    alone: bool = False
    # It takes the machine for minutes (a scale run): ``--all`` and ``--category`` leave it
    # out; it runs when named. The test suite runs it at ``small`` (the same checks).
    on_demand: bool = False
    small: Mapping[str, str] = field(default_factory=dict)
    # SQS behaviours (``queuelab.targets.semantics``) the verdict is only true under: a target
    # that does not honour one makes the run an error naming it, before anything runs.
    relies_on: tuple[str, ...] = ()
    # Behaviours the method reads and adapts to; where the target differs, the journal says so.
    adapts_to: tuple[str, ...] = ()

    black_box: BlackBox = UNDECLARED  # can it judge a foreign consumer (--consumer-command)?

    def __post_init__(self) -> None:
        for name in (*self.relies_on, *self.adapts_to):
            semantics.get(name)  # an unknown name is a typo: refuse it at import
        set_ = object.__setattr__
        if not self.resources.key:
            set_(
                self, "resources", replace(self.resources, key=self.name, description=self.summary)
            )
        if self.unsafe_resources is not None and not self.unsafe_resources.key:
            set_(
                self,
                "unsafe_resources",
                replace(
                    self.unsafe_resources,
                    key=f"{self.name}-unsafe",
                    description=f"{self.name}'s negative control: {self.unsafe}",
                ),
            )
        if self.settle_seconds is not None and SETTLE not in self.params:
            settle = Param(self.settle_seconds, "how long to wait for the queue to empty", min=1)
            set_(self, "params", {**self.params, SETTLE: settle})
        self._check_metrics()
        if self.on_demand and not self.small:
            raise ValueError(f"{self.name}: an on-demand scenario gives the tests a small size")
        resolve(self.name, self.params, self.small)  # the small size is within bounds

    def _check_metrics(self) -> None:
        known = {*LEDGER_FIELDS, *RUN_METRICS, *WITNESSED, *self.metrics.declared()}
        designs = tuple(a.expect for a in self.applies)
        for expect in (*self.expectations, *self.preconditions, *self.unsafe_shows, *designs):
            for name in (expect.metric, expect.target):
                if isinstance(name, str) and name not in known:
                    raise ValueError(f"{self.name}: {expect} names an unknown metric {name!r}")

    @property
    def anomalies(self) -> tuple[str, ...]:
        """What a run reports as failed whatever else happened: the ledger's anomalies and
        what the negative control must show."""
        shown = (e.metric for e in self.unsafe_shows)
        return tuple(dict.fromkeys((*ANOMALIES, *shown)))

    @property
    def has_negative_control(self) -> bool:
        return bool(self.unsafe_shows)

    def resource_set(self, unsafe: bool) -> ResourceSet:
        return self.unsafe_resources if unsafe and self.unsafe_resources else self.resources

    def resource_key(self, unsafe: bool) -> str:
        return self.resource_set(unsafe).key

    def resource_sets(self) -> tuple[ResourceSet, ...]:
        extra = (self.unsafe_resources,) if self.unsafe_resources else ()
        return (self.resources, *extra)


def resolve_params(scenario: Scenario, overrides: Mapping[str, str]) -> dict[str, Any]:
    """The scenario's parameters with ``--set`` overrides applied (``ParamError`` if one is
    unknown or out of bounds)."""
    return resolve(scenario.name, scenario.params, overrides)
