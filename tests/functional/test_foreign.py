"""A consumer the lab did not write (``--consumer-command``), judged black-box: the correct
examples pass every scenario that runs black-box, the naive one fails with the anomaly each
scenario names, and a consumer that misbehaves is an error saying what it did, never a hang,
and leaves no process behind."""

from __future__ import annotations

import shutil
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from matrix import alone, planned

import scenarios
from queuelab.check.verdict import Status
from queuelab.contract import history
from queuelab.contract.history import OK, Fn
from queuelab.report import timeline
from queuelab.report.rundir import RunDir
from queuelab.run import external, watch
from queuelab.run.drivers import Consumer
from queuelab.run.drivers import command as foreign
from queuelab.run.runner import Result, run_scenario
from queuelab.run.scenario import Category, Scenario
from queuelab.targets.session import Session

ROOT = Path(__file__).parents[2]
CORRECT = [sys.executable, str(ROOT / "examples" / "correct_consumer.py")]
NAIVE = [sys.executable, str(ROOT / "examples" / "naive_consumer.py")]
NODE = ["node", str(ROOT / "examples" / "node" / "consumer.mjs")]
MISBEHAVING = [sys.executable, str(Path(__file__).parent / "consumers" / "misbehaving.py")]


def run(session: Session, tmp_path: Path, name: str, command: list[str]) -> Result:
    """One safe run with ``command`` as every consumer (a scale scenario at its small size)."""
    scenario = scenarios.get(name)
    small = scenario.small if scenario.on_demand else None
    return run_scenario(
        session, scenario, overrides=small, runs_root=tmp_path, consumer=Consumer.of(command)
    )


def why(result: Result) -> str:
    return f"{result.status}: {result.reasons} (journal: {result.run_dir / 'journal.json'})"


# The quick loop runs this one with the correct example; make test runs every one.
QUICK = {"happy"}


def marks(
    scenario: Scenario, command: list[str] = CORRECT, label: str = "correct"
) -> list[pytest.MarkDecorator]:
    """A matrix item's marks: ``command`` run on ``scenario`` in the session's batch."""
    quick = scenario.name in QUICK and scenario.category is not Category.SLOW
    runs = planned(scenario.name, consumer=Consumer.of(command), label=label)
    return ([] if quick else [pytest.mark.slow]) + alone(scenario.name) + runs


# A Lambda scenario is not applicable to a command (no mapping invokes it): tests/functional/
# test_lambda.py says so, and judges Lambda handlers.
BLACK_BOX = [pytest.param(s.name, id=s.name, marks=marks(s)) for s in scenarios.ALL
             if s.black_box.runs and not s.name.startswith("lambda-")]  # fmt: skip


def test_a_foreign_consumers_report_draws_what_the_endpoints_saw(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, tmp_path, "happy", CORRECT)
    assert result.status is Status.PASSED, why(result)
    # The operations the checker read are kept, the consumer's among them...
    ops = history.read([result.run_dir / history.OPERATIONS_FILE])
    done = {(op.f, op.type) for op in ops if op.process.startswith("consumer-")}
    assert {(Fn.RECEIVE, OK), (Fn.SIDE_EFFECT, OK), (Fn.DELETE, OK)} <= done
    # ...and the report draws them: its leases, side effects and deletes, its completions
    drawn = RunDir.load(result.run_dir)
    rows = timeline.message_timeline(drawn).rows
    assert all(row.leases and row.leases[0].process.startswith("consumer-") for row in rows)
    marks = {mark.kind for row in rows for mark in row.marks}
    assert {"side effect", "delete"} <= marks
    assert len(timeline.queue_series(drawn).completed_t) == 20


# Where the correct example's design rules the failure mode out (its heartbeat extends every
# message in hand, so none is ever taken away mid-work): not applicable, saying why.
CORRECT_NOT_APPLICABLE = {"dup", "late-delete", "backlog-drain"}


@pytest.mark.parametrize("name", BLACK_BOX)
def test_the_correct_example_passes_every_black_box_scenario(
    planned_result: Result, name: str
) -> None:
    result = planned_result
    if name in CORRECT_NOT_APPLICABLE:
        assert result.status is Status.NOT_APPLICABLE, why(result)
        assert "extended every message within its visibility timeout" in result.reasons[0]
    else:
        assert result.status is Status.PASSED, why(result)


