"""The SQS event source mapping's behaviours, as the AWS Lambda developer guide documents
them (pure data): the lab's own mapping (``queuelab.esm``) is probed against them on the target's
queues (``queuelab.targets.probes.esm``)."""

from __future__ import annotations

from queuelab.targets.semantic import LAMBDA, LAMBDA_API, Semantic

ESM: tuple[Semantic, ...] = (
    Semantic(
        "esm-event-shape",
        'Lambda: the mapping invokes the function synchronously with {"Records": [...]}, '
        "each record with messageId, receiptHandle, body, attributes, messageAttributes, "
        "md5OfBody, eventSource, eventSourceARN and awsRegion",
        "every field present, eventSource aws:sqs",
        LAMBDA.format("with-sqs"),
    ),
    Semantic(
        "esm-delete-on-success",
        "Lambda: when the function succeeds, the mapping deletes its batch",
        "each message invoked once, none back after the visibility timeout",
        LAMBDA.format("with-sqs"),
    ),
    Semantic(
        "esm-error-returns-batch",
        "Lambda: a function error returns every message of the batch after the visibility timeout",
        "every message invoked again, ApproximateReceiveCount 2",
        LAMBDA.format("services-sqs-errorhandling"),
    ),
    Semantic(
        "esm-partial-batch-response",
        "Lambda: with ReportBatchItemFailures, only the messages listed in "
        "batchItemFailures return",
        "the failed message invoked again, the others once",
        LAMBDA.format("services-sqs-errorhandling"),
    ),
    Semantic(
        "esm-malformed-response-fails-batch",
        "Lambda: an itemIdentifier that is not a message id of the batch fails the whole batch",
        "every message invoked again",
        LAMBDA.format("services-sqs-errorhandling"),
    ),
    Semantic(
        "esm-unseen-list-is-success",
        "Lambda: a response without a top-level batchItemFailures (an API Gateway reply's "
        "body) shows no failures: the batch is a success",
        "each message invoked once and deleted",
        LAMBDA.format("services-sqs-errorhandling"),
    ),
    Semantic(
        "esm-maximum-concurrency",
        "Lambda: ScalingConfig.MaximumConcurrency caps the invocations the mapping makes at once",
        "at most 2 at once with MaximumConcurrency 2",
        LAMBDA_API.format("ScalingConfig"),
    ),
    Semantic(
        "esm-reserved-concurrency-throttles",
        "Lambda: the mapping reads beyond the function's reserved concurrency; the extra "
        "invocations are throttled and retried",
        "throttled invocations, at most 1 at once with reserved concurrency 1, every message done",
        LAMBDA.format("services-sqs-errorhandling"),
    ),
    Semantic(
        "esm-scaling-ramp",
        "Lambda: the mapping starts with 5 concurrent batches and adds at most 300 a minute",
        "never more at once than 5 + 300 a minute since the first invocation",
        LAMBDA.format("services-sqs-scaling"),
    ),
    Semantic(
        "esm-timeout-above-visibility-refused",
        "Lambda: a mapping whose function's timeout exceeds the queue's visibility timeout is "
        "refused",
        "InvalidParameterValueException: Queue visibility timeout: 2 seconds is less than "
        "Function timeout: 3 seconds",
        LAMBDA.format("services-sqs-configure"),
    ),
    Semantic(
        "esm-batch-size-validation",
        "Lambda: a BatchSize above 10 needs MaximumBatchingWindowInSeconds >= 1, and a FIFO "
        "queue takes at most 10",
        "refused without a window, accepted with 1 s; refused on a FIFO queue",
        LAMBDA_API.format("CreateEventSourceMapping"),
    ),
)
