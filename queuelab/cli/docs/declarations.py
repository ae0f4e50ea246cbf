"""What the docs say about a scenario, read from its declaration: the one place that knows
how a ``Scenario`` is declared. A new declaration shape changes ``read`` and nothing else;
the pages are drawn from ``ScenarioDoc`` alone."""

from __future__ import annotations

from dataclasses import dataclass

import scenarios
from queuelab.check.verdict import BASELINE
from queuelab.run.scenario import Scenario
from queuelab.targets import semantics
from queuelab.targets.plan import ResourceSet


@dataclass(frozen=True)
class ParamDoc:
    name: str
    default: str
    help: str
    allowed: str  # the values it takes (its bounds or choices)


@dataclass(frozen=True)
class SemanticDoc:
    name: str
    behaviour: str
    expected: str  # what SQS does
    reference: str  # the AWS page that documents it
    setting: str  # the embedded backend's setting that changes it on purpose ("": none)


@dataclass(frozen=True)
class ScenarioDoc:
    name: str
    module: str  # where it is declared, e.g. scenarios/dup.py
    topic: str  # the catalogue's section it belongs to
    topic_heading: str
    category: str  # fast or slow
    typical_seconds: float
    in_all: bool  # run by --all and --category (else: only when named)
    alone: bool  # measures a timing window: runs alone
    summary: str
    demonstrates: str
    params: tuple[ParamDoc, ...]
    preconditions: tuple[str, ...]  # the failure mode really happened (else: error)
    applies: tuple[tuple[str, str], ...]  # (what the design must allow, why not otherwise)
    expectations: tuple[str, ...]  # what the verdict checks
    unsafe: str  # what --unsafe turns off
    unsafe_shows: tuple[str, ...]  # what the checker must then report (none: a diagnostic)
    resources: str  # its queue, DLQ, tables and bucket, in words
    unsafe_resources: str  # another resource set for --unsafe, in words ("": the same)
    black_box: bool  # can judge a consumer the lab did not write
    not_black_box: str  # why not
    not_for_lambda: str  # why a Lambda handler is not judged by it ("": it is)
    relies_on: tuple[SemanticDoc, ...]
    adapts_to: tuple[SemanticDoc, ...]
    measures: tuple[tuple[str, str], ...]  # the metrics it adds to the ledger, with their help
    faults: str  # endpoint faults it sets itself
    intolerance: str  # why --faults skips it ("": it takes them)
    limits: str  # what the embedded backend limits
    timeout_seconds: float


def semantic(name: str) -> SemanticDoc:
    s = semantics.get(name)
    return SemanticDoc(s.name, s.behaviour, s.expected, s.reference, s.setting)


def every_semantic() -> tuple[SemanticDoc, ...]:
    return tuple(semantic(s.name) for s in semantics.CATALOGUE)


def baseline() -> tuple[str, ...]:
    """What every verdict requires, whatever the scenario."""
    return tuple(str(expect) for expect in BASELINE)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def resources(item: ResourceSet) -> str:
    """A resource set in words: what a reader needs to follow the scenario."""
    parts = [
        "a FIFO queue" if item.fifo else "a standard queue",
        f"visibility timeout {item.visibility_timeout} s",
        (
            f"maxReceiveCount {item.max_receive_count}, then its DLQ"
            if item.max_receive_count is not None
            else "no redrive policy (its DLQ unattached)"
        ),
    ]
    if item.content_based_dedup:
        parts.append("content-based deduplication")
    if item.tables:
        parts.append("tables " + ", ".join(item.tables))
    if item.bucket:
        parts.append("an S3 bucket")
    return "; ".join(parts)


def read(scenario: Scenario) -> ScenarioDoc:
    """Everything the pages say about one scenario, from its declaration (a scenario is the
    file named after it: ``scenarios/<name with underscores>.py``)."""
    other = scenario.unsafe_resources
    return ScenarioDoc(
        name=scenario.name,
        module="scenarios/" + scenario.name.replace("-", "_") + ".py",
        topic=scenario.topic.value,
        topic_heading=scenario.topic.heading,
        category=scenario.category.value,
        typical_seconds=scenario.typical_seconds,
        in_all=not scenario.on_demand,
        alone=scenario.alone,
        summary=scenario.summary,
        demonstrates=scenario.demonstrates,
        params=tuple(
            ParamDoc(name, _text(p.default), p.help, p.bounds())
            for name, p in scenario.params.items()
        ),
        preconditions=tuple(str(e) for e in scenario.preconditions),
        applies=tuple((str(a.expect), a.why_not) for a in scenario.applies),
        expectations=tuple(str(e) for e in scenario.expectations),
        unsafe=scenario.unsafe,
        unsafe_shows=tuple(str(e) for e in scenario.unsafe_shows),
        resources=resources(scenario.resources),
        unsafe_resources=resources(other) if other is not None else "",
        black_box=scenario.black_box.runs,
        not_black_box=scenario.black_box.why_not,
        not_for_lambda=scenario.black_box.not_for_lambda,
        relies_on=tuple(semantic(n) for n in scenario.relies_on),
        adapts_to=tuple(semantic(n) for n in scenario.adapts_to),
        measures=tuple(scenario.metrics.declared().items()),
        faults=scenario.faults,
        intolerance=scenario.intolerance,
        limits=scenario.limits,
        timeout_seconds=scenario.timeout_seconds,
    )


def read_all() -> tuple[ScenarioDoc, ...]:
    """Every scenario of the catalogue, in its order."""
    return tuple(read(s) for s in scenarios.ALL)
