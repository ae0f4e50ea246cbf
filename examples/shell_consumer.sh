#!/bin/sh
# A consumer in six lines of shell (the AWS CLI, jq and curl): the side effect with an
# idempotency key, a delete only after it, poison left for the DLQ. It stops at once on
# SIGTERM, abandoning the message in hand (dup-graceful-shutdown shows it). AWS CLI v1
# ignores AWS_ENDPOINT_URL, hence --endpoint-url.
sqs() { aws --endpoint-url "$AWS_ENDPOINT_URL" sqs "$@" --queue-url "$QUEUE_URL"; }
while :; do sqs receive-message --max-number-of-messages 10 --output json | jq -c '.Messages[]? |
  {h: .ReceiptHandle, b: (.Body | fromjson? // {})} | select(.b.id and (.b.poison | not))' | while read -r m; do
  curl -fsS -o /dev/null -H "Idempotency-Key: $(echo "$m" | jq -r '.b.order_id // .b.id')" \
    -d "$(echo "$m" | jq -c '{id: .b.id}')" "$SIDE_EFFECT_URL" &&
  sqs delete-message --receipt-handle "$(echo "$m" | jq -r .h)"; done; done
