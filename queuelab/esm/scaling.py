"""How many batches the mapping works on at once (pure): each is one poller, which reads a
batch, invokes the function with it and settles it before it reads again.

services-sqs-scaling.html: "When messages are available, Lambda starts processing five
batches at a time with five concurrent invocations of your function. If messages are still
available, Lambda increases the number of processes that are reading batches by up to 300
more instances per minute. The maximum number of batches that an event source mapping can
process simultaneously is 1,000. When traffic is low, Lambda scales back the processing to
five concurrent batches". ``MaximumConcurrency`` (2-1000, API_ScalingConfig.html) caps it:
"Limits the number of concurrent instances that the Amazon SQS event source can invoke".

services-sqs-errorhandling.html ("Backoff strategy for failed invocations"): after a
function error or a throttle, "Lambda gradually backs off, reducing the amount of concurrency
allocated to your Amazon SQS event source mapping"; "When ReportBatchItemFailures is
activated, Lambda doesn't scale down message polling when function invocations fail" (the
caller does not report function errors then).

How gradual is not documented; here each failed invocation takes one batch away, down to
one, and growth resumes at the documented rate while receives find messages. The
optimisation "to as few as 2 concurrent batches" at low traffic is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

START = 5
PER_MINUTE = 300
MAXIMUM = 1000
LOWEST = 1  # after back-offs


@dataclass
class Ramp:
    maximum_concurrency: int | None = None
    now: float = 0.0
    level: float = field(init=False)
    ceiling: int = field(init=False)
    floor: int = field(init=False)

    def __post_init__(self) -> None:
        self.ceiling = min(MAXIMUM, self.maximum_concurrency or MAXIMUM)
        self.floor = min(START, self.ceiling)
        self.level = float(self.floor)

    def pollers(self) -> int:
        """How many batches may be in hand now."""
        return max(LOWEST, min(self.ceiling, int(self.level)))

    def _elapsed(self, now: float) -> float:
        elapsed, self.now = max(0.0, now - self.now), max(self.now, now)
        return elapsed

    def found_messages(self, now: float) -> None:
        """A receive returned messages: grow at up to 300 a minute since the last news."""
        self.level = min(float(self.ceiling), self.level + PER_MINUTE * self._elapsed(now) / 60)

    def found_none(self, now: float) -> None:
        """A receive came back empty: scale back towards the start level."""
        self._elapsed(now)
        if self.level > self.floor:
            self.level = max(float(self.floor), self.level - 1)

    def back_off(self, now: float) -> None:
        """A function error (without ReportBatchItemFailures) or a throttle."""
        self._elapsed(now)
        self.level = max(float(LOWEST), self.level - 1)
