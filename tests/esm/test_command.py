"""The ESM process's command line both ways (pure): what a driver builds is what the
process reads."""

from __future__ import annotations

from pathlib import Path

from queuelab.esm.command import Command
from queuelab.esm.function import Function
from queuelab.esm.mapping import Mapping


def test_argv_round_trips() -> None:
    command = Command(
        queue_url="http://127.0.0.1:1/123/q",
        function=Function(
            code=Path("examples/lambda/python"),
            handler="correct.handler",
            runtime="python",
            name="orders",
            timeout=5,
            memory=256,
            reserved_concurrency=3,
            environment={"SIDE_EFFECT_URL": "http://x/effects", "A": "b=c"},
        ),
        mapping=Mapping(
            batch_size=50, window=2, maximum_concurrency=4, report_batch_item_failures=True
        ),
        receive_wait=1,
        faults="throttle=0.1",
        seed=7,
        history="/tmp/h.jsonl",
        run_id="r1",
        process_name="lambda-1",
        log_dir="/tmp/logs",
        account_concurrency=10,
    )
    argv = command.argv(python="python")
    assert argv[:3] == ["python", "-m", "queuelab.esm"]
    assert Command.parse(argv[3:], {}) == command


def test_history_and_run_default_to_the_labs_variables() -> None:
    argv = ["--queue-url", "u", "--handler", "fn:app.handler"]
    command = Command.parse(argv, {"HISTORY_PATH": "/run/history/esm.jsonl", "RUN_ID": "r9"})
    assert (command.history, command.run_id) == ("/run/history/esm.jsonl", "r9")
    assert command.mapping == Mapping() and command.function.timeout == 3
