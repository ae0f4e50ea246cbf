"""Expectations and verdicts: small pure functions over the ledger.

Status words are a fixed vocabulary: ``passed``, ``failed`` (an expectation broke),
``error`` (could not be judged: nothing happened, the failure mode was not exercised, a
process timed out, the backend misbehaved), ``interrupted`` (Ctrl-C or SIGTERM stopped the
run before it could be judged) and ``skipped`` (not run: the target or the options do not
allow it, with the reason). A run where nothing happened is never a pass.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from queuelab.check.ledger import Ledger


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    INTERRUPTED = "interrupted"
    SKIPPED = "skipped"


_OPS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    actual: float
    ok: bool

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "expected": self.expected, "actual": self.actual, "ok": self.ok}


@dataclass(frozen=True)
class Expect:
    """``metric op target``; a string target names another ledger metric."""

    metric: str
    op: str
    target: float | str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown comparison {self.op!r}")

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.target}"

    def evaluate(self, metrics: dict[str, float]) -> Check:
        if self.metric not in metrics:
            raise KeyError(f"expectation on unknown metric {self.metric!r}")
        actual = metrics[self.metric]
        if isinstance(self.target, str):
            target = metrics[self.target]
            expected = f"{self.op} {target:g} ({self.target})"
        else:
            target = self.target
            expected = f"{self.op} {target:g}"
        return Check(self.metric, expected, actual, _OPS[self.op](actual, target))


# Whatever the scenario: something must have been sent and confirmed, and the backend must
# not have handed a message out twice inside its visibility timeout.
BASELINE: tuple[Expect, ...] = (
    Expect("attempted", ">=", 1),
    Expect("acknowledged", ">=", 1),
    Expect("early_redeliveries", "==", 0),
)


@dataclass(frozen=True)
class Verdict:
    status: Status
    checks: tuple[Check, ...]
    reasons: tuple[str, ...]  # why failed / error, in words

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "checks": [c.to_dict() for c in self.checks],
            "reasons": list(self.reasons),
        }


def judge(
    ledger: Ledger,
    expectations: Iterable[Expect],
    preconditions: Iterable[Expect] = (),
    errors: Iterable[str] = (),
) -> Verdict:
    """``errors`` are problems the runner saw (timeouts, crashes it did not ask for)."""
    metrics = ledger.metrics()
    reasons = list(errors)
    expectations = tuple(expectations)
    wanted = (*BASELINE, *preconditions, *expectations)
    unmeasured = sorted(
        {name for e in wanted for name in (e.metric, e.target) if isinstance(name, str)}
        - set(metrics)
    )
    reasons += [f"not judged: {name} was not measured" for name in unmeasured]
    for expect in (*BASELINE, *preconditions):
        if expect.metric in unmeasured or expect.target in unmeasured:
            continue
        check = expect.evaluate(metrics)
        if not check.ok:
            reasons.append(f"not judged: needs {expect}, got {check.actual:g}")
    checks = tuple(
        expect.evaluate(metrics)
        for expect in expectations
        if expect.metric not in unmeasured and expect.target not in unmeasured
    )
    if reasons:
        return Verdict(Status.ERROR, checks, tuple(reasons))
    broken = tuple(f"{c.name} {c.expected}, got {c.actual:g}" for c in checks if not c.ok)
    return Verdict(Status.FAILED if broken else Status.PASSED, checks, broken)
