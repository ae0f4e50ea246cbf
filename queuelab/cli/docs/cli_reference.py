"""The ``queuelab`` command's reference, walked from the Typer app's click command (pure).

Only plain attributes of the commands and parameters are read (names, help, defaults,
environment variables, choices, ranges), never click's formatted help, so the page does not
change with the width of a terminal or the wording of a click release.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from queuelab.cli.docs.markdown import cell, generated, page

PROGRAM = "queuelab"


def _paragraphs(text: str) -> str:
    """A docstring as Markdown: its blank lines separate paragraphs, its line breaks do not."""
    parts = [" ".join(p.split()) for p in (text or "").split("\n\n")]
    return "\n\n".join(p for p in parts if p and p != "\b")


def _choices(param: Any) -> tuple[str, ...]:
    found = getattr(getattr(param, "type", None), "choices", None)
    if found is None:  # Typer's own click keeps the annotation instead
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        options = [annotation, *typing.get_args(annotation)]
        kinds = [t for t in options if isinstance(t, type) and issubclass(t, enum.Enum)]
        found = [member.value for member in kinds[0]] if kinds else ()
    return tuple(str(c.value if isinstance(c, enum.Enum) else c) for c in found)


def _range(param: Any) -> str:
    holder = param if hasattr(param, "min") else getattr(param, "type", None)
    low, high = getattr(holder, "min", None), getattr(holder, "max", None)
    if low is not None and high is not None:
        return f"{low}-{high}"
    if low is not None:
        return f">= {low}"
    return f"<= {high}" if high is not None else ""


def _default(param: Any) -> str:
    value = param.default
    if param.show_default is False or value is None or callable(value):
        return ""
    if getattr(param, "is_flag", False):
        names = param.secondary_opts if not value and param.secondary_opts else param.opts
        return names[-1] if value or param.secondary_opts else ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, list | tuple):
        return ""
    return str(value) if value != "" else ""


def _names(param: Any) -> str:
    if param.param_type_name == "argument":
        name = param.name.upper() + ("..." if param.nargs == -1 else "")
        return f"`{name}`" if param.required else f"`[{name}]`"
    names = ", ".join(param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    elif not getattr(param, "is_flag", False):
        names += " " + (param.metavar or "VALUE")
    return f"`{names}`"


def _meaning(param: Any) -> str:
    parts = [" ".join((getattr(param, "help", None) or "").split())]
    facts = []
    choices = _choices(param)
    if choices:
        facts.append("one of " + ", ".join(f"`{c}`" for c in choices))
    bounds = _range(param)
    if bounds:
        facts.append(bounds)
    default = _default(param)
    if default:
        facts.append(f"default: `{default}`")
    if param.envvar and getattr(param, "show_envvar", True):
        facts.append(f"env `{param.envvar}`")
    if param.required and param.param_type_name != "argument":
        facts.append("required")
    if param.multiple:
        facts.append("may be given more than once")
    if facts:
        parts.append("(" + "; ".join(facts) + ")")
    return cell(" ".join(p for p in parts if p))


def _usage(path: str, command: Any) -> str:
    pieces = [path]
    params = [p for p in command.params if not p.hidden]
    if any(p.param_type_name == "option" for p in params) or not params:
        pieces.append("[OPTIONS]")
    for p in params:
        if p.param_type_name == "argument":
            pieces.append(_names(p).strip("`"))
    if hasattr(command, "commands"):
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def _section(path: str, command: Any) -> list[str]:
    depth = path.count(" ")
    blocks = [
        f"{'#' * min(depth + 1, 4)} `{path}`",
        f"```\n{_usage(path, command)}\n```",
        _paragraphs(command.help or ""),
    ]
    params = [p for p in command.params if not p.hidden]
    if params:
        rows = ["| argument or option | meaning |", "|---|---|"]
        rows += [f"| {_names(p)} | {_meaning(p)} |" for p in params]
        blocks.append("\n".join(rows))
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            blocks += _section(f"{path} {name}", sub)
    return blocks


def cli(command: Any) -> str:
    """The page for the click command of the ``queuelab`` Typer app."""
    return page(
        generated("queuelab/cli/ (the Typer app)"),
        "# The `queuelab` command",
        "Every command and option, with its help, as `queuelab --help` and `queuelab COMMAND "
        "--help` print them. Exit codes: `0` every scenario passed, `1` one failed or could "
        "not be judged, `2` usage or configuration error, `130` interrupted. Run it as "
        "`.venv/bin/queuelab` (or plain `queuelab` after `. .venv/bin/activate`).",
        *_section(PROGRAM, command)[1:],
    )
