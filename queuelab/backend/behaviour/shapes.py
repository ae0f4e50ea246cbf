"""A JSON request checked against the API's own model (botocore's service model, the one the
SDKs serialize from) before moto reads it, as AWS's front end checks it: a required member
missing or null, a value of the wrong JSON type, an enum value the model does not list, a
list or string outside the model's lengths.

moto reads a request by trusting it: a missing required member, a string where a number
belongs or a list where a map belongs reaches its code as ``None`` or the wrong type and the
server answers an HTML 500, which SDKs retry as a server error. AWS answers 400. What each
service answers is its own (``sqs_requests``, ``dynamodb_requests``); this module only
finds the first problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (int, float, str),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
}


@dataclass(frozen=True)
class Problem:
    path: tuple[str | int, ...]  # member names and list positions (1-based), from the top
    kind: str  # "missing" | "type" | "enum" | "length"
    value: Any = None
    detail: str = ""  # the constraint, for "enum" and "length"

    @property
    def member(self) -> str:
        """The innermost member's name (its position's member for a list entry)."""
        return next((str(p) for p in reversed(self.path) if isinstance(p, str)), "")


def _type_ok(shape: Any, value: Any) -> bool:
    expected = JSON_TYPES.get(shape.type_name, (object,))
    if isinstance(value, bool) and bool not in expected:
        return False  # JSON true is no number
    return isinstance(value, expected)


def find(shape: Any, value: Any, path: tuple[str | int, ...] = ()) -> Problem | None:
    """The first problem of ``value`` against ``shape`` (None when it fits)."""
    if not _type_ok(shape, value):
        return Problem(path, "type", value)
    kind = shape.type_name
    if kind == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                return Problem((*path, name), "missing")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                found = find(member, value[name], (*path, name))
                if found:
                    return found
        return None
    if kind == "list":
        bad = _length(shape, value, path)
        if bad:
            return bad
        for position, item in enumerate(value, 1):
            found = find(shape.member, item, (*path, position))
            if found:
                return found
        return None
    if kind == "map":
        for key, item in value.items():
            found = find(shape.value, item, (*path, str(key)))
            if found:
                return found
        return None
    if kind == "string" and shape.enum and value not in shape.enum:
        return Problem(path, "enum", value, "[" + ", ".join(shape.enum) + "]")
    return None


def _length(shape: Any, value: Any, path: tuple[str | int, ...]) -> Problem | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        return Problem(path, "length", value, f"greater than or equal to {low}")
    if high is not None and len(value) > high:
        return Problem(path, "length", value, f"less than or equal to {high}")
    return None


def operation(service: str, name: str) -> Any | None:
    """botocore's model of an operation (None for one the service does not have)."""
    from botocore.model import OperationNotFoundError
    from botocore.session import get_session

    model = _models.get(service)
    if model is None:
        model = _models[service] = get_session().get_service_model(service)
    try:
        return model.operation_model(name)
    except OperationNotFoundError:
        return None


_models: dict[str, Any] = {}
