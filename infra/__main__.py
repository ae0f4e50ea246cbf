"""The Pulumi program (run by `pulumi up` in infra/): every resource set the scenario
catalogue declares (``scenarios.plan()``), and the Lambda scenarios' functions beside their
queues (``scenarios.shared.lambda_.deployments()``)."""

import pulumi

import scenarios
from infra.stack import build, load_config
from queuelab.targets.outputs import STACK_OUTPUT_NAME
from scenarios.shared.lambda_ import deployments

pulumi.export(STACK_OUTPUT_NAME, build(load_config(), scenarios.plan(), deployments()).output)
