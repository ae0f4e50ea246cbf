"""The Pulumi program (infra/), offline: pulumi mocks record every resource it would create.

Each run gets a fresh Mocks instance, a fresh root stack and fresh config, and runs with
``preview=False`` so every input is a real value (in preview, unknown outputs would make the
checks below vacuous). The program's resources are asserted after the run has finished.
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

import scenarios
from infra import stack as infra_stack
from queuelab.contract import tables
from queuelab.contract.claim_check import EXPIRE_DAYS, PREFIX
from queuelab.targets import plan as planmod
from queuelab.targets.doctor import read_queue, read_table
from queuelab.targets.outputs import STACK_OUTPUT_NAME, Outputs, SetOutputs
from queuelab.targets.plan import ResourceSet
from queuelab.targets.provision import provision
from scenarios.shared.lambda_ import deployments

MAIN = Path(infra_stack.__file__).parent / "__main__.py"
PLAN = scenarios.plan()  # what the program provisions: every set the catalogue declares
ACCOUNT = "123456789012"
REGION = "eu-west-2"  # not the SDK default: the output's region must come from config
STACK = "labtest"
PROJECT = "queuelab"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
REDRIVE_ALLOW = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_PRIVATE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_EXPIRY = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_PARTS = (BUCKET, BUCKET_SSE, BUCKET_PRIVATE, BUCKET_EXPIRY, BUCKET_POLICY)
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FUNCTION = "aws:lambda/function:Function"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION_PARTS = (ROLE, ROLE_POLICY, LOG_GROUP, FUNCTION, ESM)
EXTRA_TABLES = sum(len(item.roles) for item in PLAN)  # the consumer's and the pipeline's
BUCKETS = sum(item.bucket for item in PLAN)
FUNCTIONS = len(deployments())  # the Lambda scenarios'
# ARNs the mocks give, by type: AWS's formats.
ARNS = {
    ROLE: "arn:aws:iam::{account}:role/{name}",
    LOG_GROUP: "arn:aws:logs:{region}:{account}:log-group:{name}",
    FUNCTION: "arn:aws:lambda:{region}:{account}:function:{name}",
}


@dataclass(frozen=True)
class Recorded:
    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every resource; queues get an ARN and URL, tables an ARN (unless withheld)."""

    def __init__(self, *, withhold_arns: bool = False) -> None:
        self.resources: list[Recorded] = []
        self.withhold_arns = withhold_arns

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        state = dict(inputs)
        resource_id = f"{args.name}-id"
        if args.typ == QUEUE and not self.withhold_arns:
            resource_id = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{inputs['name']}"
            state |= {"arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{inputs['name']}", "url": resource_id}
        elif args.typ == TABLE:
            resource_id = inputs["name"]
            arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{inputs['name']}"
            state |= {"arn": arn, "name": inputs["name"]}
        elif args.typ in ARNS and not self.withhold_arns:
            arn = ARNS[args.typ].format(account=ACCOUNT, region=REGION, name=inputs["name"])
            state |= {"arn": arn}
        self.resources.append(Recorded(args.typ, args.name, inputs, state))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        raise AssertionError(f"unexpected invoke {args.token}: the program makes none")


@dataclass
class Run:
    resources: list[Recorded]
    exports: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == type_]

    def named(self, type_: str, name: str) -> Recorded:
        found = [r for r in self.of_type(type_) if r.inputs.get("name") == name]
        assert len(found) == 1, f"{len(found)} {type_} named {name!r}"
        return found[0]

    def queue(self, item: ResourceSet, prefix: str) -> Recorded:
        return self.named(QUEUE, item.queue_name(prefix))

    def dlq(self, item: ResourceSet, prefix: str) -> Recorded:
        return self.named(QUEUE, item.dlq_name(prefix))

    def output(self) -> Outputs:
        return Outputs.from_dict(self.exports[STACK_OUTPUT_NAME])


def run_program(
    config: dict[str, str], *, mocks: RecordingMocks | None = None, preview: bool = False
) -> Run:
    """Run infra/__main__.py as `pulumi up` would, against fresh mocks, root stack and config."""
    mocks = mocks or RecordingMocks()
    pulumi.runtime.reset_options(project=PROJECT, stack=STACK, preview=preview)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=preview)
    pulumi.runtime.set_all_config(config)
    run = Run(mocks.resources)

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(MAIN), run_name="__main__")
        root = pulumi.runtime.get_root_resource()
        assert root is not None
        exported = pulumi.Output.all(**root.outputs)
        return exported.apply(run.exports.update)

    program()
    return run


