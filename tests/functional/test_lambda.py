"""A Lambda handler behind the lab's event source mapping (``--lambda-handler``), judged
black-box: the correct examples (Python under awslambdaric, Node under aws-lambda-ric) pass,
the naive one fails naming its duplicates, a command is not applicable to a Lambda scenario,
and a scenario that cannot judge a function from outside is skipped."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from matrix import planned

import scenarios
from queuelab.check.verdict import Status
from queuelab.esm.environment import NODE_RIC
from queuelab.run.drivers import Consumer
from queuelab.run.runner import Result, run_scenario
from queuelab.targets.session import Session

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples" / "lambda"
CORRECT = f"{EXAMPLES / 'python'}:correct.handler"
NAIVE = f"{EXAMPLES / 'python'}:naive.handler"
NODE = f"{EXAMPLES / 'node'}:correct.handler"
POWERTOOLS = f"{EXAMPLES / 'python'}:powertools_handler.handler"


def run(session: Session, tmp_path: Path, name: str, consumer: Consumer) -> Result:
    return run_scenario(session, scenarios.get(name), runs_root=tmp_path, consumer=consumer)


def why(result: Result) -> str:
    return f"{result.status}: {result.reasons} (journal: {result.run_dir / 'journal.json'})"


def handled(name: str, consumer: Consumer, label: str, slow: bool = False) -> Any:
    """A matrix item: ``name`` run with a handler, in the session's batch."""
    runs = planned(name, consumer=consumer, label=label)
    return pytest.param(name, marks=[*runs, *([pytest.mark.slow] if slow else [])])


@pytest.mark.parametrize(
    "name",
    [handled("happy", Consumer.of(handler=CORRECT), "correct handler"), *(
        handled(n, Consumer.of(handler=CORRECT), "correct handler", slow=True) for n in (
            "crash", "poison", "lambda-partial-batch", "lambda-malformed-response"))],
)  # fmt: skip
def test_the_correct_handler_passes(planned_result: Result, name: str) -> None:
    assert planned_result.status is Status.PASSED, why(planned_result)


@pytest.mark.parametrize(
    "name",
    [
        handled("lambda-partial-batch", Consumer.of(handler=NAIVE), "naive handler"),
        handled("poison", Consumer.of(handler=NAIVE), "naive handler", slow=True),
    ],
)
def test_the_naive_handler_fails_naming_its_duplicates(planned_result: Result, name: str) -> None:
    result = planned_result
    assert result.status is Status.FAILED, why(result)
    assert [c for c in result.checks if not c.ok and c.name == "duplicate_side_effects"]
    assert result.ledger.samples["duplicate_side_effects"], why(result)


def node_ready() -> str:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (EXAMPLES / "node" / NODE_RIC).exists():
        return "aws-lambda-ric is not installed beside the Node handler: make examples-lambda-node"
    return ""


@pytest.mark.skipif(bool(node_ready()), reason=node_ready() or "ready")
@pytest.mark.parametrize(
    "name", ["happy", *(pytest.param(n, marks=pytest.mark.slow) for n in ("crash", "poison"))]
)
def test_a_node_handler_passes(session: Session, tmp_path: Path, name: str) -> None:
    # Its own run, after the batch on the same worker rather than inside it: a Node
    # environment's cold start is the slowest of all, and the crash scenario's lease is 2 s.
    result = run(session, tmp_path, name, Consumer(handler=NODE, runtime="node"))
    assert result.status is Status.PASSED, why(result)


def powertools_ready() -> str:
    try:
        import aws_lambda_powertools  # noqa: F401
    except ImportError:
        return "aws-lambda-powertools is not installed (pip install aws-lambda-powertools)"
    return ""


@pytest.mark.slow
@pytest.mark.skipif(bool(powertools_ready()), reason=powertools_ready() or "ready")
def test_the_powertools_handler_passes_a_mixed_batch(session: Session, tmp_path: Path) -> None:
    consumer = Consumer.of(handler=POWERTOOLS)
    result = run(session, tmp_path, "lambda-partial-batch", consumer)
    assert result.status is Status.PASSED, why(result)


@pytest.mark.slow
def test_a_command_is_not_applicable_to_a_lambda_scenario(session: Session, tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "examples" / "correct_consumer.py")]
    result = run(session, tmp_path, "lambda-partial-batch", Consumer.of(command))
    assert result.status is Status.NOT_APPLICABLE, why(result)
    assert "no event source mapping ever invoked it" in " ".join(result.reasons)


def test_a_scenario_that_cannot_judge_a_function_from_outside_is_skipped(
    session: Session, tmp_path: Path
) -> None:
    result = run(session, tmp_path, "heartbeat", Consumer.of(handler=CORRECT))
    assert result.status is Status.SKIPPED, why(result)
    assert "--lambda-handler" in result.reasons[0]
