"""Where scenarios run: the embedded backend (default), any SQS/DynamoDB-compatible
endpoint, or real AWS through the Pulumi stack's outputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from queuelab import workdir
from queuelab.backend import EmbeddedBackend
from queuelab.backend.control import Control, probe
from queuelab.backend.launcher import endpoint_settings
from queuelab.backend.settings import LAB, BackendSettings
from queuelab.contract import clients
from queuelab.targets import guard, pacing, provision
from queuelab.targets.conformance import Conformance
from queuelab.targets.outputs import Outputs, OutputsError, SetOutputs
from queuelab.targets.plan import DEFAULT_REGION, ResourceSet


class Target(StrEnum):
    local = "local"  # the embedded backend (or, for doctor, the `local up` server)
    aws = "aws"  # the Pulumi stack's resources


class TargetError(RuntimeError):
    """The target cannot be used (missing stack, refused resource...): exit code 2."""


@dataclass(frozen=True)
class Session:
    name: str  # local | endpoint | aws
    settings: clients.AwsSettings
    outputs: Outputs
    pacing: pacing.Pacing = pacing.EXACT
    owned: Callable[[SetOutputs], None] | None = None  # raises TargetError if not ours
    control: Control | None = None  # the embedded server's witness and nemesis, if any
    backend: BackendSettings | None = None  # the embedded backend's settings, if it is one
    probed: Conformance | None = None  # its semantics, some probed while provisioning

    def check_owned(self, resources: SetOutputs) -> None:
        if self.owned is not None:
            self.owned(resources)

    @cached_property
    def conformance(self) -> Conformance:
        """What this target does like SQS, probed on demand once per session."""
        if self.probed is not None:
            return self.probed
        return Conformance(self.settings, self.backend, reference=self.name == "aws")


@contextmanager
def local(
    log_dir: Path, resources: Iterable[ResourceSet], semantics: Iterable[str] = ()
) -> Iterator[Session]:
    """An embedded backend for the duration of the block, with the plan provisioned and the
    ``semantics`` probed meanwhile (both mostly wait: the probes on visibility timeouts and
    the dedup window, the provisioning on the server's answers)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    backend = EmbeddedBackend(DEFAULT_REGION, log_path=log_dir / "backend.log", settings=LAB)
    with backend as endpoint, ThreadPoolExecutor(1, thread_name_prefix="probes") as pool:
        settings = endpoint.settings()
        conformance = Conformance(settings, endpoint.backend)
        probing = pool.submit(conformance.rows, list(semantics))
        outputs = provision.provision(
            clients.sqs(settings),
            clients.dynamodb(settings),
            region=endpoint.region,
            stack="local",
            resources=resources,
            s3=clients.s3(settings),
        )
        probing.result()  # a probe that fails says so in its rows
        yield Session(
            "local",
            settings,
            outputs,
            control=Control(endpoint.url),
            backend=endpoint.backend,
            probed=conformance,
        )


def declared_backend(url: str) -> BackendSettings | None:
    """The settings a `queuelab local up` server at ``url`` announced (None for any other
    endpoint: what it does is only known from the probes)."""
    try:
        state = json.loads(workdir.local_state().read_text())
    except (OSError, ValueError):
        return None
    announced = state.get("settings") if state.get("url") == url.rstrip("/") else None
    return BackendSettings.from_dict(announced) if isinstance(announced, dict) else None


@contextmanager
def endpoint(url: str, resources: Iterable[ResourceSet]) -> Iterator[Session]:
    """Any SQS/DynamoDB-compatible endpoint (LocalStack, a `queuelab local up` server...),
    or one per service (``sqs=URL,dynamodb=URL``, ``AWS_ENDPOINT_URL_SQS``...): the plan is
    provisioned there through the APIs first."""
    region = clients.AwsSettings.from_env().region or DEFAULT_REGION
    try:
        settings = endpoint_settings(url, region, given=True)
    except clients.EndpointError as err:
        raise TargetError(str(err)) from None
    # The witness and the nemesis are the SQS server's, if it is an embedded one (with SQS on
    # another server, its calls would be missing from the witness).
    sqs_url = settings.endpoint_for("sqs") or url
    try:
        outputs = provision.provision(
            clients.sqs(settings),
            clients.dynamodb(settings),
            region=settings.region or DEFAULT_REGION,
            stack="local",  # made by queuelab's own provisioner, as on the embedded backend
            resources=resources,
            s3=clients.s3(settings),
        )
    except (BotoCoreError, ClientError) as err:
        raise TargetError(f"cannot provision at {url}: {err}") from err
    yield Session(
        "endpoint",
        settings,
        outputs,
        control=probe(sqs_url),
        backend=declared_backend(sqs_url),
    )


@contextmanager
def aws_stack(resources: Iterable[ResourceSet]) -> Iterator[Session]:
    """Real AWS: the resources of the Pulumi stack whose outputs `make infra-up` cached."""
    path = workdir.stack_outputs()
    if not path.exists():
        raise TargetError(
            f"no stack outputs at {path}: provision the AWS resources first with "
            "`make infra-up` (Pulumi), which caches them there"
        )
    try:
        outputs = Outputs.load(path)
    except OutputsError as err:
        raise TargetError(f"{err}: run `make infra-up` again to rewrite it") from None
    missing = sorted({r.key for r in resources} - set(outputs.resources))
    if missing:
        raise TargetError(
            f"the stack {outputs.stack!r} lacks {', '.join(missing)}: run `make infra-up` again"
        )
    settings = clients.AwsSettings.from_env().on_aws(outputs.region)
    try:
        sqs, ddb = clients.sqs(settings), clients.dynamodb(settings)
    except BotoCoreError as err:  # e.g. AWS_PROFILE names a profile that does not exist
        raise TargetError(f"cannot connect to AWS: {err}") from None

    def owned(item: SetOutputs) -> None:
        try:
            s3 = clients.s3(settings) if item.bucket else None
            guard.check_owned(sqs, ddb, outputs, item, s3)
        except guard.NotOurs as err:
            raise TargetError(str(err)) from None

    yield Session("aws", settings, outputs, pacing=pacing.SQS, owned=owned)


@contextmanager
def open_session(
    target: str,
    endpoint_url: str | None,
    resources: Iterable[ResourceSet],
    semantics: Iterable[str] = (),
) -> Iterator[Session]:
    """The target's session; on the embedded backend ``semantics`` are probed while the
    resources are provisioned (elsewhere, the first run that needs one probes it)."""
    if endpoint_url:
        if target != "local":
            raise TargetError("--endpoint-url and --target aws exclude each other")
        with endpoint(endpoint_url, resources) as session:
            yield session
    elif target == "aws":
        with aws_stack(resources) as session:
            yield session
    else:
        with local(workdir.runs(), resources, semantics) as session:
            yield session
