// A correct SQS-triggered Lambda handler in Node, for queuelab's ESM, run inside
// aws-lambda-ric (npm). The same rules as examples/lambda/python/correct.py:
// - each record on its own; failed ones go back as
//   {"batchItemFailures": [{"itemIdentifier": messageId}, ...]} (the mapping needs
//   --report-batch-item-failures);
// - on a FIFO queue, stop at the first failure and report it and every record after it;
// - the side effect is a POST to $SIDE_EFFECT_URL with an Idempotency-Key, so a redelivered
//   message or a retried batch is done once;
// - poison (not JSON, or "poison": true) is reported, never done.
//
//   (cd examples/lambda/node && npm ci)
//   python -m queuelab.esm --queue-url URL --runtime node \
//       --handler examples/lambda/node:correct.handler --report-batch-item-failures \
//       --env SIDE_EFFECT_URL=http://127.0.0.1:PORT/effects

const SIDE_EFFECT_URL = process.env.SIDE_EFFECT_URL ?? "";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sideEffect(payload) {
  const key = String(payload.order_id ?? payload.id);
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const response = await fetch(SIDE_EFFECT_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify({ id: payload.id }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.ok) return true; // done now, or the first result replayed
      if (![429, 500, 503].includes(response.status)) return false; // 409: in progress
    } catch {
      // no answer: the same key makes the retry safe
    }
    await sleep(Math.random() * 100 * 2 ** attempt);
  }
  return false;
}

async function processRecord(record) {
  let payload;
  try {
    payload = JSON.parse(record.body);
  } catch {
    return false; // not JSON: poison
  }
  if (payload === null || typeof payload !== "object" || !payload.id || payload.poison) {
    return false;
  }
  return sideEffect(payload);
}

export const handler = async (event) => {
  const batchItemFailures = [];
  let fifo = false;
  for (const record of event.Records) {
    fifo = fifo || "MessageGroupId" in record.attributes;
    if (batchItemFailures.length > 0 && fifo) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    let done = false;
    try {
      done = await processRecord(record);
    } catch (err) {
      console.log(`record ${record.messageId} failed: ${err}`);
    }
    if (!done) batchItemFailures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures };
};
