"""Expectations and verdicts: small pure functions over the ledger.

Status words are a fixed vocabulary: ``passed``, ``failed`` (an expectation broke),
``not applicable`` (the consumer's design makes the failure mode impossible: it had no
chance to fail this way, and the verdict says why), ``error`` (the lab or the target could
not judge: nothing happened, the failure mode was not exercised, a process timed out, the
backend misbehaved), ``interrupted`` (Ctrl-C or SIGTERM stopped the run before it could be
judged) and ``skipped`` (not run: the target or the options do not allow it, with the
reason). A run where nothing happened is never a pass, and an anomaly the ledger shows is
always reported: it makes the run ``failed`` even when the run could not otherwise be
judged.
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
    NOT_APPLICABLE = "not applicable"

    @property
    def ok(self) -> bool:
        """Nothing to fix: passed, or rightly not run or not applicable."""
        return self in (Status.PASSED, Status.SKIPPED, Status.NOT_APPLICABLE)


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


@dataclass(frozen=True)
class Applies:
    """A condition the failure mode needs of the consumer's design: when ``expect`` does not
    hold, the consumer never had the chance to fail this way (``why_not`` says why), and a
    run whose preconditions failed for that reason is ``not applicable``, not an error."""

    expect: Expect
    why_not: str


# The ledger's anomalies: whatever the scenario, one of these seen is reported as a failure.
ANOMALIES = ("lost", "duplicate_side_effects", "unexpected")

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


def _measured(expect: Expect, metrics: dict[str, float]) -> bool:
    return all(n in metrics for n in (expect.metric, expect.target) if isinstance(n, str))


def judge(
    ledger: Ledger,
    expectations: Iterable[Expect],
    preconditions: Iterable[Expect] = (),
    errors: Iterable[str] = (),
    applies: Iterable[Applies] = (),
    anomalies: Iterable[str] = ANOMALIES,
) -> Verdict:
    """``errors`` are problems the runner saw (timeouts, crashes it did not ask for);
    ``applies`` what the failure mode needs of the consumer's design; ``anomalies`` the
    metrics whose broken expectation is reported whatever else happened (the ledger's, and
    what the scenario's negative control must show)."""
    metrics = ledger.metrics()
    expectations = tuple(expectations)
    wanted = (*BASELINE, *preconditions, *expectations)
    unmeasured = sorted(
        {name for e in wanted for name in (e.metric, e.target) if isinstance(name, str)}
        - set(metrics)
    )
    reasons = [*errors, *(f"not judged: {name} was not measured" for name in unmeasured)]
    unmet = [
        f"not judged: needs {expect}, got {check.actual:g}"
        for expect in (*BASELINE, *preconditions)
        if expect.metric not in unmeasured and expect.target not in unmeasured
        and not (check := expect.evaluate(metrics)).ok
    ]  # fmt: skip
    checks = tuple(
        expect.evaluate(metrics)
        for expect in expectations
        if expect.metric not in unmeasured and expect.target not in unmeasured
    )
    broken = tuple(f"{c.name} {c.expected}, got {c.actual:g}" for c in checks if not c.ok)
    seen = {c.name for c in checks if not c.ok} & set(anomalies)
    if seen:  # an anomaly in the ledger is reported, even in a run that cannot be judged
        also = tuple(f"also: {reason}" for reason in (*reasons, *unmet))
        return Verdict(Status.FAILED, checks, broken + also)
    if reasons:
        return Verdict(Status.ERROR, checks, tuple(reasons + unmet))
    if unmet:
        impossible = [a.why_not for a in applies if _measured(a.expect, metrics)
                      and not a.expect.evaluate(metrics).ok]  # fmt: skip
        if impossible:
            return Verdict(Status.NOT_APPLICABLE, checks, tuple(impossible))
        return Verdict(Status.ERROR, checks, tuple(unmet))
    return Verdict(Status.FAILED if broken else Status.PASSED, checks, broken)
