"""A scenario's own metrics, each named once: a class attribute ``name = metric("what it
counts")``. Reading the attribute gives its name, so expectations, the method's
``lab.metric`` and the measure's result all spell it through the class (a typo is an
``AttributeError``, and mypy sees it), and the docs list the declarations with their help.

    class Counts(Metrics):
        outage_calls = metric("side-effect calls the downstream failed")

    Expect(Counts.outage_calls, ">=", 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Metric:
    """A descriptor: its name comes from the attribute it is assigned to."""

    def __init__(self, help: str) -> None:
        self.help = help
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> str:
        return self.name


def metric(help: str) -> Metric:
    """Declare a metric; its attribute reads as its name (a ``str``)."""
    return Metric(help)


class Metrics:
    """The base of every scenario's metrics declaration (a scenario without any uses it)."""

    @classmethod
    def declared(cls) -> dict[str, str]:
        """Every metric of this class and its bases, name -> help, in declaration order."""
        found: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Metric):
                    found[name] = value.help
        return found


class UndeclaredMetric(KeyError):
    """A measure or a method recorded a metric its scenario did not declare."""


def check_declared(names: Iterable[str], declared: type[Metrics], where: str) -> None:
    """Raise naming the first of ``names`` that is not declared."""
    known = declared.declared()
    for name in names:
        if name not in known:
            raise UndeclaredMetric(
                f"{where} recorded {name!r}, which its metrics do not declare "
                f"(declared: {', '.join(known) or 'none'})"
            )
