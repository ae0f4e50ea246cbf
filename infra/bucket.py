"""The claim-check bucket on AWS: private (every public access block on), encrypted
(SSE-S3), TLS only, and tidy (a lifecycle rule expires claim checks a consumer did not
delete), tagged like everything else. ``force_destroy``: ``make infra-down`` empties it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi_aws as aws

from queuelab.contract.claim_check import EXPIRE_DAYS, PREFIX


def bucket_tls_only_policy(bucket: str) -> str:
    """A bucket policy that denies every S3 request not made over TLS."""
    arn = f"arn:aws:s3:::{bucket}"
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass(frozen=True)
class BucketResources:
    """The claim-check bucket and the settings that keep it private, encrypted and tidy."""

    bucket: aws.s3.Bucket
    encryption: aws.s3.BucketServerSideEncryptionConfiguration
    public_access: aws.s3.BucketPublicAccessBlock
    lifecycle: aws.s3.BucketLifecycleConfiguration
    policy: aws.s3.BucketPolicy


def claim_check_bucket(name: str, tags: dict[str, str]) -> BucketResources:
    bucket = aws.s3.Bucket(name, bucket=name, force_destroy=True, tags=tags)
    s3 = aws.s3
    by_default = (
        s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
    )
    return BucketResources(
        bucket=bucket,
        encryption=s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse",
            bucket=bucket.id,
            rules=[
                s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=by_default(sse_algorithm="AES256")
                )
            ],
        ),
        public_access=s3.BucketPublicAccessBlock(
            f"{name}-private",
            bucket=bucket.id,
            block_public_acls=True,
            ignore_public_acls=True,
            block_public_policy=True,
            restrict_public_buckets=True,
        ),
        lifecycle=s3.BucketLifecycleConfiguration(
            f"{name}-expiry",
            bucket=bucket.id,
            rules=[
                s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-claim-checks",
                    status="Enabled",
                    filter=s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=PREFIX),
                    expiration=s3.BucketLifecycleConfigurationRuleExpirationArgs(days=EXPIRE_DAYS),
                )
            ],
        ),
        policy=s3.BucketPolicy(
            f"{name}-tls-only", bucket=bucket.id, policy=bucket_tls_only_policy(name)
        ),
    )
