"""The scenario registry: every scenario module's SCENARIO, by name."""

from __future__ import annotations

from queuelab.scenario import Category, Scenario
from scenarios import crash, dup, happy, poison

ALL: tuple[Scenario, ...] = (happy.SCENARIO, crash.SCENARIO, dup.SCENARIO, poison.SCENARIO)


class UnknownScenario(KeyError):
    pass


def get(name: str) -> Scenario:
    for scenario in ALL:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in ALL)
    raise UnknownScenario(f"no scenario named {name!r} (known: {known})")


def in_category(category: Category | None) -> tuple[Scenario, ...]:
    return tuple(s for s in ALL if category is None or s.category is category)
