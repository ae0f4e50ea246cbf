"""Reading order payloads across a schema change (``queuelab.contract.orders``): the part a
consumer's code version brings. A strict reader takes only the fields of the schema it was
written for; a tolerant one reads the version field, refuses a newer version as such (so the
message waits in the DLQ for a redrive to upgraded consumers) and upcasts an older one."""

from __future__ import annotations

from consumer.message import Received, Reject, Work
from consumer.middleware import Middleware
from queuelab.contract import orders
from queuelab.contract.history import Fn, History


class SchemaReader(Middleware):
    def __init__(self, knows: int, strict: bool, history: History) -> None:
        self.knows = knows
        self.strict = strict
        self.history = history

    def before_work(self, message: Received, work: Work) -> None:
        try:
            state = orders.read(work.payload, self.knows, self.strict)
        except orders.Unreadable as err:
            kind = "strict" if self.strict else "tolerant"
            raise Reject(f"{kind} v{self.knows} reader: {err}") from None
        self.history.ok(Fn.READ, message.key, subject=work.subject, state=state)
