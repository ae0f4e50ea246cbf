"""``queuelab send | receive | ack | extend | stats``: walk one message's life by hand
against the local server (``queuelab local up`` writes ``.env``) or whatever ``.env`` /
the environment point at (``QUEUE_URL``, ``DLQ_URL``, ``AWS_ENDPOINT_URL``).

Errors say what is wrong and what to do: no queue configured, a queue that does not exist,
no server at the endpoint (exit 2), a receipt handle that is stale or invalid (exit 1).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from rich.table import Table

from queuelab.cli.hints import me
from queuelab.contract import clients
from queuelab.report.console import console as make_console
from queuelab.report.console import fail

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

T = TypeVar("T")
console = make_console()
COMMANDS = ("send", "receive", "ack", "extend", "stats")
UNKNOWN_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
BAD_HANDLE = ("ReceiptHandleIsInvalid", "InvalidParameterValue", "MessageNotInflight")
QueueOption = Annotated[
    str | None,
    typer.Option("--queue", "-q", help="Queue name or URL (default: QUEUE_URL, from .env)."),
]


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON (for scripts) instead of text.")
]


def _endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL") or "AWS"


@contextmanager
def _explained(handle: str = "") -> Iterator[None]:
    """SQS errors as what the user can do about them."""
    try:
        yield
    except EndpointConnectionError:
        fail(
            f"no SQS server answers at {_endpoint()}: start the local one with "
            f"`{me()} local up` (it writes .env), or fix AWS_ENDPOINT_URL"
        )
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in UNKNOWN_QUEUE:
            fail(f"no such queue at {_endpoint()}: {err}")
        if handle and code in BAD_HANDLE:
            fail(
                f"receipt handle {handle[:24]}... is stale or invalid ({code}): a handle is "
                "good for one receive; receive the message again for a fresh one",
                code=1,
            )
        fail(f"SQS refused: {err}", code=1)
    except BotoCoreError as err:
        fail(f"cannot call SQS at {_endpoint()}: {err}")


def _client(queue: str | None) -> tuple[SQSClient, str]:
    """A client, and the queue's URL (``queue`` a name or a URL, else ``QUEUE_URL``)."""
    chosen = queue or os.environ.get("QUEUE_URL")
    if not chosen:
        fail(f"no queue: pass --queue NAME or URL, or run `{me()} local up` (writes .env)")
    with _explained():
        sqs = clients.sqs(clients.AwsSettings.from_env())
        if chosen.startswith(("http://", "https://")):
            return sqs, chosen
        return sqs, sqs.get_queue_url(QueueName=chosen)["QueueUrl"]
    raise AssertionError("unreachable")  # fail() exits


def _call(call: Callable[[], T], handle: str = "") -> T:
    with _explained(handle):
        return call()
    raise AssertionError("unreachable")


def send(
    body: Annotated[
        str | None, typer.Argument(help="Message body (default: a JSON payload with an id).")
    ] = None,
    queue: QueueOption = None,
    delay: Annotated[int, typer.Option(help="DelaySeconds (0-900).", min=0, max=900)] = 0,
    group: Annotated[str | None, typer.Option(help="MessageGroupId (FIFO queues).")] = None,
) -> None:
    """Send one message; prints its MessageId."""
    sqs, url = _client(queue)
    text = body if body is not None else json.dumps({"id": str(uuid.uuid4()), "work": 1})
    extra: dict[str, Any] = {"DelaySeconds": delay}
    if group or url.endswith(".fifo"):
        extra = {"MessageGroupId": group or "by-hand", "MessageDeduplicationId": str(uuid.uuid4())}
    sent = _call(lambda: sqs.send_message(QueueUrl=url, MessageBody=text, **extra))
    console.print(f"sent {sent['MessageId']}", highlight=False)


def receive(
    queue: QueueOption = None,
    max_messages: Annotated[int, typer.Option("--max", min=1, max=10)] = 1,
    visibility: Annotated[
        int | None,
        typer.Option(help="Visibility timeout for these (default: the queue's).", min=0),
    ] = None,
    wait: Annotated[int, typer.Option(help="Long-poll seconds (0-20).", min=0, max=20)] = 1,
    as_json: JsonOption = False,
) -> None:
    """Receive messages: receipt handle (for ack / extend), receive count, age, body."""
    sqs, url = _client(queue)
    extra: dict[str, Any] = {} if visibility is None else {"VisibilityTimeout": visibility}
    messages = _call(
        lambda: sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            **extra,
        )
    ).get("Messages", [])
    now = time.time()
    if as_json:  # for scripts: jq -r '.messages[0].receipt_handle'
        said = [_message(m, now) for m in messages]
        print(json.dumps({"queue_url": url, "messages": said}, indent=2))
        return
    if not messages:
        console.print("no message visible")
        return
    for m in messages:
        attributes = m.get("Attributes", {})
        age = now - int(attributes.get("SentTimestamp", now * 1000)) / 1000
        console.print(f"[bold]message {m['MessageId']}[/bold]", highlight=False)
        console.print(f"  receive count  {attributes.get('ApproximateReceiveCount', '?')}")
        console.print(f"  age            {age:.1f} s")
        console.print(f"  body           {m['Body'][:200]}", highlight=False, markup=False)
        console.print(f"  receipt handle {m['ReceiptHandle']}", highlight=False, soft_wrap=True)


