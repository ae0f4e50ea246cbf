"""Knobs declared once: one pydantic field per knob gives its environment variable, its CLI
option, its parser with bounds, its default and its help.

A process parses its knobs before it touches AWS (``from_env`` / ``from_options``; a bad
value raises ``KnobError`` naming the variable, the option and the value). The runner builds
the same models in Python, so a misspelled knob (``extra="forbid"``) or an ill-typed one is
an error before any process starts, and passes them on with ``to_env`` / ``to_argv``.
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

AUTO = "auto"  # the variable is the field's name in upper case


class KnobError(ValueError):
    """Bad knob values; one line per problem, each naming the variable and the value."""


def knob(
    default: Any,
    help: str,
    *,
    env: str | None = AUTO,
    option: str | None = None,
    ge: float | None = None,
    le: float | None = None,
    required: bool = False,
    flag: bool = False,
    shown: str | None = None,
) -> Any:
    """Declare a knob: ``env=None`` for a CLI-only option; ``flag`` for ``--x/--no-x``;
    ``shown`` is the default as the docs write it."""
    extra: dict[str, Any] = {"env": env, "option": option, "required": required, "flag": flag}
    if shown is not None:
        extra["shown"] = shown
    return Field(default, description=help, ge=ge, le=le, json_schema_extra=extra)


def _payload_field(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must name a payload field")
    return raw.strip()


def _appendable(raw: str) -> str:
    directory = Path(raw).absolute().parent
    if raw and not directory.is_dir():
        raise ValueError(f"directory {str(directory)!r} does not exist")
    return raw


PayloadField = Annotated[str, AfterValidator(_payload_field)]
AppendPath = Annotated[str, AfterValidator(_appendable)]  # a file whose directory exists


@dataclass(frozen=True)
class Declaration:
    """One knob as users see it."""

    field: str
    env: str | None
    option: str
    default: str
    help: str
    required: bool
    flag: bool
    low: float | None
    high: float | None
    choices: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.env} (or {self.option})" if self.env else self.option


def _declaration(name: str, info: FieldInfo) -> Declaration:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    env = extra.get("env", AUTO)
    low = next((m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in info.metadata if isinstance(m, annotated_types.Le)), None)
    literal = typing.get_origin(info.annotation) is typing.Literal
    shown = extra.get("shown")
    if shown is None:
        shown = _text(info.default) if info.default not in ("", None) else "(empty)"
    return Declaration(
        field=name,
        env=name.upper() if env == AUTO else (str(env) if env else None),
        option=str(extra.get("option") or "--" + name.replace("_", "-")),
        default=str(shown),
        help=info.description or "",
        required=bool(extra.get("required")),
        flag=bool(extra.get("flag")),
        low=float(low) if low is not None else None,  # type: ignore[arg-type]
        high=float(high) if high is not None else None,  # type: ignore[arg-type]
        choices=tuple(str(c) for c in typing.get_args(info.annotation)) if literal else (),
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _why(error: Mapping[str, Any], knob: Declaration) -> str:
    """An error in the words the docs use."""
    kind = error["type"]
    if kind in ("float_parsing", "float_type"):
        return "is not a number"
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "is not a whole number"
    if kind in ("greater_than_equal", "less_than_equal", "finite_number"):
        if knob.low is not None and knob.high is not None:
            return f"must be between {knob.low:g} and {knob.high:g}"
        return f"must be >= {knob.low:g}" if knob.low is not None else f"must be <= {knob.high:g}"
    if kind == "literal_error":
        return f"must be one of {', '.join(knob.choices)}"
    if kind in ("bool_parsing", "bool_type"):
        return "must be 0 or 1"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return str(error["msg"])


class KnobModel(BaseModel):
    """Base of a process's knobs."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        """Choices are case-insensitive; an empty switch is off."""
        if not isinstance(data, dict):
            return data
        normalized = dict(data)
        for knob in cls.declarations():
            value = normalized.get(knob.field)
            if not isinstance(value, str):
                continue
            if knob.choices:
                match = [c for c in knob.choices if c.lower() == value.strip().lower()]
                normalized[knob.field] = match[0] if match else value
            elif cls.model_fields[knob.field].annotation is bool and not value.strip():
                normalized[knob.field] = False
        return normalized

    @classmethod
    def declarations(cls) -> list[Declaration]:
        return [_declaration(name, info) for name, info in cls.model_fields.items()]

    @classmethod
    def from_options(cls, raw: Mapping[str, Any]) -> Self:
        """Parse raw values keyed by field name (None or missing: the default). Every problem
        is reported at once, in declaration order."""
        problems: list[tuple[int, str]] = []
        given = {k: v for k, v in raw.items() if v is not None}
        knobs = cls.declarations()
        for index, knob in enumerate(knobs):
            if knob.required and not given.get(knob.field):
                problems.append((index, f"{knob.label} is required: {knob.help}"))
                given.pop(knob.field, None)
        try:
            parsed = cls(**given)
        except ValidationError as err:
            position = {k.field: i for i, k in enumerate(knobs)}
            for error in err.errors():
                loc = error["loc"]
                if not loc:
                    problems.append((len(knobs), str(error.get("ctx", {}).get("error", ""))))
                    continue
                name = str(loc[0])
                if name not in position:
                    problems.append((len(knobs), f"unknown knob {name!r}"))
                    continue
                knob = knobs[position[name]]
                value = given.get(name)
                problems.append(
                    (position[name], f"invalid {knob.label} {value!r}: {_why(error, knob)}")
                )
        if problems:
            raise KnobError("\n".join(text for _, text in sorted(problems, key=lambda p: p[0])))
        return parsed

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        """Parse the variables of ``env`` that name knobs."""
        return cls.from_options({k.field: env.get(k.env) for k in cls.declarations() if k.env})

    def but(self, **changes: Any) -> Self:
        """The same knobs with these changed (validated like the constructor)."""
        return type(self)(**(self.model_dump(exclude_unset=True) | changes))

    def to_env(self) -> dict[str, str]:
        """The knobs set explicitly, as environment variables."""
        by_field = {k.field: k for k in self.declarations()}
        return {
            str(by_field[name].env): _text(value)
            for name, value in self.model_dump(exclude_unset=True).items()
            if by_field[name].env and value is not None
        }

    def to_argv(self) -> list[str]:
        """The knobs set explicitly, as command-line options."""
        argv: list[str] = []
        for knob in self.declarations():
            if knob.field not in self.model_fields_set:
                continue
            value = getattr(self, knob.field)
            if knob.flag:
                argv += [knob.option if value else "--no-" + knob.option[2:]]
            elif value is not None:
                argv += [knob.option, _text(value)]
        return argv


