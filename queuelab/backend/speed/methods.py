"""A response class's method names read once per class, not per request (in the server
process only)."""

from __future__ import annotations

import functools
import inspect


def install_method_cache() -> None:
    """moto's ``call_action`` lists its class's methods with ``inspect.getmembers`` on every
    request; the list is the same for a class once the server runs (patches are applied
    before it serves), so read it once per class."""
    from moto.core import responses

    @functools.cache
    def method_names_from_class(clazz: object) -> frozenset[str]:
        return frozenset(name for name, _ in inspect.getmembers(clazz, inspect.isfunction))

    responses.method_names_from_class = method_names_from_class  # type: ignore[attr-defined,assignment]
