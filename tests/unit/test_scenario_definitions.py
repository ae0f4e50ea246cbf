"""The catalogue is found from the files, its declarations are checked at import, and every
scenario has a negative control or says why it has none."""

from __future__ import annotations

import pkgutil
from dataclasses import replace

import pytest

import scenarios
from queuelab.check.verdict import Expect
from queuelab.cli.request import RequestError, parse_sets
from queuelab.run.metrics import Metrics, UndeclaredMetric, check_declared, metric
from queuelab.run.params import Param, ParamError
from queuelab.run.scenario import SETTLE, UNDECLARED, Scenario, resolve_params
from queuelab.targets.plan import ResourceSet

HELPERS = {"kit", "soak"}  # soak: run by `queuelab soak`, its resources planned all the same


def test_every_scenario_module_is_in_the_catalogue_under_its_file_name() -> None:
    modules = {m.name for m in pkgutil.iter_modules(scenarios.__path__) if not m.ispkg}
    assert modules - HELPERS == {s.name.replace("-", "_") for s in scenarios.ALL}


def test_names_and_resource_keys_are_unique_and_every_set_is_planned() -> None:
    assert len({s.name for s in scenarios.ALL}) == len(scenarios.ALL)
    plan = scenarios.plan()
    assert len({r.key for r in plan}) == len(plan)
    for s in scenarios.ALL:
        assert s.resource_set(False) in plan and s.resource_set(True) in plan
        assert s.resources.key == s.name


def test_a_negative_control_with_its_own_queue_gets_its_own_resource_set() -> None:
    poison = scenarios.get("poison")
    assert poison.resource_set(True).key == "poison-unsafe"
    assert poison.resource_set(True).max_receive_count is None
    assert poison.resource_set(False).max_receive_count == 2
    assert scenarios.get("happy").resource_set(True) == scenarios.get("happy").resources


@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda s: s.name)
def test_every_scenario_declares_checks_and_an_anomaly_for_unsafe(scenario: Scenario) -> None:
    assert scenario.expectations and scenario.unsafe
    # a diagnostic has no negative control, and says so where the control would be
    assert scenario.has_negative_control or "diagnostic" in scenario.unsafe


def test_an_expectation_on_a_metric_nobody_measures_is_refused_at_import() -> None:
    happy = scenarios.get("happy")
    with pytest.raises(ValueError, match="unknown metric 'dupes'"):
        replace(happy, expectations=(Expect("dupes", "==", 0),))


def test_a_metric_is_named_once_and_an_undeclared_one_is_refused() -> None:
    class Counts(Metrics):
        calls = metric("calls made")

    assert Counts.calls == "calls"
    assert Counts.declared() == {"calls": "calls made"}
    check_declared({"calls": 1.0}, Counts, "measure")
    with pytest.raises(UndeclaredMetric, match="measure recorded 'cals'"):
        check_declared({"cals": 1.0}, Counts, "measure")


def test_set_overrides_are_typed_bounded_and_unknown_names_are_refused() -> None:
    dup = scenarios.get("dup")
    assert resolve_params(dup, {"messages": "5"})["messages"] == 5
    with pytest.raises(ParamError, match="has no parameter 'mesages'"):
        resolve_params(dup, {"mesages": "5"})
    with pytest.raises(ParamError, match="expected a whole number"):
        resolve_params(dup, {"messages": "five"})
    with pytest.raises(ParamError, match=r"messages=-3: -3 is below 1 \(allowed: >= 1"):
        resolve_params(dup, {"messages": "-3"})


def test_a_default_out_of_its_own_bounds_is_refused() -> None:
    with pytest.raises(ValueError, match="default 0 is below 1"):
        Param(0, "messages", min=1)
    assert Param(0.5, "a factor").bounds() == ">= 0"
    assert Param(3, "a batch", min=1, max=10).bounds() == "1-10"


def test_every_scenario_that_settles_has_the_settle_parameter() -> None:
    for s in scenarios.ALL:
        assert (SETTLE in s.params) == (s.settle_seconds is not None), s.name
    assert scenarios.get("dup").params[SETTLE].default == 40.0


def test_set_applies_to_every_selected_scenario_that_has_the_parameter() -> None:
    happy, dup = scenarios.get("happy"), scenarios.get("dup")
    sets = parse_sets(["messages=7", "dup.consumers=4"], [happy, dup])
    assert sets == {"happy": {"messages": "7"}, "dup": {"messages": "7", "consumers": "4"}}
    with pytest.raises(RequestError, match="no selected scenario"):
        parse_sets(["nonsense=1"], [happy])


def test_a_scenario_runs_black_box_only_if_it_says_so_and_says_why_not() -> None:
    happy = scenarios.get("happy")
    undeclared = replace(happy, black_box=UNDECLARED)
    assert not undeclared.black_box.runs and undeclared.black_box.why_not
    assert Scenario.__dataclass_fields__["black_box"].default is UNDECLARED
    for scenario in scenarios.ALL:
        assert scenario.black_box.runs or scenario.black_box.why_not, scenario.name


def test_a_parameter_with_choices_refuses_another_value() -> None:
    scenario = scenarios.get("fifo-dedup-window")
    assert resolve_params(scenario, {"dedup_by": "content"})["dedup_by"] == "content"
    with pytest.raises(ParamError, match="is not id or content"):
        resolve_params(scenario, {"dedup_by": "body"})


def test_an_on_demand_scenario_must_give_the_tests_a_small_size() -> None:
    big = scenarios.get("backlog-100k")
    with pytest.raises(ValueError, match="small size"):
        replace(big, small={})
    assert ResourceSet().key == ""  # a scenario's set takes its name
