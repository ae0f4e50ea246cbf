"""The Pulumi program (run by `pulumi up` in infra/): every resource set the scenario
catalogue declares (``scenarios.plan()``)."""

import pulumi

import scenarios
from infra.stack import build, load_config
from queuelab.targets.outputs import STACK_OUTPUT_NAME

pulumi.export(STACK_OUTPUT_NAME, build(load_config(), scenarios.plan()).output)
