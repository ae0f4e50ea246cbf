"""Read SQS and DynamoDB requests and responses at the HTTP level, and write AWS-shaped error
responses: what the witness records and the nemesis answers. Both JSON protocols (what
boto3 speaks) are read in full; a query-protocol (form) request is named but not dissected;
an S3 request (the claim check's bucket) is named from its method and path, its body unread."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from queuelab.contract.messages import KEY_ATTRIBUTE

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/")
KEY_ATTRIBUTES = ("id", "subject")  # the hash keys of the lab's tables (contract.tables)


@dataclass
class Request:
    access_key: str
    service: str  # "sqs" | "dynamodb" | ""
    op: str
    body: dict[str, Any] = field(default_factory=dict)
    json: bool = True

    @property
    def resource(self) -> str:
        url = self.body.get("QueueUrl") or ""
        if url:
            return str(url.rstrip("/").rsplit("/", 1)[-1])
        return str(self.body.get("TableName") or self.body.get("Bucket") or "")


def read_request(environ: dict[str, Any], raw: bytes) -> Request:
    found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    access_key, scope = (found.group(1), found.group(2)) if found else ("", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        prefix, _, op = target.partition(".")
        service = "dynamodb" if prefix.startswith("DynamoDB") else "sqs"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        return Request(access_key, service, op, body if isinstance(body, dict) else {})
    if scope == "s3":
        return s3_request(access_key, environ)
    form = {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}
    return Request(access_key, scope, form.get("Action", ""), form, json=False)


S3_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}


def s3_request(access_key: str, environ: dict[str, Any]) -> Request:
    """``PutObject``, ``GetObject``, ``DeleteObject``, ``PutBucketTagging``...: the method,
    whether the path names an object, and a bucket request's sub-resource (path style)."""
    bucket, _, key = environ.get("PATH_INFO", "").lstrip("/").partition("/")
    verb = S3_VERBS.get(environ.get("REQUEST_METHOD", ""), "")
    query = environ.get("QUERY_STRING", "")
    sub = query.split("&", 1)[0].split("=", 1)[0] if query and not key else ""
    named = {("GET", "list-type"): "ListObjectsV2", ("POST", "delete"): "DeleteObjects"}
    camel = "".join(part.title() for part in sub.split("-"))
    method = environ.get("REQUEST_METHOD", "")
    op = named.get((method, sub)) or f"{verb}{'Object' if key else 'Bucket'}{camel}"
    return Request(access_key, "s3", op, {"Bucket": bucket, "Key": key}, json=False)


def _key_of(attributes: dict[str, Any]) -> str:
    return str(attributes.get(KEY_ATTRIBUTE, {}).get("StringValue", ""))


def sent_keys(request: Request) -> dict[str, str]:
    """Batch entry id (or "" for SendMessage) -> the message's queuelab-id."""
    if request.op == "SendMessage":
        return {"": _key_of(request.body.get("MessageAttributes") or {})}
    return {
        str(e.get("Id")): _key_of(e.get("MessageAttributes") or {})
        for e in request.body.get("Entries") or []
    }


def receipt_handles(request: Request) -> list[str]:
    if "ReceiptHandle" in request.body:
        return [str(request.body["ReceiptHandle"])]
    return [str(e.get("ReceiptHandle")) for e in request.body.get("Entries") or []]


def receive_visibility(request: Request) -> int | None:
    """The VisibilityTimeout a ReceiveMessage asked for itself (None: the queue's own)."""
    asked = request.body.get("VisibilityTimeout")
    try:
        return None if asked is None else int(asked)
    except (TypeError, ValueError):
        return None


def item_key(request: Request) -> str:
    key = request.body.get("Key") or {}
    values = list(key.values()) if key else []
    item = request.body.get("Item") or {}
    values += [item[name] for name in KEY_ATTRIBUTES if name in item]
    return str(next(iter(values[0].values()))) if values else ""


def error_code(status: int, headers: list[tuple[str, str]], body: bytes) -> str:
    """The AWS error code of a response, or "" for a success."""
    if status < 300:
        return ""
    for name, value in headers:
        if name.lower() == "x-amzn-query-error":
            return value.split(";", 1)[0]
    try:
        kind = json.loads(body).get("__type", "")
    except (ValueError, AttributeError):
        kind = ""
    return str(kind).rsplit("#", 1)[-1] or f"HTTP {status}"


def response_body(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


# -- errors the nemesis answers with --------------------------------------------------------

_NAMESPACE = {"sqs": "com.amazonaws.sqs", "dynamodb": "com.amazonaws.dynamodb.v20120810"}
FAULT_ERRORS: dict[str, dict[str, tuple[int, str, str]]] = {
    # fault -> service -> (HTTP status, error code, message)
    "throttle": {
        "sqs": (400, "RequestThrottled", "Rate exceeded"),
        "dynamodb": (
            400,
            "ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
        ),
    },
    "deny": {
        "sqs": (403, "AccessDenied", "Access to the resource is denied (queuelab impairment)."),
        "dynamodb": (400, "AccessDeniedException", "Access denied (queuelab impairment)."),
    },
    "error": {
        "sqs": (500, "InternalError", "We encountered an internal error. Please try again."),
        "dynamodb": (500, "InternalServerError", "Internal server error"),
    },
    "unavailable": {
        "sqs": (503, "ServiceUnavailable", "Service is unable to handle request."),
        "dynamodb": (503, "ServiceUnavailable", "Service unavailable"),
    },
}


def error_response(fault: str, request: Request) -> tuple[str, list[tuple[str, str]], bytes]:
    service = request.service if request.service in _NAMESPACE else "sqs"
    status, code, message = FAULT_ERRORS[fault][service]
    reason = {400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error"}.get(
        status, "Service Unavailable"
    )
    sender = "Sender" if status < 500 else "Receiver"
    if not request.json:
        xml = (
            f"<ErrorResponse><Error><Type>{sender}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>queuelab</RequestId></ErrorResponse>"
        ).encode()
        return f"{status} {reason}", [("Content-Type", "text/xml")], xml
    headers = [("Content-Type", "application/x-amz-json-1.0")]
    if service == "sqs":
        headers.append(("x-amzn-query-error", f"{code};{sender}"))
    body = json.dumps({"__type": f"{_NAMESPACE[service]}#{code}", "message": message}).encode()
    return f"{status} {reason}", headers, body
