// A correct SQS consumer in Node, for queuelab's consumer contract
// (docs/consumer-contract.md). Configured only from the environment: the standard AWS variables
// (AWS_ENDPOINT_URL, AWS_REGION, credentials, AWS_MAX_ATTEMPTS), QUEUE_URL, SIDE_EFFECT_URL.
//
//   make examples-node
//   .venv/bin/queuelab run --all --consumer-command "node examples/node/consumer.mjs"
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

const { QUEUE_URL, SIDE_EFFECT_URL } = process.env;
const sqs = new SQSClient({});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let stopping = false;
process.on("SIGTERM", () => { stopping = true; }); // finish the message in hand, then exit

// Do it once, whoever else got the same message: an idempotency key (the business key when
// there is one) makes every retry safe. A versioned update (entity_id and version) is the
// endpoint's conditional PUT: applied only if newer. True when it is done, now or before.
async function sideEffect(payload) {
  const versioned = payload.entity_id && Number.isInteger(payload.version);
  const key = String(versioned ? payload.id : payload.order_id || payload.id);
  const url = versioned ? `${SIDE_EFFECT_URL}/entities/${payload.entity_id}` : SIDE_EFFECT_URL;
  const body = versioned ? { id: payload.id, version: payload.version } : { id: payload.id };
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const response = await fetch(url, {
        method: versioned ? "PUT" : "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      if (response.ok) return true; // done now, or the first result replayed
      if (![429, 500, 503].includes(response.status)) return false; // 409: someone is on it
    } catch {
      // no answer: done or not, the same key makes the retry safe
    }
    await sleep(Math.random() * 200 * 2 ** attempt); // throttled: back off, with jitter
  }
  return false;
}

// True when the message may be deleted. Poison is never deleted: after maxReceiveCount
// receives the queue's redrive policy moves it to the DLQ.
async function handle(message) {
  let payload;
  try {
    payload = JSON.parse(message.Body);
  } catch {
    return false; // not JSON: poison
  }
  if (typeof payload !== "object" || payload === null || !payload.id || payload.poison) {
    return false;
  }
  return sideEffect(payload);
}

let failures = 0;
while (!stopping) {
  let messages;
  try {
    // the queue's own long-poll wait (ReceiveMessageWaitTimeSeconds)
    const reply = await sqs.send(new ReceiveMessageCommand({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10 }));
    messages = reply.Messages ?? [];
    failures = 0;
  } catch (err) {
    failures += 1; // throttled or denied beyond the SDK's retries: back off, with jitter
    console.error(`receive failed (${failures} in a row): ${err.name}`);
    await sleep(Math.random() * Math.min(10000, 500 * 2 ** failures));
    continue;
  }
  for (const [index, message] of messages.entries()) {
    if (stopping) { // give back what we will not handle
      for (const rest of messages.slice(index)) {
        await sqs.send(new ChangeMessageVisibilityCommand({
          QueueUrl: QUEUE_URL, ReceiptHandle: rest.ReceiptHandle, VisibilityTimeout: 0,
        })).catch(() => {});
      }
      break;
    }
    if (await handle(message)) { // delete only after the side effect is done
      await sqs.send(new DeleteMessageCommand({ QueueUrl: QUEUE_URL, ReceiptHandle: message.ReceiptHandle }))
        .catch((err) => console.error(`delete failed: ${err.name}`)); // it comes back: safe
    }
  }
}
sqs.destroy();
process.exit(0);
