"""A Lambda handler behind an SQS event source mapping (``queuelab run --lambda-handler
PATH:module.function [--lambda-runtime node]``), judged black-box as a command is.

Each consumer slot a scenario asks for (``lab.consumer(knobs)``) is a function of its own,
``<slot>-function``, with its event source mapping: a ``python -m queuelab.esm`` process (the
Lambda service on loopback, ``queuelab.esm``) started through the lab's ``Host.spawn`` with
the slot's credentials. The mapping is ours: its history (receives, deletes, invocations,
environments) is the Lambda service's word, checked against the endpoint's witness like any
process of ours. The handler is not: its side effects are what the side-effect endpoint
recorded under the slot's URL (``$SIDE_EFFECT_URL``), its own SQS calls (if any) what the
witness saw under the function's credentials, as for a command.

Knobs translate as for a command (``queuelab.run.drivers.command``): ``max_messages`` is
the mapping's BatchSize; a crash after receive is a SIGKILL of the execution environment
while the N-th side-effect request is held (the invocation fails, ``Runtime.ExitError``,
and its whole batch returns after the visibility timeout), a crash after the side effect the
same once it was performed; slow work is a slow endpoint; a SIGTERM mid-work stops the
mapping, which finishes the batches in hand. The function's timeout is the queue's
visibility timeout (Lambda refuses a longer one). What only queuelab's consumer can honour is
refused, naming the knobs.

A Lambda scenario (``scenarios/lambda_*.py``) declares its function and mapping
(``queuelab.esm.deployment.Deployment``): ``deploy`` gives the user's handler that mapping.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from queuelab.check import blackbox
from queuelab.contract import clients, external, history, witness
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.history import INFO, OK, Fn, Op
from queuelab.esm.command import Command
from queuelab.esm.deployment import Deployment
from queuelab.esm.function import PYTHON
from queuelab.run.children import Child, Role
from queuelab.run.drivers.base import Host
from queuelab.run.drivers.command import ACTIONS_FILE, CommandConsumer, untranslatable
from queuelab.run.external import Caller, Moment, Trigger

KIND = "lambda"
STATUS_TABLE_ENV = "STATUS_TABLE"  # a table the handler may keep idempotency records in
STOP_MARGIN_SECONDS = 5.0  # past the batch in hand and the last long poll


def function_name(slot: str) -> str:
    return f"{slot}-function"


def history_path(run_dir: Path, slot: str) -> Path:
    """Where the mapping of ``slot`` writes its history (the lab's, as for its processes)."""
    return run_dir / "history" / f"{slot}.jsonl"


def start_mapping(
    host: Host, deployment: Deployment, slot: str, variables: Mapping[str, str]
) -> Child:
    """Start the function ``<slot>-function`` and its event source mapping on the run's
    queue (one process, ``python -m queuelab.esm``, through ``host.spawn``); ``variables``
    are the function's, over the deployment's own."""
    resources = host.resources
    function = deployment.function(function_name(slot), variables)
    command = Command(
        queue_url=resources.queue_url, function=function, mapping=deployment.mapping(),
        receive_wait=resources.receive_wait, process_name=slot,
        log_dir=str(host.run_dir / "logs" / f"{slot}-environments"),
    )  # fmt: skip
    env = host.environment(slot, {"QUEUE_URL": resources.queue_url})
    grace = deployment.timeout + resources.receive_wait + STOP_MARGIN_SECONDS
    return host.spawn(slot, Role.CONSUMER, command.argv(), env, grace)


def environment_pid(ops: list[Op], key: str) -> int | None:
    """(pure) The process of the execution environment whose invocation holds ``key`` now,
    from the mapping's history (an environment is recorded at its start, before it is
    handed anything)."""
    pids = {
        str(op.value.get("environment")): int(op.value["pid"])
        for op in ops
        if op.f == Fn.ENVIRONMENT and op.type == OK and op.value.get("event") == "start"
    }
    holding = [
        str(op.value.get("environment"))
        for op in ops
        if op.f == Fn.INVOCATION and key in op.value.get("keys", []) and op.value.get("environment")
    ]
    return pids.get(holding[-1]) if holding else None


@dataclass
class LambdaConsumer(CommandConsumer):
    kind = KIND

    handler: str = ""  # PATH:module.function
    runtime: str = PYTHON
    functions: dict[str, str] = field(default_factory=dict)  # function name -> its slot
    crashes: dict[str, Trigger] = field(default_factory=dict)  # slot -> its crash

    @classmethod
    def for_handler(
        cls, handler: str, runtime: str, run_dir: Path, token: str,
        settings: clients.AwsSettings, fault_spec: str, seed: int,
    ) -> LambdaConsumer:  # fmt: skip
        made = cls.open([f"{handler} ({runtime})"], run_dir, token, settings, fault_spec, seed)
        assert isinstance(made, LambdaConsumer)
        made.handler, made.runtime = handler, runtime
        return made

    # -- starting: a consumer slot is a function and its mapping -------------------------

    def start(self, host: Host, knobs: ConsumerKnobs, name: str, retries: int) -> Child:
        refused = untranslatable(knobs)
        if refused:
            raise ValueError(
                f"a Lambda handler cannot be given {', '.join(refused)}: this scenario "
                "cannot run against a Lambda function"
            )
        caller = Caller(name, delay=knobs.side_effect_delay_seconds)
        if knobs.side_effect_log_path:
            caller.log_path = Path(knobs.side_effect_log_path)
            caller.log_field = knobs.side_effect_log_field
        crashes: tuple[tuple[Moment, int, str], ...] = (
            ("before", knobs.crash_after_receive, "after receive"),
            ("after", knobs.crash_after_side_effect, "after side effect"),
        )
        for moment, at, point in crashes:
            if at:
                trigger = Trigger(moment, self._environment_killer(host, name, point), at=at)
                caller.triggers.append(trigger)
                self.crashes[name] = trigger
        visibility = host.resources.visibility_timeout
        deployment = Deployment(
            self.handler, batch_size=knobs.max_messages, timeout=max(1, visibility)
        )
        return self.deploy(host, deployment, name, caller)

    def deploy(
        self, host: Host, deployment: Deployment, name: str, caller: Caller | None = None
    ) -> Child:
        """The user's handler in slot ``name``, with ``deployment``'s function settings and
        mapping (a Lambda scenario's), its side effects through the endpoint."""
        deployment = deployment.but(handler=self.handler, runtime=self.runtime)
        self.system.add(caller or Caller(name))
        variables = {
            external.SIDE_EFFECT_URL_ENV: self.endpoint.url(name),
            external.QUEUE_URL_ENV: host.resources.queue_url,
            STATUS_TABLE_ENV: host.resources.status_table,  # its own bookkeeping, if any
        }
        child = start_mapping(host, deployment, name, variables)
        self.children[name] = child
        self.functions[function_name(name)] = name
        return child

    def _environment_killer(self, host: Host, slot: str, point: str) -> Callable[[str], bool]:
        """SIGKILL the execution environment whose side-effect request for ``id_`` is held:
        the invocation fails and its batch comes back after the visibility timeout."""

        def kill(id_: str) -> bool:
            self.record(Op(time.time(), slot, INFO, Fn.CRASH, id_, {"point": point}))
            ops = history.read([history_path(host.run_dir, slot)])
            pid = environment_pid(ops, id_)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
            return True  # its caller is gone: the held request is dropped

        return kill

    def wait_exit(self, host: Host, child: Child, timeout: float) -> int:
        """A crash knob kills an environment, not the mapping: once it fired, the slot's
        mapping is stopped (it finishes the batches in hand), as the crashed process would
        be gone."""
        crash = self.crashes.get(child.name)
        if crash is None:
            return super().wait_exit(host, child, timeout)
        host.wait_for(crash.fired.is_set, timeout, f"the crash of {child.name}'s environment")
        code = host.stop_process(child)
        return -1 if code is None else code

    def stop(self, host: Host, child: Child) -> int | None:
        return host.stop_process(child)

    def terminate_mid_work(self, host: Host, child: Child, timeout: float) -> str:
        """SIGTERM the slot's mapping while a side-effect request of its is under way (the
        one being worked on, or else the next, held until then) and let the request go on at
        once: a mapping that stops finishes the invocations in hand (there is no immediate
        exit to wait for, and the function's timeout runs meanwhile)."""

        def terminate(id_: str) -> bool:
            value = {"signal": "SIGTERM", "count": 1}
            self.record(Op(time.time(), child.name, OK, Fn.SIGNAL, id_, value))
            child.stopped_by_lab = True
            child.popen.send_signal(signal.SIGTERM)
            return False

        caller = self.system.callers[child.name]
        with self.system.lock:  # a request of its is being worked on already: now
            working = caller.attempts > caller.performed and self.system.in_progress
            key = min(self.system.in_progress) if working else ""
        if key:
            terminate(key)
            return key
        what = f"a side-effect request of {child.name}"
        return caller.fire(Trigger("before", terminate), host.wait_for, timeout, what)

    # -- the checker's view --------------------------------------------------------------

    def outsiders(self) -> set[str]:
        """The handlers: their own SQS calls (if any) are made from the witness."""
        return set(self.functions)

    def ops(self, ours: list[Op]) -> list[Op]:
        """The mappings' histories (ours), and from outside what the handlers did: their
        side-effect requests, their own SQS calls, what the lab did to them."""
        actions = self.run_dir / ACTIONS_FILE
        sent_at = {op.key: op.time for op in ours if op.f == Fn.SEND and op.type == OK and op.key}
        witnessed = witness.read(self.run_dir / witness.FILE)
        records = [r for r in witnessed if r.caller in self.functions]
        theirs = blackbox.ops(
            records,
            external.read(self.run_dir / external.FILE),
            set(self.children) | set(self.functions),
            history.read([actions]) if actions.exists() else [],
            sent_at,
        )
        return sorted(ours + theirs, key=lambda op: op.time)
