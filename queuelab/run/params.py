"""A scenario's parameters: declared with a default, a help line and bounds; ``--set``
overrides are parsed against them before anything runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Value = int | float | str | bool
Params = Mapping[str, Any]


class ParamError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    """``default`` gives the type. A number is at least ``min`` (0 unless declared) and at
    most ``max`` (unbounded unless declared); a text is one of ``choices`` if there are any."""

    default: Value
    help: str
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        if self.numeric and self.min is None:
            object.__setattr__(self, "min", 0)
        problem = self.refuses(self.default)
        if problem:
            raise ValueError(f"default {self.default!r} {problem}")

    @property
    def numeric(self) -> bool:
        return isinstance(self.default, int | float) and not isinstance(self.default, bool)

    def bounds(self) -> str:
        """The allowed values in words, for ``queuelab show`` and the docs."""
        if self.choices:
            return " or ".join(self.choices)
        if isinstance(self.default, bool):
            return "true or false"
        if not self.numeric:
            return "any text"
        low, high = self.min, self.max
        if high is None:
            return f">= {low:g}"
        return f"{low:g}-{high:g}"

    def refuses(self, value: Value) -> str:
        """Why ``value`` is out of bounds ("" if it is allowed)."""
        if self.choices and value not in self.choices:
            return f"is not {' or '.join(self.choices)}"
        if not self.numeric or isinstance(value, str | bool):
            return ""
        if self.min is not None and value < self.min:
            return f"is below {self.min:g}"
        if self.max is not None and value > self.max:
            return f"is above {self.max:g}"
        return ""

    def parse(self, name: str, raw: str) -> Value:
        default = self.default
        try:
            value: Value
            if isinstance(default, bool):
                if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError
                value = raw.lower() in ("1", "true", "yes")
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, float):
                value = float(raw)
            else:
                value = raw
        except ValueError:
            kind = {bool: "true or false", int: "a whole number", float: "a number"}
            wanted = kind.get(type(default), "a text")
            raise ParamError(f"--set {name}={raw}: expected {wanted}, like {default!r}") from None
        problem = self.refuses(value)
        if problem:
            raise ParamError(
                f"--set {name}={raw}: {raw} {problem} (allowed: {self.bounds()}; {self.help})"
            )
        return value


def resolve(
    scenario: str, params: Mapping[str, Param], overrides: Mapping[str, str]
) -> dict[str, Any]:
    """Defaults with ``--set`` overrides applied; an unknown name is an error that lists the
    scenario's parameters, a value out of bounds one that gives the bounds."""
    values: dict[str, Any] = {name: p.default for name, p in params.items()}
    for name, raw in overrides.items():
        if name not in params:
            known = ", ".join(sorted(params)) or "none"
            raise ParamError(f"{scenario} has no parameter {name!r} (it has: {known})")
        values[name] = params[name].parse(name, raw)
    return values
