"""A function and its SQS event source mapping, as one declaration (pure): what a Lambda
scenario asks for, what ``queuelab run --lambda-handler`` deploys in each consumer slot, and
what the Pulumi program creates on AWS (``infra/lambda_.py``).

``handler`` is the lab's one-string spelling, ``PATH:module.function`` (the function's
folder, then the handler as the console spells it). The mapping's settings are those of
CreateEventSourceMapping (``mapping.py``); the function's those of CreateFunction
(``function.py``). ``check(visibility_timeout)`` refuses what Lambda refuses when the
mapping is created (the function's timeout above the queue's visibility timeout...).
"""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from queuelab.esm.function import DEFAULT_MEMORY, DEFAULT_TIMEOUT, NODE, PYTHON, Function
from queuelab.esm.mapping import DEFAULT_BATCH_SIZE, Mapping, Queue

# What the function runs on AWS (CreateFunction's Runtime), by the lab's runtime name.
AWS_RUNTIME = {PYTHON: "python3.11", NODE: "nodejs20.x"}


@dataclass(frozen=True)
class Deployment:
    handler: str  # PATH:module.function
    runtime: str = PYTHON
    timeout: int = DEFAULT_TIMEOUT  # seconds
    memory: int = DEFAULT_MEMORY  # MB
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions
    environment: MappingType[str, str] = field(default_factory=dict)
    batch_size: int = DEFAULT_BATCH_SIZE
    window: int = 0  # MaximumBatchingWindowInSeconds
    maximum_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency
    report_batch_item_failures: bool = True  # FunctionResponseTypes

    def but(self, **changes: Any) -> Deployment:
        return replace(self, **changes)

    @property
    def code(self) -> Path:
        return Path(self.handler.rpartition(":")[0])

    @property
    def entry(self) -> str:
        """``module.function``."""
        return self.handler.rpartition(":")[2]

    def function(self, name: str, environment: MappingType[str, str] | None = None) -> Function:
        """The function named ``name``, its variables with ``environment`` over them."""
        variables = {**self.environment, **(environment or {})}
        return Function.from_spec(
            self.handler, runtime=self.runtime, name=name, timeout=self.timeout,
            memory=self.memory, reserved_concurrency=self.reserved_concurrency,
            environment=variables,
        )  # fmt: skip

    def mapping(self) -> Mapping:
        return Mapping(
            batch_size=self.batch_size,
            window=self.window,
            maximum_concurrency=self.maximum_concurrency,
            report_batch_item_failures=self.report_batch_item_failures,
        )

    def check(self, visibility_timeout: int, fifo: bool = False) -> None:
        """Raise ``ValidationError`` as CreateFunction and CreateEventSourceMapping would
        for a queue with this visibility timeout."""
        queue = Queue("", "arn:aws:sqs:us-east-1:000000000000:q", visibility_timeout, fifo)
        self.mapping().validate(queue, self.function("check"))
