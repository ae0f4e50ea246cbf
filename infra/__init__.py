"""The Pulumi program for real AWS (see Pulumi.yaml); built from queuelab.plan."""
