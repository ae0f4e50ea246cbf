"""Order payloads across a schema change (pure), as producers, consumers and the checker read
them.

- v1 (no version field): ``{"id", "order_id", "customer", "amount"}``, amounts in USD;
- v2: ``{"id", "order_id", "schema_version": 2, "customer_id", "amount", "currency"}``:
  ``customer`` renamed ``customer_id``, ``currency`` new and required.

A *strict* reader takes exactly the schema it was written for and refuses the rest. A
*tolerant* reader reads the version field: a version newer than it knows is refused as such
(not as garbage), an older one is upcast first (v1 -> v2: the field renamed, ``USD``).
"""

from __future__ import annotations

from typing import Any

VERSION_FIELD = "schema_version"
V1_FIELDS = ("customer", "amount")
V2_FIELDS = ("customer_id", "amount", "currency")
V1_CURRENCY = "USD"  # v1 had no currency: every amount was in dollars


class Unreadable(ValueError):
    """The payload cannot be read by this reader (the message says why)."""


def version_of(payload: dict[str, Any]) -> int:
    return int(payload.get(VERSION_FIELD, 1))


def order(version: int, index: int, run_id: str) -> dict[str, Any]:
    """The fields of order ``index`` in schema ``version`` (the id is the caller's)."""
    customer, amount = f"customer-{index % 4}", round(10 + index * 2.5, 2)
    if version == 1:
        return {"customer": customer, "amount": amount}
    return {VERSION_FIELD: 2, "customer_id": customer, "amount": amount, "currency": "EUR"}


def upcast(payload: dict[str, Any]) -> dict[str, Any]:
    """A v1 payload as v2 (a v2 payload unchanged)."""
    if version_of(payload) >= 2:
        return payload
    rest = {k: v for k, v in payload.items() if k != "customer"}
    return rest | {
        VERSION_FIELD: 2,
        "customer_id": payload.get("customer"),
        "currency": V1_CURRENCY,
    }


def _require(payload: dict[str, Any], fields: tuple[str, ...], version: int) -> None:
    missing = [name for name in fields if payload.get(name) in (None, "")]
    if missing:
        raise Unreadable(f"not a v{version} order: lacks {', '.join(missing)}")


def state(payload: dict[str, Any]) -> str:
    """An order's final state as one comparable string (from a v2 payload)."""
    return f"{payload['customer_id']}|{float(payload['amount']):.2f}|{payload['currency']}"


def read(payload: dict[str, Any], knows: int, strict: bool) -> str:
    """The order's state as a reader written for schema ``knows`` sees it; raises
    ``Unreadable``."""
    if strict:
        fields = V1_FIELDS if knows == 1 else V2_FIELDS
        _require(payload, fields, knows)
        return state(upcast(payload) if knows == 1 else payload)
    version = version_of(payload)
    if version > knows:
        raise Unreadable(f"schema version {version} is newer than this reader's {knows}")
    payload = upcast(payload)
    _require(payload, V2_FIELDS, 2)
    return state(payload)


def expected_state(payload: dict[str, Any]) -> str:
    """What the producer meant: the checker's reading of a payload it sent."""
    return state(upcast(payload))
