"""A scenario is declared data: what it demonstrates, its parameters, its method, what the
verdict checks, and what its negative control (``--unsafe``) must show."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queuelab.check.ledger import Observation
from queuelab.check.verdict import Expect
from queuelab.contract.history import Op
from queuelab.targets import semantics

if TYPE_CHECKING:
    from queuelab.run.lab import Lab


class Category(StrEnum):
    FAST = "fast"
    SLOW = "slow"


@dataclass(frozen=True)
class Param:
    default: int | float | str | bool
    help: str
    choices: tuple[str, ...] = ()  # a text parameter's allowed values (none: any)


Params = Mapping[str, Any]


@dataclass(frozen=True)
class BlackBox:
    """Whether a scenario can judge a consumer the lab did not write (``--consumer-command``),
    from outside: its SQS calls and its side-effect requests, chaos applied by the lab."""

    runs: bool
    why_not: str = ""


BLACK_BOX = BlackBox(True)
UNDECLARED = BlackBox(False, "it does not declare that it can judge a consumer it did not write")


def not_black_box(why: str) -> BlackBox:
    return BlackBox(False, why)


@dataclass(frozen=True)
class Measured:
    """What a scenario's own measures may look at after the run."""

    history: list[Op]
    observation: Observation
    run_dir: Path
    params: Params
    unsafe: bool
    visibility_timeout: float  # of the queue the run used


@dataclass(frozen=True)
class Scenario:
    name: str
    category: Category
    summary: str  # one line, for `queuelab list`
    demonstrates: str  # the hypothesis, for `queuelab show`
    resources: str  # resource set key in the plan
    method: Callable[[Lab, Params, bool], None]
    expectations: tuple[Expect, ...]
    unsafe: str  # what --unsafe turns off
    unsafe_shows: tuple[Expect, ...]  # the anomaly the same checker must then report (none:
    # a diagnostic without a negative control)
    params: Mapping[str, Param] = field(default_factory=dict)
    preconditions: tuple[Expect, ...] = ()  # the failure mode really happened
    unsafe_resources: str | None = None  # another resource set for --unsafe
    measure: Callable[[Measured], dict[str, float]] | None = None
    extra_metrics: tuple[str, ...] = ()  # what measure() and the method add to the ledger
    typical_seconds: float = 10.0
    timeout_seconds: float = 180.0  # no wait of the method may go past this
    limits: str = ""  # what the embedded backend limits, if anything
    faults: str = ""  # endpoint faults it runs with (a queuelab.contract.faults spec)
    intolerance: str = ""  # why it cannot run under --faults ("" : it tolerates them)
    # It measures a timing window that other load would blur: it runs alone (one run at a
    # time under --jobs; after the parallel tests, on its own).
    alone: bool = False
    # It takes the machine for minutes (a scale run): ``--all`` and ``--category`` leave it
    # out; it runs when named. The test suite runs it at a small size (same checks).
    on_demand: bool = False
    # SQS behaviours (``queuelab.targets.semantics``) the verdict is only true under: a target
    # that does not honour one makes the run an error naming it, before anything runs.
    relies_on: tuple[str, ...] = ()
    # Behaviours the method reads and adapts to; where the target differs, the journal says so.
    adapts_to: tuple[str, ...] = ()

    black_box: BlackBox = UNDECLARED  # can it judge a foreign consumer (--consumer-command)?

    def __post_init__(self) -> None:
        for name in (*self.relies_on, *self.adapts_to):
            semantics.get(name)  # an unknown name is a typo: refuse it at import

    @property
    def has_negative_control(self) -> bool:
        return bool(self.unsafe_shows)

    def resource_key(self, unsafe: bool) -> str:
        return self.unsafe_resources if unsafe and self.unsafe_resources else self.resources


class ParamError(ValueError):
    pass


def _coerce(name: str, raw: str, default: int | float | str | bool) -> int | float | str | bool:
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError
            return raw.lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        kind = type(default).__name__
        raise ParamError(f"--set {name}={raw!r}: expected a {kind} like {default!r}") from None
    return raw


def resolve_params(scenario: Scenario, overrides: Mapping[str, str]) -> dict[str, Any]:
    """Defaults with ``--set`` overrides applied; an unknown name is an error that lists
    the scenario's parameters."""
    values: dict[str, Any] = {name: p.default for name, p in scenario.params.items()}
    for name, raw in overrides.items():
        if name not in scenario.params:
            known = ", ".join(sorted(scenario.params)) or "none"
            raise ParamError(f"{scenario.name} has no parameter {name!r} (it has: {known})")
        param = scenario.params[name]
        values[name] = _coerce(name, raw, param.default)
        if param.choices and values[name] not in param.choices:
            allowed = " or ".join(param.choices)
            raise ParamError(f"--set {name}={raw!r}: expected {allowed}")
    return values
