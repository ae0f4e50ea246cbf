"""SQS requests refused as SQS refuses them, before moto reads them, in both wire protocols
(JSON, what current SDKs speak; query, form-encoded with XML answers, what older SDKs such
as the AWS SDK for JavaScript v2 still send); and SQS's errors worded and numbered as AWS's.

Recorded from AWS (LocalStack's AWS-validated SQS tests; their names in the tests here):
- an unknown action: ``InvalidAction``, "The action FooBar is not valid for this endpoint."
  (test_invalid_action_raises_exception; JSON: ``UnknownOperationException``); moto 404;
- a required parameter missing, or an empty MessageBody: ``MissingParameter``, "The request
  must contain the parameter MessageBody." (test_send_empty_message,
  test_valid_action_with_missing_parameter_raises_exception); moto 500 or accepted;
- MaxNumberOfMessages outside 1-10, WaitTimeSeconds outside 0-20: ``InvalidParameterValue``,
  "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10,
  if provided." / "... Reason: Must be >= 0 and <= 20, if provided."
  (test_send_receive_max_number_of_messages, test_send_receive_wait_time_seconds; moto's
  message repeats botocore's prefix and inverts the bounds);
- a batch of more than 10 entries: ``AWS.SimpleQueueService.TooManyEntriesInBatchRequest``
  before anything else (test_delete_message_batch_with_too_large_batch,
  test_change_message_visibility_batch_with_too_large_batch); none:
  ``AWS.SimpleQueueService.EmptyBatchRequest``; an entry id other than 1-80 of
  ``[A-Za-z0-9_-]``: ``AWS.SimpleQueueService.InvalidBatchEntryId``
  (test_delete_message_batch_invalid_msg_id); two equal ids:
  ``AWS.SimpleQueueService.BatchEntryIdsNotDistinct``;
- in JSON, ``InvalidParameterValue`` and ``MissingParameter`` carry ``__type``
  ``InvalidParameterValueException`` and ``MissingRequiredParameterException`` (the
  snapshots' ``QueryErrorCode``), and ``PurgeQueueInProgress`` is HTTP 403
  (test_successive_purge_calls_fail); moto answers the code itself and 400.

Not recorded, answered as AWS's JSON front end does for any service (the wording ours): a
value of the wrong JSON type is ``SerializationException``; in the query protocol a number
that is none is ``InvalidParameterValue``. Whatever moto still cannot read is answered 400
(``InvalidParameterValue``, naming moto's error) rather than an HTML 500, which an SDK would
retry as a server fault; the server's log keeps the traceback.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from queuelab.backend.behaviour import shapes

log = logging.getLogger("queuelab.backend")
JSON_TYPE_OF = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
}
STATUS_OF = {"AWS.SimpleQueueService.PurgeQueueInProgress": 403}
BATCHES = ("SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch")
ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
QUERY_ENTRY = re.compile(r"[A-Za-z]+Entry\.(\d+)\.Id")


class Refusal(Exception):
    """An answer given before moto: (code, message), or a whole JSON error."""

    def __init__(self, code: str, message: str, json_type: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.json_type = code, message, json_type


def _is_json(response: Any) -> bool:
    return bool(response.headers.get("X-Amz-Target"))


def _params(response: Any) -> dict[str, Any]:
    """The request's parameters as sent: the JSON body, or the form's first values."""
    if _is_json(response):
        raw = response.body or b"{}"
        try:
            parsed = json.loads(raw)
        except ValueError:
            unread = "Unable to parse the request body as JSON"
            raise Refusal("", unread, "SerializationException") from None
        if not isinstance(parsed, dict):
            raise Refusal("", "The request body is not a JSON object", "SerializationException")
        return parsed
    return {key: values[0] for key, values in response.querystring.items() if values}


def _check_model(response: Any, action: str, params: dict[str, Any]) -> None:
    operation = shapes.operation("sqs", action)
    if operation is None:
        if _is_json(response):
            raise Refusal("", f"Unknown operation {action}", "UnknownOperationException")
        raise Refusal("InvalidAction", f"The action {action} is not valid for this endpoint.")
    shape = operation.input_shape
    if shape is None:
        return
    if _is_json(response):
        problem = shapes.find(shape, params)
        if problem is None:
            return
        if problem.kind == "missing":
            raise _missing(problem.member)
        if problem.kind == "type":
            raise Refusal(
                "",
                f"Unexpected value type for {'.'.join(map(str, problem.path)) or 'the request'}",
                "SerializationException",
            )
        return
    for name in shape.required_members:  # the query protocol's scalars (lists are flattened)
        member = shape.members[name]
        scalar = member.type_name not in ("list", "map", "structure")
        from_path = name == "QueueUrl" and response.path.rstrip("/").count("/") >= 2
        if scalar and not from_path and name not in params:
            raise _missing(name)
    for name, member in shape.members.items():
        if member.type_name == "integer" and name in params:
            try:
                int(params[name])
            except ValueError:
                raise Refusal(
                    "InvalidParameterValue",
                    f"Value {params[name]} for parameter {name} is invalid. Reason: not an "
                    "integer.",
                ) from None


def _missing(name: str) -> Refusal:
    return Refusal("MissingParameter", f"The request must contain the parameter {name}.")


def _check_receive(params: dict[str, Any]) -> None:
    for name, low, high, reason in (
        ("MaxNumberOfMessages", 1, 10, "Must be between 1 and 10, if provided."),
        ("WaitTimeSeconds", 0, 20, "Must be >= 0 and <= 20, if provided."),
    ):
        if params.get(name) is not None and not low <= int(params[name]) <= high:
            raise Refusal(
                "InvalidParameterValue",
                f"Value {params[name]} for parameter {name} is invalid. Reason: {reason}",
            )


def _entry_ids(response: Any, params: dict[str, Any]) -> list[str]:
    if _is_json(response):
        return [str(entry.get("Id", "")) for entry in params.get("Entries") or []]
    ids = {int(m.group(1)): str(v) for k, v in params.items() if (m := QUERY_ENTRY.fullmatch(k))}
    return [ids[n] for n in sorted(ids)]


def _check_batch(action: str, ids: list[str]) -> None:
    prefix = "AWS.SimpleQueueService."
    if len(ids) > 10:
        raise Refusal(
            prefix + "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are 10. You have sent {len(ids)}.",
        )
    if not ids:
        raise Refusal(
            prefix + "EmptyBatchRequest",
            f"There should be at least one {action}RequestEntry in the request.",
        )
    if any(not ENTRY_ID.fullmatch(entry_id) for entry_id in ids):
        raise Refusal(
            prefix + "InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and "
            "underscores. It can be at most 80 letters long.",
        )
    repeated = next((i for n, i in enumerate(ids) if i in ids[:n]), None)
    if repeated is not None:
        raise Refusal(prefix + "BatchEntryIdsNotDistinct", f"Id {repeated} repeated.")


def action_of(response: Any) -> str:
    """The action asked for, as sent (moto's own lookup answers None for an unknown one)."""
    if _is_json(response):
        return str(response.headers.get("X-Amz-Target", "")).rsplit(".", 1)[-1]
    values = response.querystring.get("Action") or [""]
    return str(values[0])


def check(response: Any) -> None:
    """Raise ``Refusal`` for what SQS refuses before it looks at a queue."""
    action = action_of(response)
    params = _params(response)
    _check_model(response, action, params)
    if action == "SendMessage" and params.get("MessageBody") == "":
        raise _missing("MessageBody")
    if action == "ReceiveMessage":
        _check_receive(params)
    if action in BATCHES:
        _check_batch(action, _entry_ids(response, params))


def _answer(response: Any, refusal: Refusal) -> tuple[int, dict[str, Any], Any]:
    if refusal.json_type:
        body = {"__type": f"com.amazon.coral.service#{refusal.json_type}"}
        body["message"] = refusal.message
        headers = {"Content-Type": "application/x-amz-json-1.0", "status": 400}
        return 400, headers, json.dumps(body)
    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import SQSException

    error = SQSException(refusal.code, refusal.message)
    status, headers, body = response.serialized(ActionResult(error))
    headers["status"] = status
    return status, headers, body


def as_aws(response: Any, status: int, headers: dict[str, Any], body: Any) -> tuple[int, Any, Any]:
    """moto's error answer with AWS's JSON ``__type`` and HTTP status."""
    if status < 400:
        return status, headers, body
    code = str(headers.get("x-amzn-query-error", "")).split(";")[0]
    if not code and not _is_json(response):
        found = re.search(r"<Code>([^<]+)</Code>", body if isinstance(body, str) else "")
        code = found.group(1) if found else ""
    status = STATUS_OF.get(code, status)
    headers["status"] = status
    if _is_json(response) and code in JSON_TYPE_OF and isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError:
            return status, headers, body
        parsed["__type"] = f"com.amazonaws.sqs#{JSON_TYPE_OF[code]}"
        headers["X-Amzn-Errortype"] = parsed["__type"]
        body = json.dumps(parsed)
    return status, headers, body


# The patch: takes moto's attribute and returns ours (``queuelab.backend.patches``).


def _could_not(action: str, err: Exception) -> Refusal:
    log.exception("moto could not handle %s", action)
    return Refusal(
        "InvalidParameterValue",
        f"The request could not be handled ({type(err).__name__}: {err}).",
    )


def parse_parameters(original: Any) -> Any:
    """Check the request before moto parses it (moto's parser raises on a malformed one,
    before any action runs); a refusal waits for ``call_action`` to answer it."""

    def parse_parameters(self: Any, request: Any) -> None:
        self._queuelab_checked = True
        try:
            check(self)
            original(self, request)
        except Refusal as refusal:
            self._queuelab_refusal, self.params = refusal, {}
        except Exception as err:  # moto's parser could not read it
            self._queuelab_refusal, self.params = _could_not(action_of(self), err), {}

    return parse_parameters


def call_action(original: Any) -> Any:
    def call_action(self: Any) -> Any:
        try:
            if not getattr(self, "_queuelab_checked", False):  # moto parsed nothing
                check(self)
            refusal = getattr(self, "_queuelab_refusal", None)
            if refusal is not None:
                raise refusal
            status, headers, body = original(self)
        except Refusal as refusal:
            status, headers, body = _answer(self, refusal)
        except Exception as err:  # moto could not handle it: a 400, never an HTML 500
            status, headers, body = _answer(self, _could_not(action_of(self), err))
        return as_aws(self, status, headers, body)

    return call_action
