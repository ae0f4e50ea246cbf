"""Do concurrent consumers ever share a message or a FIFO group? Stock moto vs embedded.

    .venv/bin/python benchmarks/atomicity.py [--messages 500] [--rounds 3]

Six consumer processes drain a standard queue and then a FIFO queue (8 groups) on each
server; prints, per round, messages delivered twice inside the visibility timeout and the
FIFO groups handed to two consumers at once or received out of order. Uses the same worker
and checks as tests/backend/test_atomicity.py. Stock moto is slow to fill: keep it small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "backend"))

import test_atomicity as atomicity

from queuelab.backend import EmbeddedBackend
from queuelab.backend.launcher import server_argv
from queuelab.contract import clients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    atomicity.MESSAGES = args.messages
    for flavour, stock in (("stock moto", True), ("embedded", False)):
        with EmbeddedBackend(argv=server_argv(stock=stock)) as endpoint:
            sqs = clients.sqs(clients.AwsSettings.from_env(endpoint.env()))
            for round_ in range(args.rounds):
                tmp = Path(tempfile.mkdtemp())
                url = sqs.create_queue(
                    QueueName=f"s{round_}", Attributes={"VisibilityTimeout": "120"}
                )["QueueUrl"]
                atomicity.send_all(sqs, url, fifo=False)
                seen = atomicity.deliveries(atomicity.drain(endpoint, url, tmp / "s"))
                twice = sum(1 for n in seen.values() if n > 1)
                url = sqs.create_queue(
                    QueueName=f"f{round_}.fifo",
                    Attributes={"FifoQueue": "true", "VisibilityTimeout": "120"},
                )["QueueUrl"]
                atomicity.send_all(sqs, url, fifo=True)
                batches = atomicity.drain(endpoint, url, tmp / "f")
                fifo_twice = sum(1 for n in atomicity.deliveries(batches).values() if n > 1)
                overlaps, reorders = atomicity.group_violations(batches)
                print(
                    f"{flavour:10} round {round_}: standard twice={twice}; FIFO twice={fifo_twice} "
                    f"groups shared={len(set(overlaps))} groups reordered={len(set(reorders))}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
