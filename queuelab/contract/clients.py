"""The one place that builds boto3 clients, configured the standard AWS way."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

# Read timeout above the longest long poll (20 s); botocore's standard retry mode. The
# endpoint comes only from AwsSettings (which reads AWS_ENDPOINT_URL itself), so a target
# without one (real AWS) is never redirected by a leftover variable or profile setting.
CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 3},
    ignore_configured_endpoint_urls=True,  # type: ignore[call-arg]  # older stubs lack it
)


@dataclass(frozen=True)
class AwsSettings:
    """Where clients connect: the standard variables, read from an environment mapping."""

    region: str | None = None
    endpoint_url: str | None = None
    profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AwsSettings:
        env = os.environ if env is None else env
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            profile=env.get("AWS_PROFILE") or None,
            access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
        )

    def env(self) -> dict[str, str]:
        """The same settings as environment variables, for a subprocess."""
        values = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_PROFILE": self.profile,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }
        return {k: v for k, v in values.items() if v}


def _session(settings: AwsSettings) -> boto3.session.Session:
    return boto3.session.Session(
        profile_name=settings.profile,
        region_name=settings.region,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        aws_session_token=settings.session_token,
    )


def sqs(settings: AwsSettings | None = None) -> SQSClient:
    settings = settings or AwsSettings.from_env()
    return _session(settings).client(
        "sqs", endpoint_url=settings.endpoint_url, config=CLIENT_CONFIG
    )


def dynamodb(settings: AwsSettings | None = None) -> DynamoDBClient:
    settings = settings or AwsSettings.from_env()
    return _session(settings).client(
        "dynamodb", endpoint_url=settings.endpoint_url, config=CLIENT_CONFIG
    )


def sts(settings: AwsSettings | None = None) -> STSClient:
    settings = settings or AwsSettings.from_env()
    return _session(settings).client(
        "sts", endpoint_url=settings.endpoint_url, config=CLIENT_CONFIG
    )