def _message(m: Any, now: float) -> dict[str, Any]:
    attributes = m.get("Attributes", {})
    sent = int(attributes.get("SentTimestamp", now * 1000)) / 1000
    return {
        "message_id": m["MessageId"],
        "receipt_handle": m["ReceiptHandle"],
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "age_s": round(now - sent, 3),
        "body": m["Body"],
    }


def ack(
    receipt_handle: Annotated[str, typer.Argument(help="From `queuelab receive`.")],
    queue: QueueOption = None,
) -> None:
    """Delete a received message (acknowledge it)."""
    sqs, url = _client(queue)
    _call(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=receipt_handle), receipt_handle)
    console.print("deleted")


def extend(
    receipt_handle: Annotated[str, typer.Argument(help="From `queuelab receive`.")],
    seconds: Annotated[
        int, typer.Argument(help="New visibility timeout from now (0: visible again).", min=0)
    ],
    queue: QueueOption = None,
) -> None:
    """Change a received message's visibility timeout (extend the lease, or 0 to release)."""
    sqs, url = _client(queue)
    _call(
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        ),
        receipt_handle,
    )
    console.print(f"invisible for {seconds} s more" if seconds else "visible again")


def _counts(sqs: SQSClient, url: str) -> dict[str, str]:
    names: Any = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "RedrivePolicy",
        "VisibilityTimeout",
    ]
    answer = _call(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names))
    return {str(k): v for k, v in answer["Attributes"].items()}


def _dlq_url(sqs: SQSClient, attributes: dict[str, str]) -> str | None:
    policy = attributes.get("RedrivePolicy")
    if not policy:
        return os.environ.get("DLQ_URL") or None
    name = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1]
    return _call(lambda: sqs.get_queue_url(QueueName=name))["QueueUrl"]


def _oldest_age(sqs: SQSClient, url: str) -> str:
    """The oldest of up to 10 visible messages, received with visibility 0 (so they stay
    visible; each receive still counts towards maxReceiveCount)."""
    messages = _call(
        lambda: sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            MessageSystemAttributeNames=["SentTimestamp"],
        )
    ).get("Messages", [])
    sent = [int(m.get("Attributes", {}).get("SentTimestamp", 0)) for m in messages]
    return f"{time.time() - min(sent) / 1000:.1f} s" if sent else "(no visible message)"


def stats(
    queue: QueueOption = None,
    peek: Annotated[
        bool,
        typer.Option(
            help="Measure the oldest visible message's age by receiving up to 10 with "
            "visibility 0 (it counts as a receive towards maxReceiveCount).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The queue's depth, in flight, delayed, its DLQ's depth and the oldest message's age."""
    sqs, url = _client(queue)
    attributes = _counts(sqs, url)
    if as_json:
        print(json.dumps(_stats(sqs, url, attributes, peek), indent=2))
        return
    table = Table(title=url.rsplit("/", 1)[-1], show_header=False)
    table.add_row("visible (depth)", attributes.get("ApproximateNumberOfMessages", "?"))
    table.add_row("in flight", attributes.get("ApproximateNumberOfMessagesNotVisible", "?"))
    table.add_row("delayed", attributes.get("ApproximateNumberOfMessagesDelayed", "?"))
    dlq = _dlq_url(sqs, attributes)
    if dlq:
        dead = _counts(sqs, dlq)
        total = sum(
            int(dead.get(k, "0"))
            for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        )
        table.add_row("DLQ", f"{total} ({dlq.rsplit('/', 1)[-1]})")
    else:
        table.add_row("DLQ", "(none: no redrive policy)")
    table.add_row("visibility timeout", f"{attributes.get('VisibilityTimeout', '?')} s")
    oldest = _oldest_age(sqs, url) if peek else "(use --peek: SQS has no such attribute)"
    table.add_row("oldest message age", oldest)
    console.print(table)


def _stats(sqs: SQSClient, url: str, attributes: dict[str, str], peek: bool) -> dict[str, Any]:
    def number(values: dict[str, str], key: str) -> int | None:
        return int(values[key]) if key in values else None

    dlq = _dlq_url(sqs, attributes)
    dead = _counts(sqs, dlq) if dlq else {}
    oldest = None
    if peek:
        age = _oldest_age(sqs, url)
        oldest = float(age.split()[0]) if age[0].isdigit() else None
    return {
        "queue_url": url,
        "visible": number(attributes, "ApproximateNumberOfMessages"),
        "in_flight": number(attributes, "ApproximateNumberOfMessagesNotVisible"),
        "delayed": number(attributes, "ApproximateNumberOfMessagesDelayed"),
        "dlq_url": dlq,
        "dlq": sum(
            int(dead.get(k, "0"))
            for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        )
        if dlq
        else None,
        "visibility_timeout_s": number(attributes, "VisibilityTimeout"),
        "oldest_age_s": oldest,  # with --peek only: SQS has no such attribute
    }


def register(app: typer.Typer) -> None:
    for command in (send, receive, ack, extend, stats):
        app.command()(command)