BASE_CONFIG = {"aws:region": REGION}
DEFAULT_PREFIX = f"queuelab-{STACK}"  # the default: queuelab-<stack>


@pytest.fixture(scope="module")
def run() -> Run:
    return run_program(BASE_CONFIG)


@pytest.fixture(autouse=True)
def _no_region_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def redrive_of(queue: Recorded) -> dict[str, Any] | None:
    """The queue's redrive policy, checked to be real JSON naming a real DLQ ARN."""
    raw = queue.inputs.get("redrivePolicy")
    if raw is None:
        return None
    assert isinstance(raw, str), f"{queue.name}: redrive policy is not a known value: {raw!r}"
    policy: dict[str, Any] = json.loads(raw)
    target = policy.get("deadLetterTargetArn")
    assert isinstance(target, str) and target.startswith("arn:aws:sqs:"), (
        f"{queue.name}: redrive policy names no DLQ ARN: {raw}"
    )
    return policy


def statements(policy: Recorded, key: str) -> Any:
    raw = policy.inputs[key]
    assert isinstance(raw, str), f"{policy.name}: {key} is not a known value: {raw!r}"
    return json.loads(raw)


def test_every_set_gets_two_queues_two_tables_and_three_policies(run: Run) -> None:
    kinds = (QUEUE, TABLE, QUEUE_POLICY, REDRIVE_ALLOW, *BUCKET_PARTS, *FUNCTION_PARTS)
    counts = {t: len(run.of_type(t)) for t in kinds}
    assert EXTRA_TABLES and BUCKETS, "the plan has no pipeline extras any more"
    assert counts == {
        QUEUE: 2 * len(PLAN),
        TABLE: 2 * len(PLAN) + EXTRA_TABLES,
        QUEUE_POLICY: 2 * len(PLAN),
        REDRIVE_ALLOW: len(PLAN),
    } | dict.fromkeys(BUCKET_PARTS, BUCKETS) | dict.fromkeys(FUNCTION_PARTS, FUNCTIONS)
    assert FUNCTIONS, "the catalogue has no Lambda scenario any more"
    assert len(run.resources) == 7 * len(PLAN) + EXTRA_TABLES + 5 * BUCKETS + 5 * FUNCTIONS
    # The engine refuses two resources of one type with one logical name (the mocks do not).
    assert len({(r.type, r.name) for r in run.resources}) == len(run.resources)


def test_each_queue_redrives_to_its_own_dlq_after_the_planned_receive_count(run: Run) -> None:
    redriven = [item for item in PLAN if item.max_receive_count is not None]
    assert redriven
    for item in redriven:
        policy = redrive_of(run.queue(item, DEFAULT_PREFIX))
        assert policy == {
            "deadLetterTargetArn": run.dlq(item, DEFAULT_PREFIX).state["arn"],
            "maxReceiveCount": item.max_receive_count,
        }, item.key


def test_a_set_without_max_receive_count_has_no_redrive_policy_but_keeps_its_dlq(
    run: Run,
) -> None:
    unattached = [item for item in PLAN if item.max_receive_count is None]
    assert unattached, "the plan has no set without a redrive policy any more"
    for item in unattached:
        assert redrive_of(run.queue(item, DEFAULT_PREFIX)) is None
        assert run.dlq(item, DEFAULT_PREFIX).state["arn"]


@pytest.mark.parametrize(
    "raw",
    [pulumi.output.Unknown(), '{"deadLetterTargetArn": null, "maxReceiveCount": 2}'],
    ids=["unknown", "null-arn"],
)
def test_the_redrive_check_rejects_a_policy_without_a_real_dlq_arn(raw: Any) -> None:
    queue = Recorded(QUEUE, "q", {"name": "q", "redrivePolicy": raw}, {})
    with pytest.raises(AssertionError):
        redrive_of(queue)


def test_the_redrive_check_fails_when_the_mocks_give_the_dlq_no_arn() -> None:
    run = run_program(BASE_CONFIG, mocks=RecordingMocks(withhold_arns=True))
    with pytest.raises(AssertionError, match="names no DLQ ARN"):
        redrive_of(run.queue(PLAN[0], DEFAULT_PREFIX))


