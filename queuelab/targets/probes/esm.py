"""Probes of the SQS event source mapping (``queuelab.esm``, the Lambda service on loopback)
on a target's queues: each case is a mapping at work in this process (its pollers, its
function's environments under awslambdaric) on a scratch queue of its own, its function
(``lambda_handler/probe.py``) answering as the case says and logging what it was given.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from queuelab.contract.history import FAIL, INVOKE, Fn, History, Op, read
from queuelab.esm import scaling, source
from queuelab.esm.errors import ValidationError
from queuelab.esm.function import Function
from queuelab.esm.main import PASSED_THROUGH
from queuelab.esm.mapping import Mapping
from queuelab.esm.service import Service, Settings
from queuelab.system.waiting import poll
from queuelab.targets.observe import depth
from queuelab.targets.probes.scratch import Observations, Observed, Scratch

HANDLER = Path(__file__).parent / "lambda_handler"
FIELDS = (
    "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
    "eventSource", "eventSourceARN", "awsRegion",
)  # fmt: skip
VISIBILITY = 2  # the cases' queues; the function's timeout is 1 s
SETTLE_SECONDS = 25.0  # the longest a case waits for its outcome
RBIF = Mapping(report_batch_item_failures=True)


class Case:
    """One mapping at work on its own queue (``bodies`` sent before it starts)."""

    def __init__(
        self, s: Scratch, folder: Path, name: str, case: str, bodies: list[str],
        mapping: Mapping, reserved: int | None = None,
    ) -> None:  # fmt: skip
        url, _ = s.queue(f"esm-{name}", VisibilityTimeout=str(VISIBILITY))
        for body in bodies:
            s.send(url, body)
        self.url, self.sqs, self.log = url, s.sqs, folder / f"{name}.jsonl"
        function = Function(
            code=HANDLER, handler="probe.handler", name=f"probe-{name}", timeout=1,
            reserved_concurrency=reserved, environment={"CASE": case, "PROBE_LOG": str(self.log)},
        )  # fmt: skip
        self.history_path = folder / f"{name}-history.jsonl"
        self.history = History(self.history_path, "esm")
        base = {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)}
        queue = source.describe(s.sqs, url)
        self.service = Service(
            function, mapping, queue, s.sqs, self.history,
            Settings(base_env=base | {"PYTHONUNBUFFERED": "1"}, receive_wait=1),
        )  # fmt: skip
        self.thread = threading.Thread(target=self.service.run, name=f"esm-{name}", daemon=True)
        self.thread.start()

    def invocations(self) -> list[dict[str, Any]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return [json.loads(line) for line in lines]

    def records(self) -> list[dict[str, Any]]:
        return [r for i in self.invocations() for r in i["records"]]

    def counts(self) -> dict[str, int]:
        """The highest receive count each body was invoked with."""
        found: dict[str, int] = {}
        for r in self.records():
            found[r["body"]] = max(found.get(r["body"], 0), r["receive_count"])
        return found

    def until(self, condition: Callable[[], bool], seconds: float = SETTLE_SECONDS) -> bool:
        return poll(condition, seconds, interval=0.2)

    def left(self) -> int:
        return depth(self.sqs, self.url).total

    def ops(self) -> list[Op]:
        return read([self.history_path]) if self.history_path.exists() else []

    def stop(self) -> None:
        self.service.stop()
        self.thread.join(timeout=30)
        self.history.close()


@contextmanager
def cases(s: Scratch) -> Iterator[Callable[..., Case]]:
    started: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="queuelab-esm-probe-") as folder:

        def start(name: str, case: str, bodies: list[str], mapping: Mapping, **kw: Any) -> Case:
            started.append(Case(s, Path(folder), name, case, bodies, mapping, **kw))
            return started[-1]

        try:
            yield start
        finally:
            for case in started:
                case.stop()


def _once_and_deleted(case: Case, count: int) -> tuple[bool, str]:
    """Each of ``count`` messages invoked once, none back after the visibility timeout."""
    case.until(lambda: len(case.records()) >= count)
    time.sleep(VISIBILITY + 1.5)
    counts, left = case.counts(), case.left()
    ok = len(case.records()) == count and set(counts.values()) == {1} and left == 0
    return ok, f"{len(case.records())} record(s) invoked for {count} messages; {left} left"


def _back(case: Case, bodies: set[str]) -> bool:
    return case.until(lambda: all(case.counts().get(b, 0) >= 2 for b in bodies))


def responses(s: Scratch) -> Observations:
    three = ["a", "b", "c"]
    with cases(s) as start:
        ok = start("ok", "ok", three, RBIF)
        error = start("error", "error", three, RBIF)
        partial = start("partial", "partial", ["a", "fail", "c"], RBIF)
        unknown = start("unknown", "unknown-id", three, RBIF)
        wrapped = start("wrapped", "wrapped", three, RBIF)
        deleted, deleted_seen = _once_and_deleted(ok, 3)
        first = ok.invocations()[0]["records"] if ok.invocations() else []
        shape = bool(first) and all(
            set(FIELDS) <= set(r["fields"]) and r["event_source"] == "aws:sqs" for r in first
        )
        errored = _back(error, set(three))
        partly = _back(partial, {"fail"})
        only_failed = {b for b, n in partial.counts().items() if n > 1} == {"fail"}
        malformed = _back(unknown, set(three))
        unseen, unseen_seen = _once_and_deleted(wrapped, 3)
        return {
            "esm-event-shape": Observed(
                shape, f"records with fields {first[0]['fields'] if first else 'none'}"
            ),
            "esm-delete-on-success": Observed(deleted, deleted_seen),
            "esm-error-returns-batch": Observed(
                errored, f"highest receive count by body: {error.counts()}"
            ),
            "esm-partial-batch-response": Observed(
                partly and only_failed, f"highest receive count by body: {partial.counts()}"
            ),
            "esm-malformed-response-fails-batch": Observed(
                malformed, f"highest receive count by body: {unknown.counts()}"
            ),
            "esm-unseen-list-is-success": Observed(unseen, unseen_seen),
        }


def _peak(case: Case) -> tuple[int, list[tuple[float, int]]]:
    """The most invocations at once, and (seconds from the mapping's first poll, level) steps:
    the ramp's clock starts with the polling, not with the first invocation (a cold start
    later), as in lambda-scaling."""
    spans = [(i["started"], i["ended"]) for i in case.invocations()]
    if not spans:
        return 0, []
    polls = [op.time for op in case.ops() if op.f == Fn.RECEIVE and op.type == INVOKE]
    first = min([start for start, _ in spans] + polls)
    events = sorted([(a - first, 1) for a, _ in spans] + [(b - first, -1) for _, b in spans])
    steps, level = [], 0
    for t, step in events:
        level += step
        steps.append((t, level))
    return max(n for _, n in steps), steps


def concurrency(s: Scratch) -> Observations:
    with cases(s) as start:
        capped = start("capped", "slow", [str(i) for i in range(8)], Mapping(
            batch_size=1, maximum_concurrency=2))  # fmt: skip
        reserved = start("reserved", "slow", [str(i) for i in range(8)], Mapping(batch_size=1),
                         reserved=1)  # fmt: skip
        ramp = start("ramp", "slow", [str(i) for i in range(15)], Mapping(batch_size=1))
        for case, n in ((capped, 8), (reserved, 8), (ramp, 15)):
            case.until(lambda case=case, n=n: len(case.counts()) >= n, 40)  # type: ignore[misc]
        throttled = [
            op for op in reserved.ops() if op.type == FAIL and op.value.get("throttled_by")
        ]
        cap_peak, _ = _peak(capped)
        reserved_peak, _ = _peak(reserved)
        ramp_peak, steps = _peak(ramp)
        allowed = [n <= scaling.START + scaling.PER_MINUTE * t / 60 for t, n in steps]
        return {
            "esm-maximum-concurrency": Observed(
                cap_peak == 2 and len(capped.counts()) == 8,
                f"at most {cap_peak} at once; {len(capped.counts())} of 8 done",
            ),
            "esm-reserved-concurrency-throttles": Observed(
                bool(throttled) and reserved_peak == 1 and len(reserved.counts()) == 8,
                f"{len(throttled)} throttled invocation(s); at most {reserved_peak} at once; "
                f"{len(reserved.counts())} of 8 done",
            ),
            "esm-scaling-ramp": Observed(
                bool(steps) and all(allowed) and ramp_peak >= 2,
                f"peak {ramp_peak} at once; above the ramp: {allowed.count(False)} time(s)",
            ),
        }


def _refusal(check: Callable[[], None]) -> str:
    try:
        check()
    except ValidationError as err:
        return str(err)
    return ""


def configuration(s: Scratch) -> Observations:
    url, _ = s.queue("esm-config", VisibilityTimeout=str(VISIBILITY))
    fifo_url, _ = s.queue("esm-config-fifo", fifo=True, VisibilityTimeout=str(VISIBILITY))
    queue, fifo = source.describe(s.sqs, url), source.describe(s.sqs, fifo_url)

    def function(timeout: int) -> Function:
        return Function(code=HANDLER, handler="probe.handler", timeout=timeout)

    too_long = _refusal(lambda: Mapping().validate(queue, function(VISIBILITY + 1)))
    fits = _refusal(lambda: Mapping().validate(queue, function(VISIBILITY)))
    no_window = _refusal(lambda: Mapping(batch_size=20).validate(queue, function(1)))
    window = _refusal(lambda: Mapping(batch_size=20, window=1).validate(queue, function(1)))
    fifo_big = _refusal(lambda: Mapping(batch_size=20, window=0).validate(fifo, function(1)))
    return {
        "esm-timeout-above-visibility-refused": Observed(
            bool(too_long) and not fits, f"timeout {VISIBILITY + 1}: {too_long or 'accepted'}"
        ),
        "esm-batch-size-validation": Observed(
            bool(no_window) and not window and bool(fifo_big),
            f"20 without a window: {no_window or 'accepted'}; with 1 s: {window or 'accepted'}"
            f"; FIFO: {fifo_big or 'accepted'}",
        ),
    }
