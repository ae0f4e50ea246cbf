"""moto's request routing without the work that gives the same answer on every request.

moto's ``DomainDispatcherApplication`` finds a request's service anew each time (its
``get_backend_for_host`` scans moto's package directory with ``isdir`` per module), then
hands the request to a Flask app per service, whose one route for SQS's and DynamoDB's
JSON protocol calls the service's response class. For the two services the lab uses that
was most of the server's CPU per call. ``Dispatcher`` gives the same answers cheaper:

- the service of a host is looked up once (moto's modules and URL patterns do not change
  while the server runs);
- a request that moto would route to the Flask route ``/`` of SQS or DynamoDB (a POST to
  ``/``, SigV4-signed for ``sqs`` / ``dynamodb``, with the JSON protocol's ``X-Amz-Target``
  and no ``Origin``) goes straight to the response class's ``dispatch``, as that route's
  view does, and gets the response the Flask app would build: the same status, headers
  (flask-cors adds ``Access-Control-Allow-Origin: *`` to every answer) and body. Anything
  else (other services, the query protocol, other paths, CORS requests, moto's own API)
  takes moto's stock path.

``tests/backend/test_dispatch.py`` holds both paths to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import BackendRequest, DomainDispatcherApplication

# X-Amz-Target prefix -> (SigV4 service, the host moto infers from it, moto backend)
DIRECT_TARGETS = {
    "AmazonSQS.": ("sqs", "sqs.{region}.amazonaws.com", "sqs"),
    "DynamoDB_20120810.": ("dynamodb", "dynamodb", "dynamodb"),
}
CORS_HEADER = "Access-Control-Allow-Origin"
MAX_HOSTS = 512  # a bound on the host cache, far above what a lab's clients send


class Dispatcher(DomainDispatcherApplication):
    def __init__(self, create_app: Callable[..., Any], direct: bool = True) -> None:
        super().__init__(create_app)
        self.direct = direct
        self.hosts: dict[str, Any] = {}
        self.handlers: dict[str, Callable[..., Any]] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        """moto's answer, remembered per host (called under ``self.lock``)."""
        if host is None:
            return None
        found = self.hosts.get(host)
        if found is None:
            found = super().get_backend_for_host(host)
            if found and len(self.hosts) < MAX_HOSTS:
                self.hosts[host] = found
        return found

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        handler = self.direct_handler(environ) if self.direct else None
        if handler is None:
            stock: Iterable[bytes] = super().__call__(environ, start_response)
            return stock
        return self.respond(handler, environ, start_response)

    def direct_handler(self, environ: dict[str, Any]) -> Callable[..., Any] | None:
        """The response class's ``dispatch`` when moto would route the request to the Flask
        route ``/`` of SQS or DynamoDB, else None (moto's stock path decides)."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/":
            return None
        if "HTTP_ORIGIN" in environ:
            return None
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        prefix = target[: target.find(".") + 1]
        if prefix not in DIRECT_TARGETS:
            return None
        signing, host, backend = DIRECT_TARGETS[prefix]
        region = _signed_region(environ.get("HTTP_AUTHORIZATION", ""), signing)
        if region is None:
            return None
        with self.lock:
            if self.get_backend_for_host(host.format(region=region)) != backend:
                return None
            return self.handler(backend)

    def handler(self, backend: str) -> Callable[..., Any]:
        """The view of the backend's Flask route ``/`` (the stock app is built once, as
        moto builds it, so both paths share it)."""
        found = self.handlers.get(backend)
        if found is None:
            app: Any = self.app_instances.get(backend)
            if app is None:
                app = self.app_instances[backend] = self.create_app(backend)  # type: ignore[arg-type]
            rule = next(r for r in app.url_map.iter_rules() if r.rule == "/")
            found = self.handlers[backend] = app.view_functions[rule.endpoint].callback
        return found

    def respond(
        self, handler: Callable[..., Any], environ: dict[str, Any], start_response: Any
    ) -> Iterable[bytes]:
        """What ``convert_to_flask_response`` and the Flask app make of the handler's result."""
        from botocore.exceptions import ClientError
        from flask import Response
        from moto.moto_api import recorder
        from moto.settings import DISABLE_GLOBAL_CORS

        request = BackendRequest(environ)
        try:
            recorder._record_request(request)
            result = handler(request, request.raw_url, dict(request.headers))
        except ClientError as exc:
            result = 400, {}, exc.response["Error"]["Message"]
        if len(result) == 3:
            status, headers, content = result
        else:
            status, headers, content = 200, {}, result
        response = Response(response=content, status=status, headers=headers)
        if not DISABLE_GLOBAL_CORS and not response.headers.get(CORS_HEADER):
            response.headers.add(CORS_HEADER, "*")
        return response(environ, start_response)


def _signed_region(authorization: str, service: str) -> str | None:
    """The region of a SigV4 ``Authorization`` whose credential scope names ``service``,
    read as moto reads it (``infer_service_region_host``); None for anything else."""
    try:
        scope = authorization.split(",")[0].split()[1]
        _, _, region, signed, _ = scope.split("/")
    except (IndexError, ValueError):
        return None
    return region if signed.lower() == service else None
