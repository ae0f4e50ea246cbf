"""What each patch needs of moto, and the start-up check that the installed moto still has it.

A ``Patch`` is one entry of the registry (``queuelab.backend.patches.PATCHES``): the moto
attribute it wraps, replaces, adds or reads (a dotted path), the description of moto's own
attribute as the patch expects it (``describe``: a call signature, ``property``, ``instance
attribute``, ``class``, ``absent``...), the moto version the patch was written against,
and the module of ours that owns it (whose subpackage is the patch's purpose).

``check`` runs before anything is patched (in the server process, and in ``queuelab doctor
--tools``): the first registered attribute whose description differs raises ``MotoMismatch``,
naming the attribute, what was expected, what was found, the installed moto version, the
version the patch was written for, and what to do. It sees names and signatures, not what a
wrapped function does inside: ``make upgrade-deps`` runs the backend's tests for that.

This module imports no moto at import time, and ``queuelab.backend.patches`` neither, so the
check runs before any patch module could fail to import against another moto.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, requires, version
from typing import Any, cast

ABSENT = "absent"  # what an attribute queuelab adds must be before it adds it
INSTANCE = "instance attribute"  # set by the class's own methods (``self.name = ...``)
HOW = ("wraps", "replaces", "adds", "reads")
_MISSING, _INSTANCE = object(), object()


@dataclass(frozen=True)
class Patch:
    target: str  # moto's attribute, dotted: "moto.sqs.models.Queue.add_message"
    how: str  # one of HOW
    expected: str  # ``describe`` of moto's attribute, recorded from the moto it was written for
    written_for: str  # the moto version the patch was written (and ``expected`` recorded) against
    # moto's attribute (None for an instance attribute or an absent one) -> ours
    make: Callable[[Any], Any] | None = None
    reader: str = ""  # for ``reads``: the module of ours that reads it

    def __post_init__(self) -> None:
        if self.how not in HOW or (self.make is None) != (self.how == "reads"):
            raise ValueError(f"{self.target}: {self.how!r} with make={self.make!r}")

    @property
    def module(self) -> str:
        """The module of ours that owns the patch: ``queuelab.backend.<purpose>.<name>``."""
        return self.make.__module__ if self.make is not None else self.reader

    @property
    def purpose(self) -> str:
        """``behaviour``, ``speed`` or ``lab``: the subpackage the patch belongs to."""
        return self.module.split(".")[2]


# Declaring patches (``queuelab.backend.patches``): an entry per attribute, grouped by owner.


@dataclass(frozen=True)
class _Entry:
    how: str
    name: str
    expected: str
    make: Callable[[Any], Any] | None = None
    reader: str = ""


def wraps(name: str, expected: str, make: Callable[[Any], Any]) -> _Entry:
    return _Entry("wraps", name, expected, make)


def replaces(name: str, expected: str, make: Callable[[Any], Any]) -> _Entry:
    return _Entry("replaces", name, expected, make)


def adds(name: str, make: Callable[[Any], Any]) -> _Entry:
    return _Entry("adds", name, ABSENT, make)


def reads(name: str, expected: str, reader: Any) -> _Entry:
    """``reader``: the module of ours that reads it (or its name)."""
    return _Entry("reads", name, expected, reader=getattr(reader, "__name__", reader))


def on(owner: str, written_for: str, *entries: _Entry) -> tuple[Patch, ...]:
    """The patches of one moto class or module, written against moto ``written_for``."""
    return tuple(
        Patch(f"{owner}.{e.name}", e.how, e.expected, written_for, e.make, e.reader)
        for e in entries
    )


class MotoMismatch(RuntimeError):
    def __init__(self, patch: Patch, found: str, installed: str) -> None:
        self.patch, self.found, self.installed = patch, found, installed
        pin = pinned_moto() or "no moto version (queuelab is not installed)"
        super().__init__(
            f"moto {installed} (installed) does not match the embedded backend's patches: "
            f"{patch.target}, which {patch.module} {patch.how} (a {patch.purpose} patch "
            f"written against moto {patch.written_for}), is not as the patch expects it.\n"
            f"  expected: {patch.expected}  (moto {patch.written_for})\n"
            f"  found:    {found}  (moto {installed}, installed)\n"
            f"queuelab pins {pin} (pyproject.toml; constraints.txt pins the rest). Either "
            "install the pinned set again (from the project's root: pip install -c "
            "constraints.txt -e '.[dev,infra]'), "
            f"or port the patch to moto {installed}: change it and its entry in "
            f"queuelab/backend/patches.py (recording what moto {installed} has), then run "
            "make upgrade-deps, which runs the backend tests."
        )


def installed_moto() -> str:
    try:
        return version("moto")
    except PackageNotFoundError:
        return "(not installed)"


def pinned_moto() -> str | None:
    """queuelab's requirement on moto as installed (``moto==X``, from pyproject.toml through
    the distribution's metadata), or None when queuelab is not installed."""
    try:
        needs = requires("queuelab") or []
    except PackageNotFoundError:
        return None
    for need in needs:
        found = re.fullmatch(r"moto\s*(\[[^\]]*\])?\s*([^;\s]*)\s*(;.*)?", need)
        if found:
            return "moto" + found.group(2)
    return None