# Other correct designs of the same example (its variables; benchmarks/designs.py runs each
# on every black-box scenario): here, each where its design meets the failure mode.
DESIGNS = {
    "one-per-20s-poll": {"BATCH_SIZE": "1", "WAIT_SECONDS": "20"},
    "parallel-10": {"BATCH_SIZE": "10", "PARALLEL": "10"},
    "backoff-own-visibility": {"VISIBILITY_SECONDS": "5"},
    "batch-deletes": {"DELETE_IN_BATCHES": "1"},
}
WHERE_THE_DESIGN_MATTERS = [
    # its other consumer's 20 s long poll, open while the lease would have ended, was the
    # chance (it returned only when the run stopped it)
    ("one-per-20s-poll", "heartbeat"),
    # ten threads, one group: the group's messages stay in order in one lane
    ("parallel-10", "fifo-order"),
    # the message in hand is finished, then deleted with its batch, before the exit
    ("batch-deletes", "dup-graceful-shutdown"),
    # backoff through ChangeMessageVisibility, on leases each receive asked for itself
    ("backoff-own-visibility", "retry-backoff"),
]


def designed(design: str) -> list[str]:
    """The correct example's command with its design's variables."""
    return ["env", *(f"{k}={v}" for k, v in DESIGNS[design].items()), *CORRECT]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("design", "name"),
    [pytest.param(d, n, id=f"{d}-{n}",
                  marks=marks(scenarios.get(n), designed(d), f"correct {d}"))
     for d, n in WHERE_THE_DESIGN_MATTERS],
)  # fmt: skip
def test_correct_consumers_of_other_designs_pass_where_their_design_matters(
    planned_result: Result, design: str, name: str
) -> None:
    assert planned_result.status is Status.PASSED, why(planned_result)


# What each scenario must report for a consumer that deletes on receipt, has no idempotency
# and retries a refused receive at once.
NAIVE_SHOWS = {
    "crash": "lost",
    "dup": "lost",  # stopped mid-work after deleting on receipt
    "poison": "dead_lettered",
    "business": "duplicate_side_effects",
    "poison-partial-batch": "dead_lettered",
    "dup-graceful-shutdown": "lost",
    "fifo-order": "lost",
    "api-faults": "lost",
    "ambiguous-send": "duplicate_side_effects",
    "at-least-once": "duplicate_side_effects",
    "queue-outage": "outage_call_rate",
    "outbox": "duplicate_side_effects",  # the relay's resend, done twice
    "cursor-resume": "duplicate_side_effects",  # part of a page sent again, done twice
    # Deleted on receipt, then its slow or failing side effect: stopped at the end of the
    # run mid-request (no SIGTERM handling), or refused by the downstream, the work is gone.
    "heartbeat": "lost",
    "lease-expiry": "lost",
    "retry-backoff": "lost",
    "visibility-zero-release": "lost",
    "check-then-act": "double_claims",  # no key: both copies of the order claimed at once
    "fifo-poison-group": "dead_lettered",  # the poison deleted (and done) like the rest
    "version-order": "stale_entities",  # no conditional update: no entity has a version
    "out-of-order": "stale_entities",
    "claim-check": "fetched",  # the pointer taken for the payload: nothing fetched
}
FAST_NAIVE = {"crash", "business", "dup-graceful-shutdown"}


def naive_marks(name: str) -> list[pytest.MarkDecorator]:
    runs = planned(name, consumer=Consumer.of(NAIVE), label="naive")
    return ([] if name in FAST_NAIVE else [pytest.mark.slow]) + runs


@pytest.mark.parametrize(
    ("name", "anomaly"),
    [pytest.param(n, a, id=n, marks=naive_marks(n)) for n, a in NAIVE_SHOWS.items()],
)
def test_the_naive_example_fails_naming_the_anomaly(
    planned_result: Result, name: str, anomaly: str
) -> None:
    result = planned_result
    assert result.status is Status.FAILED, why(result)
    assert [c.name for c in result.checks if not c.ok and c.name == anomaly], why(result)


