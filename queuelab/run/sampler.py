"""While a scenario's method runs, sample the queue and the DLQ (visible, in flight, delayed)
and the processes' states on a background thread, as events (``queuelab.run.events``): the
report's queue timeline and the live view read them.

On the embedded backend the counts are exact; on AWS they are approximate. Each sample is
two GetQueueAttributes calls; a failed one is skipped (the next tick tries again).
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from prometheus_client.parser import text_string_to_metric_families

from queuelab.run.children import Child, Role
from queuelab.run.events import Event, Kind, Sink
from queuelab.targets.observe import depth
from queuelab.targets.outputs import SetOutputs

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

INTERVAL_SECONDS = 0.5
METRICS_PREFIX = "queuelab_consumer_"  # consumer/metrics.py's names
SCRAPE_TIMEOUT_SECONDS = 0.3
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def scrape(url: str, timeout: float = SCRAPE_TIMEOUT_SECONDS) -> dict[str, float]:
    """A consumer's /metrics as {short name: value}: counters without ``_total``, the
    processing-time histogram as its count and sum."""
    with NO_PROXY.open(url, timeout=timeout) as response:
        text = response.read().decode()
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = sample.name.removeprefix(METRICS_PREFIX)
            if sample.name.endswith("_bucket") or name == sample.name:
                continue
            if sample.name.endswith("_created"):
                continue
            values[name.removesuffix("_total")] = sample.value
    return values


class Sampler:
    def __init__(
        self,
        sqs: SQSClient,
        resources: SetOutputs,
        children: Callable[[], list[Child]],
        emit: Sink,
        run_id: str,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.sqs = sqs
        self.resources = resources
        self.children = children
        self.emit = emit
        self.run_id = run_id
        self.interval = interval
        self._states: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="queuelab-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.processes()  # the last endings, after the lab stopped everything

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        self.processes()
        try:
            queue = depth(self.sqs, self.resources.queue_url)
            dlq = depth(self.sqs, self.resources.dlq_url)
        except (BotoCoreError, ClientError):
            return
        consumers = sum(1 for c in self.children() if c.role is Role.CONSUMER and c.alive())
        values = {
            "visible": queue.visible,
            "in_flight": queue.in_flight,
            "delayed": queue.delayed,
            "dlq": dlq.total,
            "consumers": consumers,
        }
        self.emit(Event(Kind.SAMPLE, self.run_id, values))

    def processes(self) -> None:
        """A PROCESS event for every process whose state changed since the last tick."""
        for child in list(self.children()):
            state = child.ending().value
            if self._states.get(child.name) != state:
                self._states[child.name] = state
                values = {"name": child.name, "role": child.role.value, "state": state}
                self.emit(Event(Kind.PROCESS, self.run_id, values))
