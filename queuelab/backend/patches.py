"""The registry: every moto attribute the embedded backend wraps, replaces, adds or reads, as
data, in the order ``apply()`` puts the patches in place (in the server process only).

Each entry names moto's attribute, what the patch expects of it (``compat.describe``: the
call signature recorded from moto, ``property``, ``instance attribute``, ``absent`` for what
queuelab adds...), the moto version the patch was written against, and the function of ours
that makes the replacement from moto's own; its module's subpackage is the patch's purpose:

- ``speed`` first: it replaces moto's message storage, which the others build on;
- ``behaviour`` next: what makes moto act like SQS, wrapping what ``speed`` put in place;
- ``lab`` last: the AWS-like delivery mode, outermost.

``reads`` entries are moto members a patch relies on without replacing them (the private
ones, and those our subclasses of moto's classes override or call), so the check covers them.
``apply()`` runs the check first: against another moto the server refuses to start, naming
the first attribute that differs (``compat.MotoMismatch``).

What still differs from SQS is listed in docs/fidelity.md and probed by
``queuelab doctor --semantics``.
"""

from __future__ import annotations

from queuelab.backend import compat
from queuelab.backend.behaviour import (
    attributes,
    creation,
    dynamodb_requests,
    fifo,
    fifo_order,
    leases,
    move_tasks,
    purge,
    receiving,
    sending,
    sqs_requests,
)
from queuelab.backend.compat import INSTANCE, Patch, adds, on, reads, replaces, wraps
from queuelab.backend.lab import delivery
from queuelab.backend.speed import connections, expressions, methods, scan, store

# The moto a patch was written against, and its expected signatures read from: a fact of each
# patch (a patch moved to a later moto says so), not the pin, which is pyproject.toml's alone.
V5_2_6 = "5.2.6"
PROPERTY, CLASS = "property", "class"
SQS, DYNAMODB = "moto.sqs.models", "moto.dynamodb"
# Imports moto's server at import time, so it is named here rather than imported.
DISPATCH = "queuelab.backend.speed.dispatch"


RECEIVE = "(self, queue_name, count, wait_seconds_timeout, visibility_timeout, "
RECEIVE += "message_attribute_names=None)"
SEND = "(self, queue_name, message_body, message_attributes=None, delay_seconds=None, "
SEND += "deduplication_id=None, group_id=None, system_attributes=None, validate_group_id=True)"
SCAN = "(self, filters, limit, exclusive_start_key, filter_expression=None, index_name=None, "
SCAN += "consistent_read=False, projection_expression=None, segments=(None, None))"
PUT = "(self, item_attrs, expected=None, condition_expression=None, "
PUT += "expression_attribute_names=None, expression_attribute_values=None, overwrite=False, "
PUT += "return_values_on_condition_check_failure=None)"
PARSE = "(expr, names, values)"
PARSER = expressions.create_condition_expression_parser  # one memory for the three

SPEED = (
    *on(
        f"{SQS}.Message",
        V5_2_6,
        wraps("mark_received", "(self, visibility_timeout=None)", store.mark_received),
        replaces("visible_at", INSTANCE, store.visible_at),
        replaces("delayed_until", INSTANCE, store.delayed_until),
        replaces("visible", PROPERTY, store.visible),
        replaces("delayed", PROPERTY, store.delayed),
    ),
    *on(
        f"{SQS}.Queue",
        V5_2_6,
        wraps("__init__", "(self, name, region, account_id, **kwargs)", store.queue_init),
        reads("_messages", INSTANCE, store),
        replaces("add_message", "(self, message)", store.add_message),
        replaces("messages", PROPERTY, store.messages),
        replaces("approximate_number_of_messages", PROPERTY, store.counted("visible")),
        replaces("approximate_number_of_messages_delayed", PROPERTY, store.counted("delayed")),
        replaces(
            "approximate_number_of_messages_not_visible", PROPERTY, store.counted("not_visible")
        ),
    ),
    *on(
        f"{SQS}.SQSBackend",
        V5_2_6,
        wraps(
            "get_queue_attributes",
            "(self, queue_name, attribute_names)",
            store.get_queue_attributes,
        ),
        wraps("delete_queue", "(self, queue_name)", store.delete_queue),
        replaces(
            "is_message_valid_based_on_retention_period",
            "(self, queue_name, message)",
            store.is_message_valid_based_on_retention_period,
        ),
    ),
    *on(
        f"{DYNAMODB}.models.table.Table",
        V5_2_6,
        wraps("scan", SCAN, scan.scan),
        wraps("put_item", PUT, scan.put_item),
        reads("_get_last_evaluated_key", "(self, last_result, index_name)", scan),
    ),
    *on(f"{DYNAMODB}.models.table", V5_2_6, reads("RESULT_SIZE_LIMIT", "int value", scan)),
    *on(f"{DYNAMODB}.responses.DynamoHandler", V5_2_6, wraps("scan", "(self)", scan.scan_response)),
    *on(
        "moto.core.responses.ActionResult",
        V5_2_6,
        reads("execute_result", "(self, context)", scan),
        reads("result", PROPERTY, scan),
    ),
    *on(
        f"{DYNAMODB}.comparisons.ConditionExpressionParser",
        V5_2_6,
        reads("parse", "(self)", expressions),
    ),
    # moto's DynamoDB imported the parser's factory by name into three modules.
    *(
        patch
        for module in ("comparisons", "responses", "models")
        for patch in on(
            f"{DYNAMODB}.{module}",
            V5_2_6,
            replaces("create_condition_expression_parser", PARSE, PARSER),
        )
    ),
    *on(f"{DYNAMODB}.comparisons", V5_2_6, reads("ConditionExpressionParser", CLASS, expressions)),
    *on(
        "moto.core.responses",
        V5_2_6,
        replaces("method_names_from_class", "(clazz)", methods.method_names_from_class),
    ),
    # The server's routing (``speed.dispatch``) and connections subclass moto's.
    *on(
        "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
        V5_2_6,
        reads("__init__", "(self, create_app)", DISPATCH),
        reads("get_backend_for_host", "(self, host)", DISPATCH),
        reads("__call__", "(self, environ, start_response)", DISPATCH),
        reads("app_instances", INSTANCE, DISPATCH),
        reads("create_app", INSTANCE, DISPATCH),
        reads("lock", INSTANCE, DISPATCH),
    ),
    *on(
        "moto.moto_server.werkzeug_app",
        V5_2_6,
        reads("create_backend_app", "(service)", DISPATCH),
        reads("BackendRequest", CLASS, DISPATCH),
        reads("MotoRequestHandler", CLASS, connections),
    ),
    *on("moto.core.utils.convert_to_flask_response", V5_2_6, reads("callback", INSTANCE, DISPATCH)),
    *on(
        "moto.moto_api.recorder",
        V5_2_6,
        reads("_record_request", "(self, request, body=None)", DISPATCH),
    ),
)

