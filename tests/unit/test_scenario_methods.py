"""Every scenario's method, rehearsed without processes or a queue: the knobs it passes are
built (and so validated) in every branch, safe and --unsafe, so a misspelled or ill-typed
knob fails here, before any real run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import scenarios
from queuelab.contract import clients
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.knobs import KnobError
from queuelab.contract.pipeline_knobs import OrdersKnobs, PollerKnobs, RelayKnobs
from queuelab.contract.processes import HISTORY_PATH_ENV
from queuelab.run.children import Child, Role
from queuelab.run.drivers import translate
from queuelab.run.drivers.base import ConsumerDriver, Host
from queuelab.run.drivers.command import untranslatable
from queuelab.run.lab import Lab
from queuelab.run.scenario import Scenario, resolve_params
from queuelab.targets.impairment import Rollback
from queuelab.targets.observe import Depth
from queuelab.targets.outputs import Outputs, SetOutputs
from queuelab.targets.redrive import Redriven

TABLES = {"orders": "o", "outbox": "x", "state": "st"}  # the pipeline's extras
RESOURCES = SetOutputs("q", "arn:q", "d", "arn:d", "s", "e", False, 2, 1, 2, TABLES)
SENDERS = (Role.PRODUCER, Role.SERVICE, Role.POLLER)  # what puts business events in motion
PIPELINE_KNOBS = {"orders": OrdersKnobs, "relay": RelayKnobs, "poller": PollerKnobs}


class Exited:
    """A process that has already ended well."""

    pid = 0
    returncode = 0

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def send_signal(self, signum: int) -> None:
        pass


class DryLab(Lab):
    """A lab that records what it would start and answers every wait at once."""

    started_env: list[tuple[Role, list[str], dict[str, str]]]

    def spawn(
        self,
        name: str,
        role: Role,
        argv: list[str],
        env: dict[str, str],
        grace: float,
        foreign: bool = False,
    ) -> Child:
        self.started_env.append((role, argv, env))
        if HISTORY_PATH_ENV in env:  # an ended process of ours leaves its history file
            history = Path(env[HISTORY_PATH_ENV])
            history.parent.mkdir(parents=True, exist_ok=True)
            history.touch()
        popen: Any = Exited()
        child = Child(name, role, popen, self.run_dir / f"{name}.log", grace, foreign=foreign)
        self.children.append(child)
        return child

    def depth(self, url: str | None = None) -> Depth:
        return Depth(0, 0, 0)

    def wait_for(self, condition: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
        return True

    def settle(self, timeout: float | None = None, url: str | None = None) -> bool:
        self.drained = True
        return True

    def stop(self, child: Child) -> int | None:
        return 0

    def purge(self) -> bool:
        return True

    def pause(self, seconds: float) -> None:
        pass

    @contextmanager
    def outage(self) -> Iterator[Rollback]:
        yield Rollback("rehearsal", lifted=True, verified=True)

    def redrive(self) -> Redriven:
        return Redriven("rehearsal", 1)


def rehearse(scenario: Scenario, unsafe: bool, tmp_path: Path) -> DryLab:
    outputs = Outputs("us-east-1", "local", {scenario.resource_key(unsafe): RESOURCES})
    lab = DryLab("run", tmp_path, clients.AwsSettings(), outputs, RESOURCES, sqs=None)  # type: ignore[arg-type]
    lab.started_env, lab.declared = [], scenario.metrics  # lab.metric's names are checked
    scenario.method(lab, resolve_params(scenario, {}), unsafe)
    return lab


CASES = [
    pytest.param(s, unsafe, id=f"{s.name}-{'unsafe' if unsafe else 'safe'}")
    for s in scenarios.ALL
    for unsafe in (False, True)
]


@pytest.mark.parametrize(("scenario", "unsafe"), CASES)
def test_every_method_starts_processes_whose_knobs_the_processes_accept(
    scenario: Scenario, unsafe: bool, tmp_path: Path
) -> None:
    lab = rehearse(scenario, unsafe, tmp_path)

    assert any(role in SENDERS for role, _, _ in lab.started_env)
    for role, argv, env in lab.started_env:
        if role is Role.CONSUMER:
            ConsumerKnobs.from_env(env)  # what python -m consumer will parse
        elif role is not Role.PRODUCER:  # python -m pipeline COMMAND
            PIPELINE_KNOBS[argv[-1]].from_env(env)


def test_a_pipeline_process_missing_its_wiring_is_refused_naming_the_variable() -> None:
    with pytest.raises(KnobError, match="STATE_TABLE"):
        PollerKnobs.from_env({"FEED_URL": "http://f", "QUEUE_URL": "http://q"})
    with pytest.raises(KnobError, match="WRITE_MODE=dual-write needs QUEUE_URL"):
        OrdersKnobs.from_env({"ORDERS_TABLE": "o", "WRITE_MODE": "dual-write"})


def test_a_misspelled_knob_in_a_method_fails_the_rehearsal(tmp_path: Path) -> None:
    # Given a scenario whose --unsafe branch misspells a knob
    def method(lab: Lab, p: Any, unsafe: bool) -> None:
        lab.consumer(ConsumerKnobs(**({"crash_after_sideeffect": 2} if unsafe else {})))

    broken = scenarios.get("happy").__class__(**{**vars(scenarios.get("happy")), "method": method})
    # Then the safe branch rehearses, and the unsafe one is refused, naming the knob
    rehearse(broken, False, tmp_path)
    with pytest.raises(ValidationError, match="crash_after_sideeffect"):
        rehearse(broken, True, tmp_path)


class FakeCommand(ConsumerDriver):
    """Stands for a command's driver (``queuelab.run.drivers.command``): records the knobs
    of every slot, and starts what a foreign consumer would be."""

    kind = "command"

    def __init__(self) -> None:
        self.knobs: list[ConsumerKnobs] = []

    def start(self, host: Host, knobs: ConsumerKnobs, name: str, retries: int) -> Child:
        self.knobs.append(knobs)
        return host.spawn(name, Role.CONSUMER, ["your-consumer"], {}, 1.0, foreign=True)

    def terminate_mid_work(self, host: Host, child: Child, timeout: float) -> str:
        return "key"


BLACK_BOX = [pytest.param(s, id=s.name) for s in scenarios.ALL if s.black_box.runs]


@pytest.mark.parametrize("scenario", BLACK_BOX)
def test_a_black_box_scenario_asks_only_for_chaos_the_lab_can_do_from_outside(
    scenario: Scenario, tmp_path: Path
) -> None:
    outputs = Outputs("us-east-1", "local", {scenario.resource_key(False): RESOURCES})
    lab = DryLab("run", tmp_path, clients.AwsSettings(), outputs, RESOURCES, sqs=None)  # type: ignore[arg-type]
    lab.started_env, lab.declared, foreign = [], scenario.metrics, FakeCommand()
    lab.driver = foreign

    scenario.method(lab, resolve_params(scenario, {}), False)
    lab.close()

    assert foreign.knobs, "a black-box scenario starts a consumer"
    assert [untranslatable(knobs) for knobs in foreign.knobs] == [[]] * len(foreign.knobs)
    assert all(argv == ["your-consumer"] for role, argv, _ in lab.started_env
               if role is Role.CONSUMER)  # fmt: skip


def test_a_knob_only_our_consumer_honours_is_refused_for_a_foreign_one() -> None:
    assert untranslatable(ConsumerKnobs(crash_rate=0.5, delete_mode="before")) == [
        "crash_rate=0.5",
        "delete_mode='before'",
    ]
    assert untranslatable(ConsumerKnobs(crash_after_receive=2, max_messages=10)) == []


def test_every_consumer_knob_is_translated_left_to_a_foreign_consumer_set_or_refused() -> None:
    lists = (translate.TRANSLATED, translate.LEFT_TO_IT, translate.SET_BY_RUNNER,
             translate.UNTRANSLATABLE)  # fmt: skip
    named = [name for names in lists for name in names]

    assert sorted(named) == sorted(ConsumerKnobs.model_fields), "each knob in exactly one list"
    assert set(translate.REFUSED_VALUES) <= set(translate.LEFT_TO_IT)


def test_our_consumers_safe_design_is_left_to_a_foreign_one_and_its_unsafe_values_refused() -> None:
    design = ConsumerKnobs(
        heartbeat_seconds=1.0, retry_mode="backoff", idempotency_lease="visibility"
    )

    assert untranslatable(design) == []
    assert untranslatable(ConsumerKnobs(retry_mode="immediate")) == ["retry_mode='immediate'"]


class OrderedLab(DryLab):
    """A rehearsal that also notes when the method waits for a process and when it arms a
    SIGTERM mid-work."""

    moments: list[tuple[str, str]]

    def wait_exit(self, child: Child, timeout: float) -> int:
        self.moments.append(("waited for", child.name))
        return 0

    def terminate_mid_work(self, child: Child, timeout: float) -> str:
        self.moments.append(("armed a SIGTERM for", child.name))
        return "k1"


def test_a_sigterm_mid_work_is_armed_while_the_producer_still_sends(tmp_path: Path) -> None:
    # Given dup-graceful-shutdown rehearsed (a fast consumer drains as the producer sends)
    scenario = scenarios.get("dup-graceful-shutdown")
    outputs = Outputs("us-east-1", "local", {scenario.resource_key(False): RESOURCES})
    lab = OrderedLab("run", tmp_path, clients.AwsSettings(), outputs, RESOURCES, sqs=None)  # type: ignore[arg-type]
    lab.started_env, lab.declared, lab.moments = [], scenario.metrics, []
    scenario.method(lab, resolve_params(scenario, {}), False)
    # Then the SIGTERM is armed before the method waits for the producer to finish
    armed = lab.moments.index(("armed a SIGTERM for", "consumer-1"))
    assert armed < lab.moments.index(("waited for", "producer"))
    assert [role for role, _, _ in lab.started_env][:2] == [Role.CONSUMER, Role.PRODUCER]


class PacedLab(OrderedLab):
    def wait_for(self, condition: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
        self.moments.append(("waited for", what))
        return True

    def pause(self, seconds: float) -> None:
        self.moments.append(("paused", str(seconds)))


def test_queue_outage_leads_in_from_the_producer_s_first_send(tmp_path: Path) -> None:
    # Given queue-outage rehearsed (a busy machine starts the producer late)
    scenario = scenarios.get("queue-outage")
    outputs = Outputs("us-east-1", "local", {scenario.resource_key(False): RESOURCES})
    lab = PacedLab("run", tmp_path, clients.AwsSettings(), outputs, RESOURCES, sqs=None)  # type: ignore[arg-type]
    lab.started_env, lab.declared, lab.moments = [], scenario.metrics, []
    scenario.method(lab, resolve_params(scenario, {}), False)
    # Then its lead (the pause before the outage) starts once the producer has sent
    assert lab.moments[:2] == [("waited for", "the producer's first send"), ("paused", "1.5")]