def test_fifo_sets_are_fifo_pairs_named_dot_fifo_and_the_others_standard(run: Run) -> None:
    assert any(item.fifo for item in PLAN) and not all(item.fifo for item in PLAN)
    for item in PLAN:
        for queue in (run.queue(item, DEFAULT_PREFIX), run.dlq(item, DEFAULT_PREFIX)):
            assert bool(queue.inputs.get("fifoQueue")) is item.fifo, queue.name
            assert queue.inputs["name"].endswith(".fifo") is item.fifo, queue.name


def test_every_queue_is_encrypted_with_the_planned_timings_and_dlq_retention(run: Run) -> None:
    for item in PLAN:
        queue, dlq = run.queue(item, DEFAULT_PREFIX), run.dlq(item, DEFAULT_PREFIX)
        assert queue.inputs["sqsManagedSseEnabled"] is True, queue.name
        assert dlq.inputs["sqsManagedSseEnabled"] is True, dlq.name
        assert queue.inputs["visibilityTimeoutSeconds"] == item.visibility_timeout
        assert queue.inputs["receiveWaitTimeSeconds"] == item.receive_wait
        retention = int(item.dlq_attributes()["MessageRetentionPeriod"])
        assert dlq.inputs["messageRetentionSeconds"] == retention


def test_every_queue_has_a_policy_denying_requests_without_tls(run: Run) -> None:
    by_url = {p.inputs["queueUrl"]: p for p in run.of_type(QUEUE_POLICY)}
    queues = run.of_type(QUEUE)
    assert len(by_url) == len(queues)
    for queue in queues:
        policy = statements(by_url[queue.state["url"]], "policy")
        assert policy["Statement"] == [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue.state["arn"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ], queue.name


def test_every_dlq_admits_redrive_only_from_its_own_source_queue(run: Run) -> None:
    by_url = {p.inputs["queueUrl"]: p for p in run.of_type(REDRIVE_ALLOW)}
    for item in PLAN:
        dlq = run.dlq(item, DEFAULT_PREFIX)
        allow = statements(by_url[dlq.state["url"]], "redriveAllowPolicy")
        assert allow == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [run.queue(item, DEFAULT_PREFIX).state["arn"]],
        }, item.key


def test_tables_are_on_demand_with_the_planned_hash_keys_and_ttl_on_status_and_consumer(
    run: Run,
) -> None:
    for item in PLAN:
        status = run.named(TABLE, item.status_table(DEFAULT_PREFIX))
        side_effects = run.named(TABLE, item.side_effects_table(DEFAULT_PREFIX))
        for table, key in (
            (status, tables.STATUS_TABLE_KEY),
            (side_effects, tables.SIDE_EFFECTS_TABLE_KEY),
        ):
            assert table.inputs["billingMode"] == "PAY_PER_REQUEST", table.name
            assert table.inputs["hashKey"] == key, table.name
            assert table.inputs["attributes"] == [{"name": key, "type": "S"}], table.name
        assert status.inputs["ttl"] == {
            "attributeName": tables.STATUS_TTL_ATTRIBUTE,
            "enabled": True,
        }
        assert not side_effects.inputs.get("ttl", {}).get("enabled"), side_effects.name
        assert tables.CONSUMER in item.roles, item.key
        for role in item.roles:
            extra = run.named(TABLE, item.table_name(role, DEFAULT_PREFIX))
            assert extra.inputs["billingMode"] == "PAY_PER_REQUEST", extra.name
            assert extra.inputs["hashKey"] == tables.TABLE_KEYS[role], extra.name
            if role == tables.CONSUMER:  # the contract's schema: id, TTL on expiration
                assert extra.inputs["hashKey"] == "id", extra.name
                assert extra.inputs["ttl"] == {"attributeName": "expiration", "enabled": True}
            else:
                assert not extra.inputs.get("ttl", {}).get("enabled"), extra.name


def parts_of(run: Run, bucket: Recorded) -> dict[str, Recorded]:
    """The settings resources that name this bucket, by type."""
    bucket_id = f"{bucket.name}-id"  # the mocks' id for it (what bucket.id resolves to)
    found = {r.type: r for r in run.resources if r.inputs.get("bucket") == bucket_id}
    assert set(found) == set(BUCKET_PARTS) - {BUCKET}, f"{bucket.name}: {sorted(found)}"
    return found


