"""One behaviour of SQS (or of Lambda's SQS event source mapping) as AWS documents it, and
where: the rows of ``queuelab.targets.semantics`` and ``queuelab.targets.semantics_esm``."""

from __future__ import annotations

from dataclasses import dataclass

API = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_{}.html"
GUIDE = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/{}.html"
LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg/{}.html"
LAMBDA_API = "https://docs.aws.amazon.com/lambda/latest/api/API_{}.html"


@dataclass(frozen=True)
class Semantic:
    name: str
    behaviour: str
    expected: str  # what SQS does
    reference: str  # where AWS documents it
    setting: str = ""  # the embedded backend setting that may change it on purpose
