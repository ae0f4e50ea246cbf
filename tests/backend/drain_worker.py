"""A bare consumer for the atomicity tests: receive 10, record, delete, until the queue is dry.

Writes one JSON line per batch: {"received_at", "deleting_at", "messages": [[id, body, count]]}.
``received_at`` is taken after the receive returned, ``deleting_at`` before the delete is sent.
"""

from __future__ import annotations

import json
import sys
import time

from queuelab.contract import clients as aws


def main(queue_url: str, out_path: str) -> None:
    sqs = aws.sqs()
    empty_polls = 0
    with open(out_path, "w") as out:
        while empty_polls < 2:
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                VisibilityTimeout=120,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            ).get("Messages", [])
            received_at = time.time()
            if not messages:
                empty_polls += 1
                continue
            empty_polls = 0
            deleting_at = time.time()
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
            batch = [
                [m["MessageId"], m["Body"], int(m["Attributes"]["ApproximateReceiveCount"])]
                for m in messages
            ]
            out.write(
                json.dumps(
                    {"received_at": received_at, "deleting_at": deleting_at, "messages": batch}
                )
                + "\n"
            )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
