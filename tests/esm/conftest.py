"""The mapping's processes for real: ``python -m queuelab.esm`` (started with
``main.start``, the driver's one call) against the session's embedded server, running the
handlers of ``handlers/`` inside awslambdaric."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from esm_processes import Running, Start

from queuelab.backend import Endpoint
from queuelab.esm import main
from queuelab.esm.command import Command
from queuelab.esm.function import Function
from queuelab.esm.mapping import Mapping

HANDLERS = Path(__file__).parent / "handlers"
TOKEN = "esmtest"


@pytest.fixture
def queue(sqs: Any, unique: str) -> Callable[..., str]:
    def make(visibility: int = 2, fifo: bool = False, **attributes: str) -> str:
        name = f"esm-{unique}-{len(attributes)}{'.fifo' if fifo else ''}"
        attributes = {"VisibilityTimeout": str(visibility), **attributes}
        if fifo:
            attributes |= {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])

    return make


@pytest.fixture
def start_esm(endpoint: Endpoint, tmp_path: Path) -> Iterator[Start]:
    started: list[Running] = []

    def start(
        queue_url: str, handler: str, *, mapping: Mapping | None = None,
        env: dict[str, str] | None = None, token: str = TOKEN, **options: Any,
    ) -> Running:  # fmt: skip
        directory = tmp_path / f"esm-{len(started) + 1}"
        directory.mkdir()
        function_options = {
            k: options.pop(k)
            for k in ("timeout", "memory", "reserved_concurrency", "runtime", "code")
            if k in options
        }
        code = function_options.pop("code", HANDLERS)
        function_options.setdefault("timeout", 1)  # under the tests' visibility timeouts
        function = Function(
            code=code, handler=handler, name="fn",
            environment={"INVOKED_LOG": str(directory / "invoked.jsonl"), **(env or {})},
            **function_options,
        )  # fmt: skip
        command = Command(
            queue_url=queue_url, function=function, mapping=mapping or Mapping(),
            receive_wait=1, history=str(directory / "history" / "esm.jsonl"), run_id="run-1",
            log_dir=str(directory / "logs"), **options,
        )  # fmt: skip
        process_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        process_env |= endpoint.env() | {"AWS_ACCESS_KEY_ID": f"ql-{token}-esm"}
        log = directory / "esm.log"
        running = Running(main.start(command, process_env, log), directory, log)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
