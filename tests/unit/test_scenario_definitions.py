"""The registry and the plan agree; every scenario has a negative control."""

from __future__ import annotations

import pkgutil

import pytest

import scenarios
from queuelab.check.ledger import LEDGER_FIELDS
from queuelab.check.witness import METRICS as WITNESSED
from queuelab.cli.run import parse_sets
from queuelab.run.lab import RUN_METRICS
from queuelab.run.scenario import UNDECLARED, ParamError, Scenario, resolve_params
from queuelab.targets.plan import PLAN, resource_set

NOT_SCENARIOS = {"common", "leases", "versions", "soak"}  # soak: run by `queuelab soak`


def test_every_scenario_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(scenarios.__path__)} - NOT_SCENARIOS
    assert modules == {s.name.replace("-", "_") for s in scenarios.ALL}


def test_names_are_unique_and_resources_are_planned() -> None:
    assert len({s.name for s in scenarios.ALL}) == len(scenarios.ALL)
    for s in scenarios.ALL:
        resource_set(s.resources)
        if s.unsafe_resources:
            resource_set(s.unsafe_resources)


def test_plan_keys_are_unique() -> None:
    assert len({r.key for r in PLAN}) == len(PLAN)


DIAGNOSTICS = {"purge-timing"}  # no safeguard to turn off


@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda s: s.name)
def test_every_scenario_declares_checks_and_an_anomaly_for_unsafe(
    scenario: scenarios.Scenario,
) -> None:
    assert scenario.expectations and scenario.unsafe
    assert scenario.has_negative_control == (scenario.name not in DIAGNOSTICS)
    metrics = set(LEDGER_FIELDS) | set(RUN_METRICS) | set(WITNESSED) | set(scenario.extra_metrics)
    for expect in (*scenario.expectations, *scenario.preconditions, *scenario.unsafe_shows):
        for name in (expect.metric, expect.target):
            assert not isinstance(name, str) or name in metrics, f"{expect}: unknown {name}"


def test_set_overrides_are_typed_and_unknown_names_are_refused() -> None:
    dup = scenarios.get("dup")
    assert resolve_params(dup, {"messages": "5"})["messages"] == 5
    with pytest.raises(ParamError, match="has no parameter 'mesages'"):
        resolve_params(dup, {"mesages": "5"})
    with pytest.raises(ParamError, match="expected a int"):
        resolve_params(dup, {"messages": "five"})


def test_set_applies_to_every_selected_scenario_that_has_the_parameter() -> None:
    happy, dup = scenarios.get("happy"), scenarios.get("dup")
    sets = parse_sets(["messages=7", "dup.consumers=4"], [happy, dup])
    assert sets == {"happy": {"messages": "7"}, "dup": {"messages": "7", "consumers": "4"}}
    with pytest.raises(ParamError, match="no selected scenario"):
        parse_sets(["nonsense=1"], [happy])


def test_a_scenario_runs_black_box_only_if_it_says_so_and_says_why_not() -> None:
    happy = scenarios.get("happy")
    undeclared = happy.__class__(**{**vars(happy), "black_box": UNDECLARED})
    assert not undeclared.black_box.runs and undeclared.black_box.why_not
    assert Scenario.__dataclass_fields__["black_box"].default is UNDECLARED
    for scenario in scenarios.ALL:
        assert scenario.black_box.runs or scenario.black_box.why_not, scenario.name


def test_a_parameter_with_choices_refuses_another_value() -> None:
    scenario = scenarios.get("fifo-dedup-window")
    assert resolve_params(scenario, {"dedup_by": "content"})["dedup_by"] == "content"
    with pytest.raises(ParamError, match="expected id or content"):
        resolve_params(scenario, {"dedup_by": "body"})