def test_the_claim_check_bucket_is_private_encrypted_tls_only_and_expires_claims(
    run: Run,
) -> None:
    for item in (i for i in PLAN if i.bucket):
        name = item.bucket_name(DEFAULT_PREFIX)
        bucket = next(b for b in run.of_type(BUCKET) if b.inputs["bucket"] == name)
        assert bucket.inputs["tags"] == planmod.tags(item.key, STACK)
        parts = parts_of(run, bucket)
        rule = parts[BUCKET_SSE].inputs["rules"][0]
        assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
        private = parts[BUCKET_PRIVATE].inputs
        assert all(
            private[k] is True
            for k in (
                "blockPublicAcls",
                "ignorePublicAcls",
                "blockPublicPolicy",
                "restrictPublicBuckets",
            )
        )
        assert parts[BUCKET_EXPIRY].inputs["rules"] == [
            {
                "id": "expire-claim-checks",
                "status": "Enabled",
                "filter": {"prefix": PREFIX},
                "expiration": {"days": EXPIRE_DAYS},
            }
        ]
        policy = statements(parts[BUCKET_POLICY], "policy")["Statement"]
        assert policy == [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]


def test_every_queue_and_table_is_tagged_with_project_stack_and_scenario(run: Run) -> None:
    for item in PLAN:
        expected = {"project": "queuelab", "stack": STACK, "scenario": item.key}
        assert expected == planmod.tags(item.key, STACK)
        for resource in (
            run.queue(item, DEFAULT_PREFIX),
            run.dlq(item, DEFAULT_PREFIX),
            run.named(TABLE, item.status_table(DEFAULT_PREFIX)),
            run.named(TABLE, item.side_effects_table(DEFAULT_PREFIX)),
            *(run.named(TABLE, item.table_name(r, DEFAULT_PREFIX)) for r in item.roles),
        ):
            assert resource.inputs["tags"] == expected, resource.name


def test_the_one_export_is_read_by_the_runners_output_reader(run: Run) -> None:
    assert set(run.exports) == {STACK_OUTPUT_NAME}
    # What `pulumi stack output --json queuelab` prints, read as `queuelab infra up` reads it
    printed = json.dumps(run.exports[STACK_OUTPUT_NAME])
    outputs = Outputs.from_dict(json.loads(printed))
    assert (outputs.region, outputs.stack) == (REGION, STACK)
    assert list(outputs.resources) == [item.key for item in PLAN]
    for item in PLAN:
        queue, dlq = run.queue(item, DEFAULT_PREFIX), run.dlq(item, DEFAULT_PREFIX)
        assert outputs[item.key] == SetOutputs(
            queue_url=queue.state["url"],
            queue_arn=queue.state["arn"],
            dlq_url=dlq.state["url"],
            dlq_arn=dlq.state["arn"],
            status_table=item.status_table(DEFAULT_PREFIX),
            side_effects_table=item.side_effects_table(DEFAULT_PREFIX),
            fifo=item.fifo,
            visibility_timeout=item.visibility_timeout,
            receive_wait=item.receive_wait,
            max_receive_count=item.max_receive_count,
            tables={role: item.table_name(role, DEFAULT_PREFIX) for role in item.roles},
            bucket=item.bucket_name(DEFAULT_PREFIX) if item.bucket else "",
        )


def test_timing_overrides_from_config_reach_every_queue_and_the_export() -> None:
    config = BASE_CONFIG | {"queuelab:visibilityTimeout": "45", "queuelab:receiveWait": "20"}
    run = run_program(config)
    assert all(item.visibility_timeout != 45 for item in PLAN)
    outputs = run.output()
    for item in PLAN:
        queue = run.queue(item, DEFAULT_PREFIX)
        assert queue.inputs["visibilityTimeoutSeconds"] == 45, queue.name
        assert queue.inputs["receiveWaitTimeSeconds"] == 20, queue.name
        assert (outputs[item.key].visibility_timeout, outputs[item.key].receive_wait) == (45, 20)
        policy = redrive_of(queue)
        planned = item.max_receive_count
        assert (
            (policy or {}).get("maxReceiveCount") == planned == outputs[item.key].max_receive_count
        )


def names(run: Run) -> dict[str, set[str]]:
    """Queue and table names (apart: a queue and a table may share a name)."""
    return {kind: {r.inputs["name"] for r in run.of_type(kind)} for kind in (QUEUE, TABLE)}


