"""The ESM process's command line, both ways: ``Command.parse(argv)`` for
``python -m queuelab.esm`` and ``Command(...).argv()`` for whoever starts it (pure).

    python -m queuelab.esm --queue-url URL --handler examples/lambda/python:correct.handler \\
        [--runtime python|node] [--function-name NAME] [--timeout 3] [--memory 128] \\
        [--reserved-concurrency N] [--env KEY=VALUE ...] [--batch-size 10] [--window 0] \\
        [--maximum-concurrency N] [--report-batch-item-failures] [--receive-wait 20] \\
        [--faults SPEC --seed N] [--history PATH] [--run-id ID] [--process-name NAME] \\
        [--log-dir DIR] [--account-concurrency 1000]

``--history`` and ``--run-id`` default to the lab's ``HISTORY_PATH`` and ``RUN_ID``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping as MappingType
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from queuelab.contract.processes import HISTORY_PATH_ENV, RUN_ID_ENV
from queuelab.esm.function import (
    ACCOUNT_CONCURRENCY,
    DEFAULT_MEMORY,
    DEFAULT_NAME,
    DEFAULT_TIMEOUT,
    RUNTIMES,
    Function,
)
from queuelab.esm.mapping import DEFAULT_BATCH_SIZE, LONG_POLL_SECONDS, Mapping

MODULE = "queuelab.esm"


@dataclass(frozen=True)
class Command:
    queue_url: str
    function: Function
    mapping: Mapping = field(default_factory=Mapping)
    receive_wait: int = LONG_POLL_SECONDS
    faults: str = ""
    seed: int = 0
    history: str = ""
    run_id: str = ""
    process_name: str = ""  # default: the caller its access key names, else "esm"
    log_dir: str = ""
    account_concurrency: int = ACCOUNT_CONCURRENCY

    def argv(self, python: str = sys.executable) -> list[str]:
        f, m = self.function, self.mapping
        out = [python, "-m", MODULE, "--queue-url", self.queue_url]
        out += ["--handler", f"{f.code}:{f.handler}", "--runtime", f.runtime]
        out += ["--function-name", f.name, "--timeout", str(f.timeout), "--memory", str(f.memory)]
        if f.reserved_concurrency is not None:
            out += ["--reserved-concurrency", str(f.reserved_concurrency)]
        for key, value in f.environment.items():
            out += ["--env", f"{key}={value}"]
        out += ["--batch-size", str(m.batch_size), "--window", str(m.window)]
        if m.maximum_concurrency is not None:
            out += ["--maximum-concurrency", str(m.maximum_concurrency)]
        if m.report_batch_item_failures:
            out.append("--report-batch-item-failures")
        out += ["--receive-wait", str(self.receive_wait)]
        out += ["--account-concurrency", str(self.account_concurrency)]
        for flag, value in (
            ("--faults", self.faults), ("--history", self.history), ("--run-id", self.run_id),
            ("--process-name", self.process_name), ("--log-dir", self.log_dir),
        ):  # fmt: skip
            if value:
                out += [flag, value]
        if self.faults:
            out += ["--seed", str(self.seed)]
        return out

    @classmethod
    def parse(cls, argv: Sequence[str], env: MappingType[str, str]) -> Command:
        """Raises SystemExit(2) on a malformed command line, as argparse does."""
        a = parser().parse_args(list(argv))
        environment = dict(_pair(p) for p in a.env)
        function = Function.from_spec(
            a.handler, runtime=a.runtime, name=a.function_name, timeout=a.timeout,
            memory=a.memory, reserved_concurrency=a.reserved_concurrency, environment=environment,
        )  # fmt: skip
        mapping = Mapping(
            batch_size=a.batch_size, window=a.window, maximum_concurrency=a.maximum_concurrency,
            report_batch_item_failures=a.report_batch_item_failures,
        )  # fmt: skip
        return cls(
            queue_url=a.queue_url, function=function, mapping=mapping,
            receive_wait=a.receive_wait, faults=a.faults, seed=a.seed,
            history=a.history or env.get(HISTORY_PATH_ENV, ""),
            run_id=a.run_id or env.get(RUN_ID_ENV, ""), process_name=a.process_name,
            log_dir=a.log_dir, account_concurrency=a.account_concurrency,
        )  # fmt: skip

    @property
    def log_path(self) -> Path | None:
        return Path(self.log_dir) if self.log_dir else None


def _pair(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise SystemExit(f"--env {text!r}: expected KEY=VALUE")
    return key, value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m queuelab.esm",
        description="An SQS event source mapping and its Lambda function, on loopback.",
    )
    p.add_argument("--queue-url", required=True)
    p.add_argument("--handler", required=True, help="PATH:module.function")
    p.add_argument("--runtime", choices=RUNTIMES, default="python")
    p.add_argument("--function-name", default=DEFAULT_NAME)
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds (1-900)")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY, help="MB (128-10240)")
    p.add_argument("--reserved-concurrency", type=int, default=None)
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE, the function's")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    p.add_argument("--window", type=int, default=0, help="MaximumBatchingWindowInSeconds")
    p.add_argument("--maximum-concurrency", type=int, default=None)
    p.add_argument("--report-batch-item-failures", action="store_true")
    p.add_argument("--receive-wait", type=int, default=LONG_POLL_SECONDS)
    p.add_argument("--faults", default="", help="the nemesis's spec, applied to invocations")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--history", default="")
    p.add_argument("--run-id", default="")
    p.add_argument("--process-name", default="")
    p.add_argument("--log-dir", default="")
    p.add_argument("--account-concurrency", type=int, default=ACCOUNT_CONCURRENCY)
    return p