BEHAVIOUR = (
    *on(
        f"{SQS}.Message",
        V5_2_6,
        reads("_old_receipt_handles", INSTANCE, move_tasks),
        replaces("validate_attribute_name", "(name)", sending.validate_attribute_name),
        reads("group_id", INSTANCE, fifo_order),
        reads("sent_timestamp", INSTANCE, fifo_order),
        reads("approximate_receive_count", INSTANCE, fifo_order),
    ),
    *on(
        SQS,
        V5_2_6,
        reads("_filter_message_attributes", "(message, input_message_attributes)", receiving),
    ),
    *on(
        f"{SQS}.Queue",
        V5_2_6,
        wraps("__init__", "(self, name, region, account_id, **kwargs)", fifo.queue_init),
        wraps("__init__", "(self, name, region, account_id, **kwargs)", attributes.queue_init),
        replaces("BASE_ATTRIBUTES", "list value", attributes.base_attributes),
        wraps("_set_attributes", "(self, attributes, now=None)", attributes.set_attributes),
        reads("_pending_messages", INSTANCE, purge),
        reads("redrive_policy", INSTANCE, fifo_order),
        reads("dead_letter_queue", INSTANCE, fifo_order),
        replaces("delete_message", "(self, receipt_handle)", leases.delete_message),
        wraps("add_message", "(self, message)", receiving.add_message),
    ),
    *on(
        f"{SQS}.SQSBackend",
        V5_2_6,
        replaces(
            "change_message_visibility",
            "(self, queue_name, receipt_handle, visibility_timeout)",
            leases.change_message_visibility,
        ),
        replaces(
            "delete_message_batch", "(self, queue_name, receipts)", leases.delete_message_batch
        ),
        replaces(
            "change_message_visibility_batch",
            "(self, queue_name, entries)",
            leases.change_message_visibility_batch,
        ),
        replaces("send_message", SEND, sending.send_message),
        replaces("send_message_batch", "(self, queue_name, entries)", sending.send_message_batch),
        wraps("receive_message", RECEIVE, receiving.receive_message),
        replaces("purge_queue", "(self, queue_name)", purge.purge_queue),
        wraps("create_queue", "(self, name, tags=None, **kwargs)", creation.create_queue),
        wraps(
            "set_queue_attributes",
            "(self, queue_name, attributes)",
            creation.set_queue_attributes,
        ),
    ),
    *on(
        "moto.sqs.responses.SQSResponse",
        V5_2_6,
        reads("_get_param", "(self, param_name, if_none=None)", receiving),
        wraps("receive_message", "(self)", receiving.receive_message_response),
        adds("start_message_move_task", move_tasks.start_message_move_task),
        adds("list_message_move_tasks", move_tasks.list_message_move_tasks),
        adds("cancel_message_move_task", move_tasks.cancel_message_move_task),
        wraps("call_action", "(self)", sqs_requests.call_action),
        wraps("parse_parameters", "(self, request)", sqs_requests.parse_parameters),
        reads("_get_action", "(self)", sqs_requests),
        reads("serialized", "(self, action_result)", sqs_requests),
        reads("querystring", INSTANCE, sqs_requests),
        reads("body", INSTANCE, sqs_requests),
    ),
)

BEHAVIOUR += on(
    f"{DYNAMODB}.responses.DynamoHandler",
    V5_2_6,
    wraps("call_action", "(self)", dynamodb_requests.call_action),
    wraps("parse_parameters", "(self, request)", dynamodb_requests.parse_parameters),
    reads("body", INSTANCE, dynamodb_requests),
    reads("headers", INSTANCE, dynamodb_requests),
)

LAB = on(
    f"{SQS}.Queue",
    V5_2_6,
    wraps("messages", PROPERTY, delivery.messages),
) + on(
    f"{SQS}.SQSBackend",
    V5_2_6,
    wraps("receive_message", RECEIVE, delivery.receive_message),
)

PATCHES: tuple[Patch, ...] = SPEED + BEHAVIOUR + LAB
_applied = False


def check() -> str:
    """The installed moto version, once it has every attribute as the patches expect it;
    raises ``compat.MotoMismatch`` naming the first that differs."""
    return compat.check(PATCHES)


def apply() -> None:
    """Check moto, then put every patch in place, in the registry's order. Idempotent."""
    global _applied
    if _applied:
        return
    check()
    for patch in PATCHES:
        compat.install(patch)
    _applied = True
