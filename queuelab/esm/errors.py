"""The errors Lambda's API answers a bad configuration with, worded as AWS words them (pure).

A value outside its documented range is a ``ValidationException`` in the form every AWS
API uses ("1 validation error detected: Value '0' at 'batchSize' failed to satisfy
constraint: Member must have value greater than or equal to 1"); a combination Lambda
refuses is an ``InvalidParameterValueException`` with its own sentence.
"""

from __future__ import annotations

VALIDATION = "ValidationException"
INVALID_PARAMETER = "InvalidParameterValueException"


class ValidationError(ValueError):
    """A configuration Lambda would refuse; ``code`` is the AWS error code."""

    def __init__(self, message: str, code: str = INVALID_PARAMETER) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.args[0]}"


def out_of_range(field: str, value: int, low: int | None, high: int | None) -> None:
    """Raise AWS's ValidationException if ``value`` is outside [low, high]."""
    if low is not None and value < low:
        bound = f"greater than or equal to {low}"
    elif high is not None and value > high:
        bound = f"less than or equal to {high}"
    else:
        return
    raise ValidationError(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: Member must have value {bound}",
        VALIDATION,
    )
