"""The one place that builds boto3 clients, configured the standard AWS way.

Endpoints: ``AWS_ENDPOINT_URL`` for every service, and the standard per-service variables
``AWS_ENDPOINT_URL_SQS``, ``AWS_ENDPOINT_URL_DYNAMODB``, ``AWS_ENDPOINT_URL_S3`` over it, so
SQS can be one server (LocalStack) and DynamoDB another (the embedded backend). An endpoint
given on the command line may name them too: ``URL``, ``sqs=URL,dynamodb=URL``, or both
(``URL,sqs=URL2``: the services not named go to the first)."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

# Retries are botocore's own (no hand-written loop): the standard variables AWS_RETRY_MODE
# (standard | adaptive | legacy) and AWS_MAX_ATTEMPTS (1: no retry at all) choose them.
DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 4  # total attempts, the first included
# The services queuelab's clients reach, by the name their endpoint variable takes.
SERVICES = ("sqs", "dynamodb", "s3")


class EndpointError(ValueError):
    """An endpoint specification that names an unknown service or no URL."""


def parse_endpoints(spec: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """``URL`` / ``sqs=URL,dynamodb=URL`` / ``URL,sqs=URL2``: (the default, per service)."""
    default: str | None = None
    per_service: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, found, url = part.partition("=")
        if found and "://" not in name:
            if name.lower() not in SERVICES:
                raise EndpointError(
                    f"{name!r} in {spec!r} is not a service queuelab reaches "
                    f"({', '.join(SERVICES)})"
                )
            per_service[name.lower()] = url
        elif default is None:
            default = part
        else:
            raise EndpointError(f"{spec!r} gives two default endpoints: name the services")
    if not per_service and default is None:
        raise EndpointError(f"no endpoint in {spec!r}")
    return default, tuple(per_service.items())


def client_config(settings: AwsSettings) -> Config:
    """Read timeout above the longest long poll (20 s); the settings' retry mode. The
    endpoint comes only from AwsSettings (which reads AWS_ENDPOINT_URL itself), so a target
    without one (real AWS) is never redirected by a leftover variable or profile setting."""
    return Config(
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=16,  # a consumer's pool (up to 10 threads) plus its own calls
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},  # type: ignore[arg-type]
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
    retry_mode: str = DEFAULT_RETRY_MODE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    # (service, URL): AWS_ENDPOINT_URL_<SERVICE>, over endpoint_url for that service
    service_endpoints: tuple[tuple[str, str], ...] = ()

    def endpoint_for(self, service: str) -> str | None:
        """Where ``service``'s client connects (None: AWS itself)."""
        return dict(self.service_endpoints).get(service) or self.endpoint_url

    def with_endpoints(self, spec: str) -> AwsSettings:
        """These settings with the endpoints of ``spec`` (``parse_endpoints``) over the
        environment's: a service the spec does not name keeps its own variable, else the
        spec's default, else the first URL the spec gives."""
        default, named = parse_endpoints(spec)
        per_service = dict(self.service_endpoints) | dict(named)
        fallback = default or self.endpoint_url or named[0][1]
        return replace(
            self, endpoint_url=fallback, service_endpoints=tuple(sorted(per_service.items()))
        )

    def on_aws(self, region: str | None) -> AwsSettings:
        """The same credentials, every service on AWS itself (no endpoint)."""
        return replace(self, endpoint_url=None, service_endpoints=(), region=region)

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
            retry_mode=env.get("AWS_RETRY_MODE") or DEFAULT_RETRY_MODE,
            max_attempts=int(env.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS),
            service_endpoints=tuple(
                (service, env[f"AWS_ENDPOINT_URL_{service.upper()}"])
                for service in SERVICES
                if env.get(f"AWS_ENDPOINT_URL_{service.upper()}")
            ),
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
            "AWS_RETRY_MODE": self.retry_mode,
            "AWS_MAX_ATTEMPTS": str(self.max_attempts),
        }
        for service, url in self.service_endpoints:
            values[f"AWS_ENDPOINT_URL_{service.upper()}"] = url
        return {k: v for k, v in values.items() if v}


# One boto3 session per profile and region in a process, its clients built one at a time:
# a session keeps the service models it parsed, so a second client costs a few milliseconds,
# not the tens a new session pays to parse the model again (the runner builds clients for
# every run, each run with keys of its own). boto3 sessions are not safe to build clients
# from in two threads at once.
_BUILDING = threading.Lock()


@functools.lru_cache(maxsize=8)
def _session(profile: str | None, region: str | None) -> boto3.session.Session:
    return boto3.session.Session(profile_name=profile, region_name=region)


def _client(service: str, settings: AwsSettings, config: Config | None = None) -> Any:
    """Keys given in the settings are the client's; without them, the session's chain
    (the profile, the environment, an instance role) finds them, as boto3 does."""
    with _BUILDING:
        return _session(settings.profile, settings.region).client(
            service,  # type: ignore[call-overload]
            endpoint_url=settings.endpoint_for(service),
            config=config or client_config(settings),
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
            aws_session_token=settings.session_token,
        )


def sqs(settings: AwsSettings | None = None) -> SQSClient:
    return _client("sqs", settings or AwsSettings.from_env())  # type: ignore[no-any-return]


def dynamodb(settings: AwsSettings | None = None) -> DynamoDBClient:
    return _client("dynamodb", settings or AwsSettings.from_env())  # type: ignore[no-any-return]


def s3(settings: AwsSettings | None = None) -> S3Client:
    """Path-style addressing on an endpoint (``http://127.0.0.1:PORT/bucket/key``: a
    loopback server has no per-bucket host names); AWS's default, virtual-hosted, on AWS."""
    settings = settings or AwsSettings.from_env()
    config = client_config(settings)
    if settings.endpoint_for("s3"):
        config = config.merge(Config(s3={"addressing_style": "path"}))
    return _client("s3", settings, config)  # type: ignore[no-any-return]


def sts(settings: AwsSettings | None = None) -> STSClient:
    return _client("sts", settings or AwsSettings.from_env())  # type: ignore[no-any-return]
