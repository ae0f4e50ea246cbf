"""A consumer that keeps its own records in STATE_TABLE (the contract's DynamoDB table): a
record per payload id, written with a conditional put before its side effect, for the test
that the table is there and the consumer's to write."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import urllib.request

import boto3

sqs, ddb = boto3.client("sqs"), boto3.client("dynamodb")
queue_url, effect_url = os.environ["QUEUE_URL"], os.environ["SIDE_EFFECT_URL"]
table = os.environ["STATE_TABLE"]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        payload = json.loads(message["Body"])
        # seen before: the Idempotency-Key below makes the side effect safe anyway
        with contextlib.suppress(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(
                TableName=table,
                Item={"id": {"S": payload["id"]}, "expiration": {"N": "4102444800"}},
                ConditionExpression="attribute_not_exists(id)",
            )
        body = json.dumps({"id": payload["id"]}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": payload["id"]}
        urllib.request.urlopen(urllib.request.Request(effect_url, body, headers), timeout=30)
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