def node_ready() -> str:
    """Why the Node example cannot run here ("" if it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (ROOT / "examples" / "node" / "node_modules" / "@aws-sdk" / "client-sqs").exists():
        return "the Node example's dependencies are not installed: make examples-node (npm ci)"
    return ""


def node_marks(name: str, slow: bool) -> list[pytest.MarkDecorator]:
    runs = [] if node_ready() else planned(name, consumer=Consumer.of(NODE), label="node")
    return ([pytest.mark.slow] if slow else []) + runs


@pytest.mark.skipif(bool(node_ready()), reason=node_ready() or "ready")
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("happy", marks=node_marks("happy", slow=False)),
        *(
            pytest.param(n, marks=node_marks(n, slow=True))
            for n in ("crash", "dup-graceful-shutdown", "version-order")
        ),
    ],
)
def test_the_node_example_passes(planned_result: Result, name: str) -> None:
    assert planned_result.status is Status.PASSED, why(planned_result)


def left_behind(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


@pytest.mark.parametrize(
    ("mode", "complaint"),
    [
        ("exit", "exited by itself with code 3"),
        ("flood", "flooded the side-effect endpoint"),
        ("hang", "made no ReceiveMessage call within 3 s"),
    ],
)
def test_a_misbehaving_consumer_is_an_error_saying_what_it_did(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, complaint: str
) -> None:
    monkeypatch.setattr(watch, "STARTUP_SECONDS", 3.0)
    # One thread asking in a loop makes a few hundred calls a second on a quiet machine, and
    # fewer than the endpoint's limit on a busy one: the test's limit is one it always reaches.
    monkeypatch.setattr(external, "FLOOD_PER_SECOND", 40)
    result = run(session, tmp_path, "happy", [*MISBEHAVING, mode])
    assert result.status is Status.ERROR, why(result)
    assert complaint in " ".join(result.reasons), why(result)
    if mode == "exit":
        assert "its last output: configuration error: no such table" in result.reasons[0]
    assert result.duration_s < 20


@pytest.mark.slow
def test_a_consumer_that_dies_under_the_faults_a_scenario_injects_fails_saying_so(
    session: Session, tmp_path: Path
) -> None:
    # Given a consumer that gives up on the first error it did not expect, and an outage
    result = run(session, tmp_path, "queue-outage", [*MISBEHAVING, "die-on-error"])
    # Then surviving the outage is what failed: named, with what the consumer said
    assert result.status is Status.FAILED, why(result)
    assert result.ledger.extra["consumers_died"] >= 1, why(result)
    assert "consumers_died == 0" in result.reasons[0]
    assert "its last output: giving up" in " ".join(result.reasons), why(result)


def test_a_consumer_that_cannot_start_is_an_error(session: Session, tmp_path: Path) -> None:
    result = run(session, tmp_path, "happy", [str(tmp_path / "no-such-consumer")])
    assert result.status is Status.ERROR, why(result)
    assert "consumer-1 could not start" in result.reasons[0]


@pytest.mark.slow
def test_its_processes_never_outlive_the_run(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given consumers that leave a child behind, and consumers that ignore SIGTERM
    monkeypatch.setattr(foreign, "STOP_GRACE_SECONDS", 1.0)
    for mode in ("orphan", "ignore-sigterm"):
        marker = f"marker-{uuid.uuid4().hex}"
        run(session, tmp_path, "happy", [*MISBEHAVING, mode, marker])
        # Then nothing of theirs is left when the run is over
        assert left_behind(marker) == []


def test_a_scenario_that_cannot_run_black_box_is_skipped_with_its_reason(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, tmp_path, "schema-evolution", CORRECT)
    assert result.status is Status.SKIPPED
    assert "one command is one version" in result.reasons[0]


def test_a_target_without_a_witness_skips_a_foreign_consumer(
    session: Session, tmp_path: Path
) -> None:
    blind = replace(session, name="aws", control=None)
    result = run(blind, tmp_path, "happy", CORRECT)
    assert result.status is Status.SKIPPED
    assert "witness, which the aws target does not have" in result.reasons[0]


SHELL_TOOLS = [tool for tool in ("aws", "jq", "curl") if shutil.which(tool) is None]


@pytest.mark.slow  # the AWS CLI takes about a second per call:
@pytest.mark.alone  # under other tests' load, happy's queue does not drain in its time
@pytest.mark.skipif(bool(SHELL_TOOLS), reason=f"the shell example needs {SHELL_TOOLS}")
def test_the_shell_example_passes_and_abandons_the_work_in_hand_on_sigterm(
    session: Session, tmp_path: Path
) -> None:
    shell = ["sh", str(ROOT / "examples" / "shell_consumer.sh")]
    happy = run(session, tmp_path, "happy", shell)
    assert happy.status is Status.PASSED, why(happy)
    stopped = run(session, tmp_path, "dup-graceful-shutdown", shell)
    assert [c.name for c in stopped.checks if not c.ok] == ["in_hand_redelivered"], why(stopped)
