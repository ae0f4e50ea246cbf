"""DynamoDB condition expressions parsed once per request, in the server process only.

moto parses a request's ``ConditionExpression`` twice: the response class parses it to check
the expression attribute names it uses, then the model parses the same text again to
evaluate it (the two parses were about a seventh of the server's CPU in a drain with claims,
where the claims and the side effects are conditional writes). ``Parsers`` remembers the last
parses, keyed by the expression, its names and its values: the second parse of a request is
a lookup. The same input gives the same tree, and moto's trees are not changed by evaluating
them. An expression that does not parse is not remembered: it raises the same error each
time. ``tests/backend/test_expressions.py`` holds the answers to those of stock moto.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

MAX_REMEMBERED = 64  # the lab's processes use a handful of distinct expressions at a time


class Parsers:
    """``create_condition_expression_parser`` with a memory of already-parsed inputs."""

    def __init__(self, parser_class: type) -> None:
        self.parser_class = parser_class
        self.parsed: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, expr: str | None, names: Any, values: Any) -> Any:
        if not expr:
            return self.parser_class(expr, names, values)
        key = (expr, _text(names), _text(values))
        with self.lock:
            found = self.parsed.get(key)
            if found is not None:
                self.parsed.move_to_end(key)
                return found
        parser = self.parser_class(expr, names, values)
        tree = parser.parse()  # raises for an invalid expression: nothing remembered
        parser.parse = lambda: tree  # what moto calls next, on this parser
        with self.lock:
            self.parsed[key] = parser
            while len(self.parsed) > MAX_REMEMBERED:
                self.parsed.popitem(last=False)
        return parser


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


_shared: Parsers | None = None  # the one memory of this process


def create_condition_expression_parser(_moto: Any) -> Parsers:
    """The patch of ``create_condition_expression_parser`` where moto's DynamoDB calls it:
    in ``comparisons`` (``get_filter_expression``'s), ``responses`` and ``models``, which
    imported it by name (``queuelab.backend.patches``). All three share one memory."""
    global _shared
    if _shared is None:
        from moto.dynamodb.comparisons import ConditionExpressionParser

        _shared = Parsers(ConditionExpressionParser)
    return _shared
