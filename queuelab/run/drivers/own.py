"""queuelab's own consumer (``python -m consumer``), configured by its knobs: it writes its
own history (cross-checked with the endpoint's witness), serves its metrics, and honours
every chaos knob itself."""

from __future__ import annotations

import signal
import sys

from queuelab.check.ledger import in_hand
from queuelab.contract.consumer_knobs import ConsumerKnobs
from queuelab.contract.processes import CONSUMER_MODULE
from queuelab.run import processes
from queuelab.run.children import Child, Role
from queuelab.run.drivers.base import ConsumerDriver, Host
from queuelab.run.events import Event, Kind


class OwnConsumer(ConsumerDriver):
    kind = "queuelab"

    def start(self, host: Host, knobs: ConsumerKnobs, name: str, retries: int) -> Child:
        port = processes.free_port(host.ports)
        wiring = processes.consumer_wiring(host.resources, name, port)
        env = wiring.to_env() | knobs.to_env() | processes.attempts(retries)
        # A graceful stop finishes the message in hand: its work, then a poll at most.
        grace = 5.0 + knobs.side_effect_delay_seconds + host.resources.receive_wait
        argv = [sys.executable, "-m", CONSUMER_MODULE]
        child = host.spawn(name, Role.CONSUMER, argv, host.environment(name, env), grace)
        child.metrics_url = f"http://127.0.0.1:{knobs.metrics_port or port}/metrics"
        return child

    def stop(self, host: Host, child: Child) -> int | None:
        """Its metrics are scraped first: its last counts go to the report."""
        if child.alive():
            values = processes.scrape(child)
            if values is not None:
                event = {"name": child.name, "values": values}
                host.emit(Event(Kind.METRICS, host.run_id, event))
        return host.stop_process(child)

    def terminate_mid_work(self, host: Host, child: Child, timeout: float) -> str:
        """Once its history shows a claimed message whose side effect is not done yet."""
        key = host.wait_for(lambda: in_hand(host.history(), child.name), timeout, "work in hand")
        child.stopped_by_lab = True
        child.popen.send_signal(signal.SIGTERM)
        return str(key)
