"""An SQS event source mapping's configuration and the checks Lambda makes when it is
created (pure).

Rules, each with the AWS page that states it:

- ``BatchSize`` defaults to 10; at most 10,000 on a standard queue, 10 on a FIFO queue
  (services-sqs-parameters.html, the parameter table; the range 1-10000 is
  API_CreateEventSourceMapping.html's).
- "When you set BatchSize to a value greater than 10, you must set
  MaximumBatchingWindowInSeconds to at least 1" (API_CreateEventSourceMapping.html,
  BatchSize; AWS's answer otherwise: "Maximum batch window in seconds must be greater than
  0 if maximum batch size is greater than 10").
- ``MaximumBatchingWindowInSeconds`` is 0-300, default 0, and "Batching window is not
  supported for FIFO queues" (services-sqs-parameters.html; the range is
  API_CreateEventSourceMapping.html's).
- ``ScalingConfig.MaximumConcurrency`` is 2-1000 (API_ScalingConfig.html).
- ``FunctionResponseTypes``: ``ReportBatchItemFailures`` or nothing
  (services-sqs-parameters.html).
- "Your function's timeout must be less than or equal to the queue's visibility timeout.
  Lambda validates this requirement when you create or update an event source mapping"
  (services-sqs-configure.html, the note under "Configuring a queue to use with Lambda").
  AWS's answer: "Queue visibility timeout: 36 seconds is less than Function timeout: 450
  seconds".

Where AWS's exact sentence was not found (a FIFO batch size over 10), the message is ours and
says the rule plainly.
"""

from __future__ import annotations

from dataclasses import dataclass

from queuelab.esm.errors import ValidationError, out_of_range
from queuelab.esm.function import Function

DEFAULT_BATCH_SIZE = 10
MAX_BATCH_SIZE = 10_000
MAX_FIFO_BATCH_SIZE = 10
MAX_BATCH_WITHOUT_WINDOW = 10
MAX_WINDOW = 300
MIN_MAX_CONCURRENCY, MAX_MAX_CONCURRENCY = 2, 1000
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# The mapping long-polls the queue (with-sqs.html); 20 s is the longest wait SQS allows.
LONG_POLL_SECONDS = 20


@dataclass(frozen=True)
class Queue:
    """What the mapping reads from the queue's attributes when it is created."""

    url: str
    arn: str
    visibility_timeout: int
    fifo: bool

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True)
class Mapping:
    batch_size: int = DEFAULT_BATCH_SIZE
    window: int = 0  # MaximumBatchingWindowInSeconds
    maximum_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency
    report_batch_item_failures: bool = False  # FunctionResponseTypes

    def validate(self, queue: Queue, function: Function) -> None:
        """Raise ``ValidationError`` as CreateEventSourceMapping would."""
        out_of_range("batchSize", self.batch_size, 1, MAX_BATCH_SIZE)
        out_of_range("maximumBatchingWindowInSeconds", self.window, 0, MAX_WINDOW)
        if self.maximum_concurrency is not None:
            out_of_range(
                "scalingConfig.maximumConcurrency",
                self.maximum_concurrency,
                MIN_MAX_CONCURRENCY,
                MAX_MAX_CONCURRENCY,
            )
        if queue.fifo and self.window > 0:
            raise ValidationError("Batching window is not supported for FIFO queues")
        if queue.fifo and self.batch_size > MAX_FIFO_BATCH_SIZE:
            raise ValidationError(
                f"Batch size {self.batch_size} is over {MAX_FIFO_BATCH_SIZE}, the maximum for "
                "FIFO queues"
            )
        if self.batch_size > MAX_BATCH_WITHOUT_WINDOW and self.window < 1:
            raise ValidationError(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size "
                "is greater than 10"
            )
        function.validate()
        if function.timeout > queue.visibility_timeout:
            raise ValidationError(
                f"Queue visibility timeout: {queue.visibility_timeout} seconds is less than "
                f"Function timeout: {function.timeout} seconds"
            )

    @property
    def function_response_types(self) -> list[str]:
        return [REPORT_BATCH_ITEM_FAILURES] if self.report_batch_item_failures else []