def test_the_prefix_defaults_to_queuelab_and_the_stack_name(run: Run) -> None:
    created = names(run)
    assert {kind: len(found) for kind, found in created.items()} == {
        QUEUE: 2 * len(PLAN),
        TABLE: 2 * len(PLAN) + EXTRA_TABLES,
    }
    assert all(name.startswith(f"queuelab-{STACK}-") for name in created[QUEUE] | created[TABLE])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "no AWS region"),
        (BASE_CONFIG | {"queuelab:receiveWait": "21"}, "receiveWait must be between 0 and 20"),
        (BASE_CONFIG | {"queuelab:visibilityTimeout": "-1"}, "visibilityTimeout must be"),
        (BASE_CONFIG | {"queuelab:prefix": "x" * 60}, "invalid queue or table names"),
        (BASE_CONFIG | {"queuelab:prefix": "lab.dev"}, "invalid queue or table names"),
        (BASE_CONFIG | {"queuelab:prefix": "Lab_Dev"}, "lab_dev-claim-check-claims"),
    ],
    ids=["no-region", "receive-wait", "visibility", "long-prefix", "dotted-prefix", "bucket"],
)
def test_bad_config_is_refused_before_anything_is_created(
    config: dict[str, str], message: str
) -> None:
    mocks = RecordingMocks()
    with pytest.raises(infra_stack.ConfigError, match=message):
        run_program(config, mocks=mocks)
    assert mocks.resources == []


def test_the_region_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert run_program({}).output().region == "ap-south-1"


def test_a_plan_attribute_without_a_queue_argument_fails_the_program() -> None:
    with pytest.raises(ValueError, match="DelaySeconds"):
        infra_stack.queue_args({"VisibilityTimeout": "2", "DelaySeconds": "5"})


def pulumi_facts(run: Run) -> dict[str, tuple[Any, ...]]:
    """What the program configures per queue and table, in plain values."""
    facts: dict[str, tuple[Any, ...]] = {}
    for queue in run.of_type(QUEUE):
        policy = redrive_of(queue)
        redrive = (
            (policy["maxReceiveCount"], policy["deadLetterTargetArn"].rsplit(":", 1)[-1])
            if policy
            else None
        )
        facts[queue.inputs["name"]] = (
            bool(queue.inputs.get("fifoQueue")),
            queue.inputs.get("visibilityTimeoutSeconds"),
            redrive,
            queue.inputs["tags"],
        )
    for table in run.of_type(TABLE):
        ttl = table.inputs.get("ttl") or {}
        facts["table:" + table.inputs["name"]] = (
            table.inputs["hashKey"],
            ttl.get("attributeName", "") if ttl.get("enabled") else "",
            table.inputs["tags"],
        )
    return facts


def provisioned_facts(sqs: Any, dynamodb: Any, outputs: Outputs) -> dict[str, tuple[Any, ...]]:
    """The same facts, read back from the endpoint the local provisioner wrote to."""
    facts: dict[str, tuple[Any, ...]] = {}
    for where in outputs.resources.values():
        for url in (where.queue_url, where.dlq_url):
            queue = read_queue(sqs, url)
            redrive = (
                (
                    int(queue.redrive["maxReceiveCount"]),
                    queue.redrive["deadLetterTargetArn"].rsplit(":", 1)[-1],
                )
                if queue.redrive
                else None
            )
            visibility = queue.visibility_timeout if url == where.queue_url else None
            facts[url.rsplit("/", 1)[-1]] = (queue.fifo, visibility, redrive, queue.tags)
        for name in (where.status_table, where.side_effects_table, *where.tables.values()):
            table = read_table(dynamodb, name)
            facts["table:" + name] = (table.hash_key, table.ttl_attribute, table.tags)
    return facts


def test_pulumi_configures_the_same_queues_and_tables_as_the_local_provisioner(
    sqs: Any, dynamodb: Any, s3: Any, settings: Any
) -> None:
    # The TLS-only and redrive-allow policies are left out: only real AWS enforces them, and
    # the embedded server and other endpoints the provisioner serves speak plain HTTP.
    prefix = "pulumicmp"
    outputs = provision(
        sqs,
        dynamodb,
        region=settings.region or REGION,
        stack=STACK,
        resources=PLAN,
        prefix=prefix,
        s3=s3,
    )
    local = provisioned_facts(sqs, dynamodb, outputs)
    assert len(local) == 4 * len(PLAN) + EXTRA_TABLES

    program = pulumi_facts(run_program(BASE_CONFIG | {"queuelab:prefix": prefix}))
    # the program leaves the DLQ's visibility at the AWS default; the comparison skips it
    program = {
        name: (fact[0], None, *fact[2:]) if name.split(".")[0].endswith("-dlq") else fact
        for name, fact in program.items()
    }

    assert program == local
