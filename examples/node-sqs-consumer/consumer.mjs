// The bbc sqs-consumer library (14.x, Node 20) written as its README shows it, judged by
// queuelab's consumer contract (docs/consumer-contract.md; what the lab found: docs/libraries.md).
// The AWS SDK reads AWS_ENDPOINT_URL, AWS_REGION, the credentials and AWS_MAX_ATTEMPTS from the
// environment; the contract adds QUEUE_URL and SIDE_EFFECT_URL.
//
//   make examples-sqs-consumer
//   .venv/bin/queuelab run --all --consumer-command "node examples/node-sqs-consumer/consumer.mjs"
//   .venv/bin/queuelab run --all --consumer-command "node examples/node-sqs-consumer/consumer.mjs --readme"
//
// Without an argument: the configuration that passes. With --readme: the README's "Usage"
// as it stands (queueUrl and handleMessage, every other option at its default, no SIGTERM
// handler), the same handler. --batch-size N: another batchSize for the configuration that
// passes (1: one message at a time, as dup-graceful-shutdown can judge it; docs/libraries.md).
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";

const { QUEUE_URL, SIDE_EFFECT_URL } = process.env;
const readme = process.argv.includes("--readme");
const sized = process.argv.indexOf("--batch-size");
const batchSize = sized === -1 ? 10 : Number(process.argv[sized + 1]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Do it once, whoever else got the same message: an idempotency key (the business key when
// there is one) makes every retry safe. True when it is done, now or before.
async function sideEffect(payload) {
  const key = String(payload.order_id || payload.id);
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const response = await fetch(SIDE_EFFECT_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify({ id: payload.id }),
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

// The README's contract with the library: return the message to have it deleted, return
// undefined to leave it on the queue, throw for a processing_error (left on the queue too).
// Poison is never deleted: after maxReceiveCount receives the redrive policy dead-letters it.
async function handleMessage(message) {
  let payload;
  try {
    payload = JSON.parse(message.Body);
  } catch {
    throw new Error(`${message.MessageId}: not JSON (poison, left for the DLQ)`);
  }
  if (typeof payload !== "object" || payload === null || !payload.id || payload.poison) {
    throw new Error(`${message.MessageId}: poison, left for the DLQ`);
  }
  return (await sideEffect(payload)) ? message : undefined;
}

// FIFO: "to maintain FIFO ordering, you should always use handleMessageBatch" (README). The
// batch is handled in order and stops at the first message not done: the ones before it are
// returned (deleted), it and the rest stay, so a group never runs ahead of a failure.
async function handleMessageBatch(messages) {
  const done = [];
  for (const message of messages) {
    try {
      if (!(await handleMessage(message))) break;
    } catch (err) {
      console.error(err.message);
      break;
    }
    done.push(message);
  }
  return done;
}

// The README's client of your own (it reads AWS_ENDPOINT_URL; the library's own client
// would take the queue URL's host for the endpoint).
const sqs = new SQSClient({});
// visibilityTimeout goes on every ReceiveMessage and every heartbeat: the queue's own, so
// the lease a message gets is the one the queue declares (the lab's queues: 2 to 10 s).
const { Attributes } = await sqs.send(
  new GetQueueAttributesCommand({ QueueUrl: QUEUE_URL, AttributeNames: ["VisibilityTimeout"] }),
);
const visibilityTimeout = Number(Attributes.VisibilityTimeout);

const fifo = QUEUE_URL.endsWith(".fifo");
const options = readme
  ? { queueUrl: QUEUE_URL, handleMessage }
  : {
      queueUrl: QUEUE_URL,
      sqs,
      ...(fifo ? { handleMessageBatch, suppressFifoWarning: true } : { handleMessage }),
      // Ten at a time: handleMessage runs on each message of a receive at once (Promise.all).
      batchSize,
      // A heartbeat while the handler runs: four times a lease the lease is set again, so
      // work that outlasts the visibility timeout is not handed to another consumer, even
      // when a loaded machine makes a beat late (every half lease was not enough on 2 cores).
      visibilityTimeout,
      heartbeatInterval: visibilityTimeout / 4,
      // The queue's own short long poll: a stop waits for the poll in flight (below).
      waitTimeSeconds: 1,
      // The README's graceful shutdown: stop() waits this long for the poll in flight and
      // the handlers running; without it "stopped" comes at once and the work in hand is
      // abandoned. Below the lab's 10 s before SIGKILL.
      pollingCompleteWaitTimeMs: 8_000,
      strictReturn: true,
    };

const app = Consumer.create(options);

app.on("error", (err) => {
  console.error(err.message);
});

app.on("processing_error", (err) => {
  console.error(err.message);
});

app.on("timeout_error", (err) => {
  console.error(err.message);
});

if (!readme) {
  const shutdown = () => {
    app.once("stopped", () => process.exit(0));
    app.stop();
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

app.start();
