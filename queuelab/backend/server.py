"""The embedded backend's server process: ``python -m queuelab.backend.server``.

Serves moto's SQS and DynamoDB on loopback. Prints one JSON line (``{"url": ..., "pid": ...,
"settings": ...}``, see ``queuelab.backend.settings``) on stdout once the socket listens, or
``{"error": ...}`` and exits 2 when the installed moto is not what the patches were written
for (``queuelab.backend.compat``).
Started with a lifeline (``queuelab.lifeline``), it exits as soon as the process that started
it dies in any way (even SIGKILL).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from typing import Any, NoReturn

from queuelab.backend import compat, patches, settings
from queuelab.backend.behaviour import locking
from queuelab.backend.lab.gateway import Gateway
from queuelab.backend.speed import connections, wire
from queuelab.contract import lifeline


def _on_sigterm(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(0)


def build_app(stock: bool = False) -> Any:
    """moto's WSGI app for every service; unless ``stock``: moto checked and patched
    (``patches``: nothing of moto is imported before the check), routed without per-call
    rework (``speed.dispatch``, ``speed.wire``), serialized, and behind the gateway (the
    witness and the nemesis)."""
    if not stock:
        patches.apply()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    if stock:
        return DomainDispatcherApplication(create_backend_app)
    from queuelab.backend.speed import dispatch

    wire.install()
    return Gateway(locking.serialized(dispatch.Dispatcher(create_backend_app)))


def serve(app: Any, host: str = "127.0.0.1", port: int = 0, keep_alive: bool = True) -> None:
    """Listen, announce the URL on stdout, and serve until SIGTERM / SIGINT / parent death."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    handler = connections.keep_alive_handler() if keep_alive else MotoRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    lifeline.watch(lambda: os._exit(0))
    url = f"http://{host}:{server.server_port}"
    ready = {"url": url, "pid": os.getpid(), "settings": settings.current.to_dict()}
    print(json.dumps(ready), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m queuelab.backend.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--stock", action="store_true", help="unpatched moto (benchmarks)")
    settings.add_arguments(parser)
    args = parser.parse_args(argv)
    settings.current = settings.from_arguments(args)
    try:
        app = build_app(args.stock)
    except compat.MotoMismatch as err:
        # The start-up line says why (the launcher raises it), and so does stderr.
        print(json.dumps({"error": str(err)}), flush=True)
        print(err, file=sys.stderr)
        raise SystemExit(2) from None
    serve(app, args.host, args.port, keep_alive=not args.stock)


if __name__ == "__main__":
    main()