def lookalikes(names: Iterable[str], model: type[KnobModel]) -> list[tuple[str, str]]:
    """Variables that look like a knob of ``model`` but are none (``CRASH_AFTER_SIDEEFFECT``):
    (the variable, the knob it probably means)."""
    known = [k.env for k in model.declarations() if k.env]
    found = []
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
        if close:
            found.append((name, close[0]))
    return found


def markdown_table(model: type[KnobModel]) -> str:
    """The Markdown table of a process's knobs (docs/reference/knobs.md; a test fails when
    that page is stale). A ``|`` in a cell is escaped, so it does not end the cell."""
    rows = ["| variable | option | default | meaning |", "|---|---|---|---|"]
    for k in model.declarations():
        option = f"`{k.option}/--no-{k.option[2:]}`" if k.flag else f"`{k.option}`"
        variable = f"`{k.env}`" if k.env else "-"
        cells = (variable, option, k.default, k.help)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


M = TypeVar("M", bound=KnobModel)


def command(name: str, model: type[M], run: Callable[[M], int], doc: str) -> Callable[..., None]:
    """A Typer command whose options are the model's knobs: it parses them (exit 2 naming
    every bad one), then exits with ``run``'s code."""
    import typer

    def entry(**raw: Any) -> None:
        try:
            knobs = model.from_options(raw)
        except KnobError as err:
            for problem in str(err).splitlines():
                typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(2) from None
        raise typer.Exit(run(knobs))

    parameters = []
    for k in model.declarations():
        names = [f"{k.option}/--no-{k.option[2:]}"] if k.flag else [k.option]
        env_note = f"env {k.env}; " if k.env else ""
        option = typer.Option(
            *names,
            envvar=k.env,
            help=f"{k.help} ({env_note}default: {k.default})",
            show_default=False,
            show_envvar=False,
        )
        kind = bool | None if k.flag else str | None
        parameters.append(
            inspect.Parameter(
                k.field,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[kind, option],
            )
        )
    entry.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    entry.__doc__ = doc
    entry.__name__ = entry.__qualname__ = name
    return entry
