"""A response class's method names read once per class, not per request (in the server
process only)."""

from __future__ import annotations

import functools
import inspect
from typing import Any


def method_names_from_class(_moto: Any) -> Any:
    """The patch of ``moto.core.responses.method_names_from_class``: moto's ``call_action``
    lists its class's methods with ``inspect.getmembers`` on every request; the list is the
    same for a class once the server runs (patches are applied before it serves), so read it
    once per class."""

    @functools.cache
    def method_names_from_class(clazz: object) -> frozenset[str]:
        return frozenset(name for name, _ in inspect.getmembers(clazz, inspect.isfunction))

    return method_names_from_class
