"""A request to run scenarios, checked before anything runs: the scenarios named, the
``--set`` overrides against their declared bounds, the consumer to judge, the faults, and
flags that contradict each other. A refusal is a ``RequestError`` in one line (exit 2)."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Mapping, Sequence

import scenarios
from queuelab.contract import faults as fault_spec
from queuelab.run.drivers import OURS, Consumer
from queuelab.run.params import ParamError
from queuelab.run.scenario import Category, Scenario, resolve_params

Overrides = Mapping[str, Mapping[str, object]] | Mapping[str, object]


class RequestError(ValueError):
    """A request refused before anything runs (the CLI's exit 2), in one line."""


def scenario(name: str | Scenario) -> Scenario:
    if isinstance(name, Scenario):
        return name
    try:
        return scenarios.get(name)
    except scenarios.UnknownScenario as err:
        raise RequestError(err.args[0]) from None


def select(
    names: Sequence[str], all_: bool = False, category: Category | None = None
) -> list[Scenario]:
    if names and all_:
        raise RequestError("give scenario names or --all, not both")
    if names and category is not None:
        raise RequestError("give scenario names or --category, not both")
    if names:
        return [scenario(name) for name in names]
    if all_ or category is not None:
        return list(scenarios.in_category(category))
    raise RequestError("name at least one scenario, or use --all / --category")


def parse_sets(sets: Sequence[str], selected: Sequence[Scenario]) -> dict[str, dict[str, str]]:
    """``KEY=VALUE`` (every selected scenario with that parameter) or ``NAME.KEY=VALUE``."""
    per_scenario: dict[str, dict[str, str]] = {s.name: {} for s in selected}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise RequestError(f"--set {item!r}: expected KEY=VALUE or SCENARIO.KEY=VALUE")
        name, dot, param = key.rpartition(".")
        chosen = [s for s in selected if not dot or s.name == name]
        if dot and not chosen:
            raise RequestError(f"--set {item!r}: {name!r} is not among the scenarios run")
        takers = [s for s in chosen if param in s.params]
        if not takers:
            raise RequestError(f"--set {item!r}: no selected scenario has a parameter {param!r}")
        for s in takers:
            per_scenario[s.name][param] = value
    return per_scenario


def consumer_of(
    consumer: Consumer | None, command: str | Sequence[str] | None, unsafe: bool, controls: bool
) -> Consumer:
    """The consumer to judge: a ``Consumer`` spec, or a command (a string is split as a shell
    would, but not run by one); queuelab's own if neither."""
    if consumer is not None and command:
        raise RequestError("give a consumer or a consumer command, not both")
    if command:
        try:
            argv = shlex.split(command) if isinstance(command, str) else list(command)
        except ValueError as err:
            raise RequestError(f"--consumer-command {command!r}: {err}") from None
        if not argv or shutil.which(argv[0]) is None:
            raise RequestError(f"--consumer-command {command!r}: no such command")
        consumer = Consumer.of(argv)
    consumer = consumer or OURS
    if not consumer.ours and (unsafe or controls):
        flag = "--unsafe" if unsafe else "--controls"
        raise RequestError(
            f"{flag} turns off queuelab's own consumer's safeguards; a consumer given with "
            "--consumer-command is judged on the safe expectations (its negative control is a "
            "consumer without them, e.g. examples/naive_consumer.py)"
        )
    return consumer


def _overrides(selected: Sequence[Scenario], given: Overrides | None) -> dict[str, dict[str, str]]:
    """Per scenario ``{name: {param: value}}``, or one ``{param: value}`` for every scenario
    that has it (values as text, as ``--set`` gives them); each checked against its bounds."""
    given = given or {}
    nested = all(isinstance(v, Mapping) for v in given.values()) and given
    per: dict[str, dict[str, str]] = {s.name: {} for s in selected}
    for s in selected:
        values = (
            given.get(s.name, {}) if nested else {k: v for k, v in given.items() if k in s.params}
        )
        assert isinstance(values, Mapping)
        per[s.name] = {k: _text(v) for k, v in values.items()}
    if given and not nested and not any(per.values()):
        raise RequestError(f"no selected scenario has a parameter among {', '.join(given)}")
    for s in selected:
        try:
            resolve_params(s, per[s.name])
        except ParamError as err:
            raise RequestError(str(err)) from None
    return per


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def check(
    selected: Sequence[Scenario],
    unsafe: bool = False,
    controls: bool = False,
    consumer: Consumer | None = None,
    consumer_command: str | Sequence[str] | None = None,
    params: Overrides | None = None,
    faults: str = "",
) -> dict[str, dict[str, str]]:
    """Everything a request can get wrong, before anything runs; the overrides by scenario."""
    if unsafe and controls:
        raise RequestError("--unsafe and --controls exclude each other (--controls runs both)")
    if not selected:
        raise RequestError("no scenario to run")
    consumer_of(consumer, consumer_command, unsafe, controls)
    try:
        fault_spec.parse(faults)
    except fault_spec.FaultSpecError as err:
        raise RequestError(f"--faults {err}") from None
    return _overrides(selected, params)


def catalogue() -> tuple[Scenario, ...]:
    """What ``--all`` runs: every scenario but the on-demand ones."""
    return scenarios.in_category(None)
