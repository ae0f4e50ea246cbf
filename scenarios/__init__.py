"""The catalogue: every module of this folder that defines ``SCENARIO`` is a scenario, named
after its file. Nothing to register: a new file is found, provisioned (``plan()``), tested
and documented from its declaration. Helpers live in ``kit.py`` and ``shared/``."""

from __future__ import annotations

import importlib
import pkgutil

from queuelab.run.scenario import Category, Scenario, Topic
from queuelab.targets.plan import ResourceSet


class UnknownScenario(KeyError):
    pass


def _discover() -> tuple[Scenario, ...]:
    found: list[Scenario] = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if scenario is None:
            continue
        if (
            not isinstance(scenario, Scenario)
            or scenario.name.replace("-", "_") != module_info.name
        ):
            raise TypeError(
                f"scenarios/{module_info.name}.py: SCENARIO must be a Scenario named "
                f"{module_info.name.replace('_', '-')!r}"
            )
        found.append(scenario)
    order = list(Topic)
    return tuple(sorted(found, key=lambda s: (order.index(s.topic), s.name)))


ALL: tuple[Scenario, ...] = _discover()


def get(name: str) -> Scenario:
    for scenario in ALL:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in ALL)
    raise UnknownScenario(f"no scenario named {name!r} (known: {known})")


def in_category(category: Category | None) -> tuple[Scenario, ...]:
    """What ``--all`` / ``--category`` run: not the on-demand scenarios (run them by name)."""
    return tuple(s for s in ALL if not s.on_demand and (category is None or s.category is category))


def plan() -> tuple[ResourceSet, ...]:
    """Every resource set the catalogue declares, and the soak's: what ``make infra-up`` and
    ``queuelab local up`` provision and ``queuelab doctor`` checks."""
    from scenarios.soak import SOAK

    return tuple(r for s in (*ALL, SOAK) for r in s.resource_sets())
