"""Requests sent as bytes, signed with SigV4 (as any SDK signs them), for what an SDK would
refuse to send: the SQS query protocol (form-encoded, XML answers: what older SDKs such as
the AWS SDK for JavaScript v2 send) and malformed JSON."""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def code(self) -> str:
        """The error code: the query protocol's <Code>, or JSON's query-error header, else
        the JSON ``__type``'s name."""
        found = re.search(r"<Code>([^<]*)</Code>", self.body)
        if found:
            return found.group(1)
        header = self.headers.get("x-amzn-query-error", "")
        return header.split(";")[0] if header else self.json_type

    @property
    def json_type(self) -> str:
        try:
            return str(json.loads(self.body).get("__type", "")).rsplit("#", 1)[-1]
        except ValueError:
            return ""

    @property
    def message(self) -> str:
        found = re.search(r"<Message>([^<]*)</Message>", self.body)
        if found:
            return html.unescape(found.group(1))
        parsed = json.loads(self.body)
        return str(parsed.get("message") or parsed.get("Message") or "")


def send(url: str, body: str, headers: dict[str, str], service: str) -> Answer:
    signed = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), service, "us-east-1").add_auth(signed)
    request = urllib.request.Request(
        url, data=body.encode(), headers=dict(signed.headers), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, _lower(response.headers), response.read().decode())
    except urllib.error.HTTPError as err:
        return Answer(err.code, _lower(err.headers), err.read().decode())


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def query(url: str, action: str, **params: str) -> Answer:
    """An SQS query-protocol call (``url``: the endpoint or a queue URL)."""
    form = {"Action": action, "Version": "2012-11-05", **params}
    content = {"Content-Type": "application/x-www-form-urlencoded"}
    return send(url, urllib.parse.urlencode(form), content, "sqs")


def sqs_json(url: str, operation: str, body: Any) -> Answer:
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"AmazonSQS.{operation}",
    }
    return send(url, json.dumps(body), headers, "sqs")


def dynamodb_json(url: str, operation: str, body: Any) -> Answer:
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
    }
    return send(url, json.dumps(body), headers, "dynamodb")
