"""What the Lambda scenarios (``scenarios/lambda_*.py``) share: the example handlers of
``examples/lambda/``, how a scenario deploys its function, and measures over the mapping's
history (its ``invocation`` operations: the Lambda service's word).

A Lambda scenario declares its function and event source mapping (``Lambda``, the
``queuelab.esm.deployment.Deployment``: handler, timeout, reserved concurrency, batch size,
window, MaximumConcurrency, ReportBatchItemFailures) and starts it with ``deploy``:

- run as it is, the scenario's own handler (the correct example, or a variant for
  ``--unsafe``) behind the mapping, as a process of the lab's; the handler writes its side
  effects to the run's side-effects table (``$SIDE_EFFECTS_TABLE``), as on AWS;
- with ``--lambda-handler``, the user's handler takes its place with the same mapping,
  judged black-box (``queuelab.run.drivers.lambda_``);
- with ``--consumer-command``, the command takes the slot: no mapping ever invokes it, so the
  scenario is not applicable (``NOT_A_FUNCTION``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from queuelab.check.verdict import Applies, Expect
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import FAIL, INVOKE, OK, Fn, Op
from queuelab.esm.deployment import Deployment
from queuelab.run.children import Child
from queuelab.run.drivers.lambda_ import LambdaConsumer, start_mapping
from queuelab.run.drivers.own import OwnConsumer
from queuelab.run.lab import Lab
from queuelab.run.metrics import Metrics, metric

Lambda = Deployment
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lambda"
PYTHON_EXAMPLES = EXAMPLES / "python"


def example(module: str, function: str = "handler") -> str:
    """An example handler of examples/lambda/python, as ``PATH:module.function``."""
    return f"{PYTHON_EXAMPLES}:{module}.{function}"


CORRECT = example("correct")  # partial batch responses, idempotent side effects
NAIVE = example("naive")  # raises on the first failure, side effects without a key


def deploy(lab: Lab, deployment: Deployment, name: str = "function-1") -> Child:
    """Start the function and its mapping in consumer slot ``name``."""
    driver = lab.driver
    if isinstance(driver, LambdaConsumer):
        return driver.deploy(lab, deployment, name)
    if driver.kind != OwnConsumer.kind:  # a command: it takes the slot as it is
        return lab.consumer(ConsumerKnobs(max_messages=min(10, deployment.batch_size)), name)
    resources = lab.resources
    variables = {
        "SIDE_EFFECTS_TABLE": resources.side_effects_table,
        "STATUS_TABLE": resources.status_table,
        "RUN_ID": lab.run_id,
    }
    return start_mapping(lab, deployment, name, variables)


class Invoked(Metrics):
    invocations = metric("invocations of the function (ok or failed, throttles left out)")
    function_errors = metric("invocations that ended in a function error or a timeout")


NOT_A_FUNCTION = Applies(
    Expect(Invoked.invocations, ">=", 1),
    "it is not a Lambda function: no event source mapping ever invoked it",
)


def invocations(history: list[Op]) -> list[Op]:
    """Every invocation's outcome (ok / fail), throttles left out."""
    return [
        op
        for op in history
        if op.f == Fn.INVOCATION and op.type in (OK, FAIL) and not op.value.get("throttled_by")
    ]


def batches(history: list[Op]) -> list[list[str]]:
    """The keys of each invocation's batch, as handed over (throttled attempts included)."""
    return [
        list(op.value.get("keys", []))
        for op in history
        if op.f == Fn.INVOCATION and op.type == INVOKE and op.value.get("environment")
    ]


def shapes(history: list[Op]) -> Counter[str]:
    """How many successful invocations answered in each response shape."""
    return Counter(str(op.value.get("shape")) for op in invocations(history) if op.type == OK)


def invoked(history: list[Op]) -> dict[str, float]:
    done = invocations(history)
    return {
        Invoked.invocations: len(done),
        Invoked.function_errors: sum(1 for op in done if op.type == FAIL),
    }


def concurrency(history: list[Op]) -> list[tuple[float, int]]:
    """(time, invocations in progress) at each start and end, from the first start on."""
    starts = {
        str(op.value.get("request_id")): op.time
        for op in history
        if op.f == Fn.INVOCATION and op.type == INVOKE and op.value.get("environment")
    }
    ends = {str(op.value.get("request_id")): op.time for op in invocations(history)}
    events = sorted(
        [(t, 1) for t in starts.values()] + [(ends[r], -1) for r in starts if r in ends]
    )
    series, level = [], 0
    for t, step in events:
        level += step
        series.append((t, level))
    return series


def peak(history: list[Op]) -> int:
    return max((n for _, n in concurrency(history)), default=0)


def error_types(history: list[Op]) -> Counter[str]:
    """Function errors by type (``Sandbox.Timedout``, ``Runtime.ExitError``...)."""
    return Counter(
        str(op.value.get("error_type")) for op in invocations(history) if op.type == FAIL
    )


def deployments() -> dict[str, Deployment]:
    """Each Lambda scenario's function (its module's ``FUNCTION``, the safe run's) by the key
    of its resource set: what the Pulumi program deploys on AWS."""
    import sys

    import scenarios

    found: dict[str, Deployment] = {}
    for scenario in scenarios.ALL:
        function = getattr(sys.modules[scenario.method.__module__], "FUNCTION", None)
        if isinstance(function, Deployment):
            found[scenario.resources.key] = function
    return found
