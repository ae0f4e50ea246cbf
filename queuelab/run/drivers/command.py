"""A consumer the lab did not write (``queuelab run --consumer-command CMD``), in any language.

Each consumer slot a scenario asks for (``lab.consumer(knobs)``) starts CMD in its own
session with the contract's environment (``queuelab.contract.external``): the standard AWS
variables with the process's own credentials, ``QUEUE_URL``, ``SIDE_EFFECT_URL`` and
``STATE_TABLE`` (the set's consumer table, emptied before each run). The
knobs the lab can apply from outside become the side-effect endpoint's: a crash after
receive is a SIGKILL while the N-th side-effect request is held, before it is performed; a
crash after the side effect a SIGKILL once it was performed, before it is answered; slow
work a slow endpoint; an outage of the downstream an outage window of the endpoint; the
ordering log and the entities' state are written by the endpoint (``translate`` says how
each knob translates). A knob that only our own consumer can honour (a crash rate, a
safeguard switched off) is refused; our consumer's own way of being safe (a heartbeat, a
backoff, a batch size) is left to it.

The lab watches what it started (``queuelab.run.watch``). Its operations for the checker
come from outside (``queuelab.check.blackbox``), never from a history it writes.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queuelab.backend.control import Control, ControlError
from queuelab.check import blackbox
from queuelab.contract import clients, external, faults, history, tables, witness
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.files import append_line
from queuelab.contract.history import INFO, INVOKE, OK, Fn, Op
from queuelab.contract.messages import subject_of
from queuelab.contract.processes import HISTORY_PATH_ENV
from queuelab.run import processes
from queuelab.run.children import Child, Role
from queuelab.run.drivers.base import ConsumerDriver, ConsumerFailed, Host, LabTimeout
from queuelab.run.drivers.translate import caller, untranslatable
from queuelab.run.effect_endpoint import EffectEndpoint
from queuelab.run.external import ExternalSystem, Trigger
from queuelab.run.watch import Watch
from queuelab.system import spawn

if TYPE_CHECKING:
    from queuelab.run.scenario import Scenario

__all__ = ["CommandConsumer", "black_box_skip", "untranslatable"]

STOP_GRACE_SECONDS = 10.0  # SIGTERM to it, then SIGKILL for its whole process group
EXIT_AFTER_SIGTERM_SECONDS = 1.0  # an immediate exit takes milliseconds
ACTIONS_FILE = "lab-actions.jsonl"  # what the lab did to the foreign processes


def black_box_skip(scenario: Scenario, target: str, witnessed: bool) -> str:
    """Why ``scenario`` cannot judge a foreign consumer on this target ("" if it can)."""
    if not scenario.black_box.runs:
        return f"not run with --consumer-command: {scenario.black_box.why_not}"
    if not witnessed:
        return (
            "a consumer the lab did not write is judged from the endpoint's witness, which "
            f"the {target} target does not have"
        )
    return ""


def polling(settings: clients.AwsSettings, token: str) -> Callable[[], set[str]]:
    """Who of the run has a ReceiveMessage being served now, as the endpoint's gateway says
    (nobody, if it cannot say)."""
    control = Control(settings.endpoint_url) if settings.endpoint_url else None

    def now() -> set[str]:
        if control is None:
            return set()
        try:
            calls = control.serving(token)
        except ControlError:
            return set()
        return {str(c["caller"]) for c in calls if c["op"] == "ReceiveMessage"}

    return now


@dataclass
class CommandConsumer(ConsumerDriver):
    kind = "command"
    judged_from_outside = True

    argv: list[str]
    run_dir: Path
    token: str
    settings: clients.AwsSettings
    system: ExternalSystem
    endpoint: EffectEndpoint
    watching: Watch
    children: dict[str, Child] = field(default_factory=dict)
    payloads: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @classmethod
    def open(
        cls, argv: list[str], run_dir: Path, token: str, settings: clients.AwsSettings,
        fault_spec: str, seed: int,
    ) -> CommandConsumer:  # fmt: skip
        decider = faults.Decider(faults.parse(fault_spec), seed) if fault_spec else None
        system = ExternalSystem(run_dir / external.FILE, decider=decider)
        endpoint = EffectEndpoint(token, system)
        watching = Watch(" ".join(argv), run_dir, polling=polling(settings, token))
        made = cls(argv, run_dir, token, settings, system, endpoint, watching)
        made.watching.children = made.children
        system.payload_of, system.on_flood = made.payload_of, made.flooded
        system.alive = made.alive
        return made

    @property
    def command(self) -> str:
        return " ".join(self.argv)

    # -- starting and stopping -----------------------------------------------------------

    def start(self, host: Host, knobs: ConsumerKnobs, name: str, retries: int) -> Child:
        refused = untranslatable(knobs)
        if refused:
            raise ValueError(
                f"a consumer the lab did not write cannot be given {', '.join(refused)}: "
                "this scenario cannot run black-box"
            )
        made = caller(knobs, name)
        if knobs.crash_after_receive:
            kill = self._killer(name, "after receive")
            made.triggers.append(Trigger("before", kill, at=knobs.crash_after_receive))
        if knobs.crash_after_side_effect:
            kill = self._killer(name, "after side effect")
            made.triggers.append(Trigger("after", kill, at=knobs.crash_after_side_effect))
        if knobs.version_state_path:  # the entities' state and log, for the checker
            self.system.entity_state = Path(knobs.version_state_path)
        if knobs.version_log_path:
            self.system.entity_log = Path(knobs.version_log_path)
        self.system.add(made)
        env = processes.environment(name, self.settings, host.run_id, host.run_dir, host.token)
        env.pop(HISTORY_PATH_ENV)  # its ops come from the witness and the external system
        env |= {
            external.QUEUE_URL_ENV: host.resources.queue_url,
            external.SIDE_EFFECT_URL_ENV: self.endpoint.url(name),
            external.STATE_TABLE_ENV: host.resources.table(tables.CONSUMER),
        } | processes.attempts(retries)
        grace = STOP_GRACE_SECONDS + made.delay + made.pause_once
        try:
            child = host.spawn(name, Role.CONSUMER, self.argv, env, grace, foreign=True)
        except OSError as err:
            raise ConsumerFailed(f"{name} could not start `{self.command}`: {err}") from None
        self.children[name] = child
        return child

    def stop(self, host: Host, child: Child) -> int | None:
        child.stopped_by_lab = child.stopped_by_lab or child.alive()
        child.exit_code = spawn.stop_group(child.popen, child.grace)
        return child.exit_code

    def stop_all(self, host: Host, consumers: list[Child]) -> None:
        self._stop_children()

    def _stop_children(self) -> None:
        """SIGTERM every foreign consumer at once (as a container runtime does), SIGKILL its
        whole process group after the grace period (a long poll may take a while), reap."""
        alive = [c for c in self.children.values() if c.alive()]
        for child in alive:
            child.stopped_by_lab = True
            child.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + max((c.grace for c in alive), default=0.0)
        for child in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            child.slow_shutdown = child.alive()  # still running after its grace: killed
        for child in self.children.values():
            spawn.signal_group(child.popen, signal.SIGKILL)  # and whatever it left behind
            child.exit_code = spawn.stop(child.popen, 1.0)

    def watch(self) -> None:
        self.watching.check()

    def close(self) -> list[str]:
        """Stop everything; problems left: what a consumer did that no wait raised, and the
        endpoint must have logged every request."""
        self._stop_children()
        drained = self.system.drain(timeout=STOP_GRACE_SECONDS)
        self.endpoint.close()
        problems = self.watching.unreported()
        return problems + (
            [] if drained else ["the side-effect endpoint was still serving requests"]
        )

    def deaths(self) -> list[str]:
        return self.watching.deaths()

    def outsiders(self) -> set[str]:
        return set(self.children)

    def receiving(self) -> set[str]:
        return self.watching.polling()

    def alive(self, name: str) -> bool:
        child = self.children.get(name)
        return child is not None and child.alive()

    # -- what the lab does to them (in the side-effect endpoint's request threads) -------

    def record(self, op: Op) -> None:
        append_line(self.run_dir / ACTIONS_FILE, op.to_json())

    def _killer(self, name: str, point: str) -> Callable[[str], bool]:
        def kill(id_: str) -> bool:
            child = self.children[name]
            self.record(Op(time.time(), name, INFO, Fn.CRASH, id_, {"point": point}))
            child.stopped_by_lab = True
            spawn.signal_group(child.popen, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.popen.wait(timeout=5)
            return True

        return kill

    def wait_exit(self, host: Host, child: Child, timeout: float) -> int:
        """Wait for a consumer the lab is about to stop (a crash knob), watching it."""
        try:
            host.wait_for(lambda: not child.alive(), timeout, f"{child.name} exiting")
        except ConsumerFailed:
            raise
        except LabTimeout:
            records = witness.read(self.run_dir / witness.FILE)
            calls = external.read(self.run_dir / external.FILE)
            raise ConsumerFailed(self.watching.says(child.name, (
                f"{child.name} was still running after {timeout:.0f} s "
                f"({blackbox.activity(records, calls, child.name)}); the lab stops it during "
                "a side-effect request (POST $SIDE_EFFECT_URL), so it must make one"
            ))) from None  # fmt: skip
        child.exit_code = child.popen.wait()
        return child.exit_code

    def terminate_mid_work(self, host: Host, child: Child, timeout: float) -> str:
        """Hold ``child``'s next side-effect request, SIGTERM it, and let the
        request go on only if it is still running a moment later (a graceful stop finishes
        the work in hand; an immediate exit abandons it, never performed)."""

        def terminate(id_: str) -> bool:
            value = {"signal": "SIGTERM", "count": 1}
            self.record(Op(time.time(), child.name, OK, Fn.SIGNAL, id_, value))
            child.stopped_by_lab = True
            child.popen.send_signal(signal.SIGTERM)
            try:
                child.popen.wait(timeout=EXIT_AFTER_SIGTERM_SECONDS)
            except subprocess.TimeoutExpired:
                return False
            return True

        caller = self.system.callers[child.name]
        what = f"a side-effect request of {child.name}"
        return caller.fire(Trigger("before", terminate), host.wait_for, timeout, what)

    def flooded(self, name: str, rate: int) -> None:
        self.watching.flooded(name, rate)
        child = self.children.get(name)
        if child is not None:
            child.stopped_by_lab = True
            spawn.signal_group(child.popen, signal.SIGKILL)

    # -- the checker's view --------------------------------------------------------------

    def payload_of(self, key: str) -> dict[str, Any] | None:
        """The producer's payload for ``key`` (its history is ours, and trusted)."""
        if key not in self.payloads:
            for op in history.read_dir(self.run_dir / "history"):
                if op.f == Fn.SEND and op.key and "payload" in op.value:
                    self.payloads[op.key] = op.value["payload"]
        return self.payloads.get(key)

    def ops(self, ours: list[Op]) -> list[Op]:
        """Every operation of the run: ours as written, the foreign ones made from outside."""
        actions = self.run_dir / ACTIONS_FILE
        sent_at = {op.key: op.time for op in ours if op.f == Fn.SEND and op.type == OK and op.key}
        theirs = blackbox.ops(
            witness.read(self.run_dir / witness.FILE),
            external.read(self.run_dir / external.FILE),
            set(self.children),
            history.read([actions]) if actions.exists() else [],
            sent_at,
        )
        return sorted(ours + theirs, key=lambda op: op.time)

    def side_effects(self, ops: list[Op], observed: dict[str, int]) -> dict[str, int]:
        """Performances by subject, from the side-effect endpoint's log."""
        subjects = {
            op.key: subject_of(op.value.get("payload"), op.key)
            for op in ops
            if op.f == Fn.SEND and op.type == INVOKE and op.key
        }
        return blackbox.side_effects(external.read(self.run_dir / external.FILE), subjects)
