"""DynamoDB requests refused as DynamoDB refuses them, before moto reads them.

moto reads a DynamoDB request by trusting it: a missing TableName or KeySchema, a null, a
string where a list belongs, an unknown BillingMode... reach its code and the server answers
an HTML 500, which every SDK retries as a server fault (so a scenario's consumer sees
retries and latency AWS would never cause). AWS's front end checks the request against the
API's model first and answers 400 (each message in AWS's format, as LocalStack's
AWS-validated DynamoDB tests record it, e.g. "1 validation error detected: Value '[]' at
'parameters' failed to satisfy constraint: Member must have length greater than or equal to
1"):

- a required member missing or null: ``ValidationException``, "1 validation error detected:
  Value null at 'tableName' failed to satisfy constraint: Member must not be null";
- a value outside the model's enum: "... Member must satisfy enum value set: [...]";
- a list outside the model's lengths: "... Member must have length greater than or equal to 1";
- a value of the wrong JSON type: ``SerializationException`` (the wording ours);
- an unknown operation: ``UnknownOperationException``.

Whatever moto still cannot read is answered 400 ``ValidationException`` naming moto's error
(the server's log keeps the traceback), never an HTML 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from queuelab.backend.behaviour import shapes

log = logging.getLogger("queuelab.backend")
VALIDATION = "com.amazon.coral.validate#ValidationException"
SERIALIZATION = "com.amazon.coral.service#SerializationException"
UNKNOWN = "com.amazon.coral.service#UnknownOperationException"


class Refusal(Exception):
    def __init__(self, json_type: str, message: str) -> None:
        super().__init__(message)
        self.json_type, self.message = json_type, message


def _where(path: tuple[str | int, ...]) -> str:
    """AWS's path of a member: lowerCamelCase names, list positions as ``N.member``."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts += [str(part), "member"]
        else:
            parts.append(part[:1].lower() + part[1:])
    return ".".join(parts)


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "'[" + ", ".join(map(str, value)) + "]'"
    return f"'{value}'"


def describe(problem: shapes.Problem) -> Refusal:
    if problem.kind == "type":
        where = _where(problem.path) or "the request"
        return Refusal(SERIALIZATION, f"Unexpected value type at '{where}'")
    constraint = {
        "missing": "Member must not be null",
        "enum": f"Member must satisfy enum value set: {problem.detail}",
        "length": f"Member must have length {problem.detail}",
    }[problem.kind]
    return Refusal(
        VALIDATION,
        f"1 validation error detected: Value {_shown(problem.value)} at "
        f"'{_where(problem.path)}' failed to satisfy constraint: {constraint}",
    )


def check(response: Any) -> None:
    """Raise ``Refusal`` for a request DynamoDB's front end refuses."""
    target = str(response.headers.get("X-Amz-Target", ""))
    action = target.rsplit(".", 1)[-1]
    operation = shapes.operation("dynamodb", action)
    if operation is None:
        raise Refusal(UNKNOWN, f"Unknown operation {action or '(none)'}")
    raw = response.body or "{}"
    try:
        params = json.loads(raw)
    except ValueError:
        raise Refusal(SERIALIZATION, "Unable to parse the request body as JSON") from None
    if not isinstance(params, dict):
        raise Refusal(SERIALIZATION, "The request body is not a JSON object")
    if operation.input_shape is not None:
        problem = shapes.find(operation.input_shape, params)
        if problem is not None:
            raise describe(problem)


def _answer(refusal: Refusal) -> tuple[int, dict[str, Any], str]:
    body = json.dumps({"__type": refusal.json_type, "message": refusal.message})
    return 400, {"Content-Type": "application/x-amz-json-1.0", "status": 400}, body


def _could_not(err: Exception) -> Refusal:
    log.exception("moto could not handle a DynamoDB request")
    return Refusal(VALIDATION, f"The request could not be handled ({type(err).__name__}: {err})")


# The patches: each takes moto's attribute and returns ours (``queuelab.backend.patches``).


def parse_parameters(original: Any) -> Any:
    def parse_parameters(self: Any, request: Any) -> None:
        self._queuelab_checked = True
        try:
            check(self)
            original(self, request)
        except Refusal as refusal:
            self._queuelab_refusal, self.params = refusal, {}
        except Exception as err:  # moto's parser could not read it
            self._queuelab_refusal, self.params = _could_not(err), {}

    return parse_parameters


def call_action(original: Any) -> Any:
    def call_action(self: Any) -> Any:
        try:
            if not getattr(self, "_queuelab_checked", False):  # an action moto does not know
                check(self)
            refusal = getattr(self, "_queuelab_refusal", None)
            if refusal is not None:
                raise refusal
            return original(self)
        except Refusal as refusal:
            return _answer(refusal)
        except Exception as err:  # moto could not handle it: a 400, never an HTML 500
            return _answer(_could_not(err))

    return call_action
