"""The embedded backend's server process: ``python -m queuelab.backend.server``.

Serves moto's SQS and DynamoDB on loopback. Prints one JSON line (``{"url": ..., "pid": ...,
"settings": ...}``, see ``queuelab.backend.settings``) on stdout once the socket listens.
Started with a lifeline (``queuelab.lifeline``), it exits as soon as the process that started
it dies in any way (even SIGKILL).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
from typing import Any, NoReturn

from queuelab.backend import delivery, patches, settings
from queuelab.backend.gateway import Gateway
from queuelab.contract import lifeline


def _on_sigterm(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(0)


def build_app(stock: bool = False) -> Any:
    """moto's WSGI app for every service; unless ``stock``: patched, serialized, and behind
    the gateway (the witness and the nemesis)."""
    if not stock:
        patches.apply()
        delivery.apply()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    return app if stock else Gateway(patches.serialized(app))


def serve(app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
    """Listen, announce the URL on stdout, and serve until SIGTERM / SIGINT / parent death."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
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
    serve(build_app(args.stock), args.host, args.port)


if __name__ == "__main__":
    main()