def check(patches: Iterable[Patch], installed: str | None = None) -> str:
    """The installed moto version, once every patch's attribute is as the patch expects it;
    raises ``MotoMismatch`` for the first one that is not."""
    installed = installed or installed_moto()
    for patch in patches:
        found = describe_target(patch.target)
        if found != patch.expected:
            raise MotoMismatch(patch, found, installed)
    return installed


def describe_target(target: str) -> str:
    try:
        owner, name = locate(target)
    except ImportError as err:
        return f"{ABSENT} (import failed: {err})"
    except LookupError as err:
        return f"{ABSENT} ({err} is missing)"
    return describe(lookup(owner, name))


def describe(found: Any) -> str:
    """How the check sees an attribute: its call signature without annotations (they do not
    change how a patch calls it), or what kind of thing it is."""
    if found is _MISSING:
        return ABSENT
    if found is _INSTANCE:
        return INSTANCE
    if isinstance(found, property):
        return "property"
    if inspect.isclass(found):
        return "class"
    if callable(found):
        try:
            signature = inspect.signature(found)
        except (TypeError, ValueError):
            return "callable"
        bare = [p.replace(annotation=p.empty) for p in signature.parameters.values()]
        return str(signature.replace(parameters=bare, return_annotation=signature.empty))
    return f"{type(found).__name__} value"


def locate(target: str) -> tuple[Any, str]:
    """The object that holds ``target`` (a module or a class) and the attribute's name.
    Raises ImportError, or LookupError naming the first missing part of the path."""
    parts = target.split(".")
    for split in range(len(parts) - 1, 0, -1):
        name = ".".join(parts[:split])
        try:
            owner: Any = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and (name == err.name or name.startswith(err.name + ".")):
                continue  # not a module: an attribute of a shorter one
            raise
        for depth in range(split, len(parts) - 1):
            owner = getattr(owner, parts[depth], _MISSING)
            if owner is _MISSING:
                raise LookupError(".".join(parts[: depth + 1]))
        return owner, parts[-1]
    raise LookupError(parts[0])


def lookup(owner: Any, name: str) -> Any:
    """The attribute as the class or module holds it (a property as the property); for a
    class, ``_INSTANCE`` when only its methods set it; else ``_MISSING``."""
    found = inspect.getattr_static(owner, name, _MISSING)
    if isinstance(found, (staticmethod, classmethod)):
        found = getattr(owner, name)
    if found is _MISSING and inspect.isclass(owner):
        return _INSTANCE if name in _instance_attributes(cast(Any, owner)) else _MISSING
    return found


@functools.cache
def _instance_attributes(cls: Any) -> frozenset[str]:
    """Every ``self.<name>`` that the methods of ``cls`` and its bases assign."""
    names: set[str] = set()
    for klass in cls.__mro__[:-1]:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id == "self"
                    ):
                        names.add(part.attr)
    return frozenset(names)


def replacement(patch: Patch) -> tuple[Any, str, Any]:
    """Where the patch goes and what it puts there: (owner, name, ours)."""
    if patch.make is None:
        raise ValueError(f"{patch.target} is only read")
    owner, name = locate(patch.target)
    found = lookup(owner, name)
    return owner, name, patch.make(None if found is _MISSING or found is _INSTANCE else found)


def install(patch: Patch) -> None:
    """Put the patch in place (``check`` first: this trusts the registry)."""
    if patch.make is not None:
        setattr(*replacement(patch))
