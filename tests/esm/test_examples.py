"""The example handlers under examples/lambda/ through the mapping, against the lab's
side-effect endpoint: the correct one does each message once and sends poison back alone;
the naive one does the good messages of a poisoned batch again on every retry."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from esm_processes import Start

from queuelab.contract.history import OK, Fn
from queuelab.esm.environment import NODE_RIC
from queuelab.esm.mapping import Mapping
from queuelab.run.effect_endpoint import EffectEndpoint
from queuelab.run.external import Caller, ExternalSystem
from queuelab.system.waiting import wait_until

EXAMPLES = Path(__file__).parents[2] / "examples" / "lambda"
NO_NODE = "needs node and examples/lambda/node's aws-lambda-ric (make examples-lambda-node)"
GOOD = [json.dumps({"id": f"order-{i}"}) for i in range(6)]
POISON = [json.dumps({"id": "poisoned", "poison": True}), "not json"]


@pytest.fixture
def effects(tmp_path: Path) -> Iterator[tuple[ExternalSystem, str]]:
    system = ExternalSystem(log=tmp_path / "external.jsonl")
    system.add(Caller("fn"))
    endpoint = EffectEndpoint("tok", system)
    yield system, endpoint.url("fn")
    endpoint.close()


def run(
    sqs: Any, queue: Callable[..., str], start_esm: Start, url: str, handler: str, **options: Any
) -> Any:
    queue_url = queue(visibility=2)
    for body in GOOD + POISON:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    return start_esm(queue_url, handler, env={"SIDE_EFFECT_URL": url}, timeout=2, **options)


@pytest.mark.parametrize(
    ("handler", "code", "runtime"),
    [
        ("correct.handler", EXAMPLES / "python", "python"),
        pytest.param(
            "correct.handler", EXAMPLES / "node", "node",
            marks=pytest.mark.skipif(
                shutil.which("node") is None or not (EXAMPLES / "node" / NODE_RIC).exists(),
                reason=NO_NODE,
            ),
        ),
    ],
)  # fmt: skip
def test_the_correct_handler_does_each_message_once(
    sqs: Any, queue: Callable[..., str], start_esm: Start, effects: Any, handler: str,
    code: Path, runtime: str,
) -> None:  # fmt: skip
    system, url = effects
    mapping = Mapping(report_batch_item_failures=True)
    esm = run(sqs, queue, start_esm, url, handler, mapping=mapping, code=code, runtime=runtime)
    poison_ids: set[str] = set()

    def poison_came_back() -> bool:
        returned = [set(op.value["returned"]) for op in esm.ops(Fn.INVOCATION, OK)]
        poison_ids.update(*returned)
        counts = [m for op in esm.ops(Fn.RECEIVE, OK) for m in op.value["messages"]]
        return len(poison_ids) == 2 and any(
            m["message_id"] in poison_ids and m["receive_count"] >= 2 for m in counts
        )

    wait_until(lambda: system.performances.total() >= 6 and poison_came_back(), 40, "poison back")
    esm.stop()
    assert {f"order-{i}": 1 for i in range(6)} == dict(system.performances)
    assert {op.value["shape"] for op in esm.ops(Fn.INVOCATION, OK)} == {"documented"}


def test_the_naive_handler_does_a_poisoned_batchs_good_messages_again(
    sqs: Any, queue: Callable[..., str], start_esm: Start, effects: Any
) -> None:
    system, url = effects
    esm = run(sqs, queue, start_esm, url, "naive.handler", code=EXAMPLES / "python")
    wait_until(lambda: max(system.performances.values(), default=0) >= 2, 40, "a side effect twice")
    esm.stop()
    assert any(op.value["error_type"] for op in esm.ops(Fn.INVOCATION, "fail"))
