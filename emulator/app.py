"""The Flask application: request gate (faults, auth, project), logging, errors.

The routes live in `routes_iam`, `routes_notebooks`, `routes_storage`, `routes_images`,
`routes_support`, `routes_seed` and `routes_inventory`; this module wires them and owns everything that happens
around every request.
"""

from __future__ import annotations

import socket
import struct
import time
from typing import Any, Callable, Iterable

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .auth import auth_kind, authenticate
from . import routes_iam, routes_images, routes_inventory, routes_notebooks, routes_seed, routes_storage, routes_support
from .context import Emulator, emulator
from .errors import ApiError, IamError
from .faults import SERVICE_BODY, FaultRule
from .settings import Clock, Settings
from .signing import parse_query

RESET_FLAG = "emulator.reset_connection"


def _error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _is_api(path: str) -> bool:
    return path.startswith("/v1/") or path.startswith("/v3/")


def _gate() -> Response | None:
    path = request.path
    g.api = _is_api(path)
    if not g.api:
        return None
    ctx = emulator()
    ctx.on_api_request()
    g.auth = "none" if path.startswith("/v3/auth/tokens") else auth_kind(request.headers)

    with ctx.lock:
        fault = ctx.faults.pick(request.method, path)
    if fault is not None and fault.after_effect:
        g.late_fault = fault  # answered in _log, once the request took effect
    elif fault is not None:
        answer = _fault_response(fault)
        if answer is not None:
            return answer

    if not path.startswith("/v1/"):
        return None
    with ctx.lock:
        caller = authenticate(
            settings=ctx.settings,
            tokens=ctx.tokens,
            now=ctx.now(),
            signed_now=ctx.signature_now(),
            method=request.method,
            path=path,
            raw_query=request.query_string.decode("latin-1"),
            headers=request.headers,
            body=request.get_data(cache=True),
        )
        settings = ctx.settings
    url_project = path.split("/")[2] if path.count("/") >= 2 else ""
    g.caller_project = caller.project_id
    if caller.project_id is not None and caller.project_id != url_project:
        raise ApiError("ModelArts.0210")
    if url_project not in settings.projects:
        raise ApiError("ModelArts.6650")
    g.project_id = url_project
    return None


def _fault_response(fault: FaultRule) -> Response | None:
    """The answer a fault gives instead of the service's; None when it only delays."""
    if fault.delay_seconds:
        time.sleep(fault.delay_seconds)
    if fault.reset_connection:
        request.environ[RESET_FLAG] = True
        g.log_status = 0
        return Response(status=500)
    if fault.status is None:
        return None
    headers = {}
    if fault.retry_after is not None:
        value = fault.retry_after
        headers["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
    if fault.body is SERVICE_BODY:
        return _error_response(fault.status, {"error_code": fault.error_code, "error_msg": fault.message}, headers)
    if isinstance(fault.body, dict):
        return _error_response(fault.status, fault.body, headers)
    # A text (a proxy's error page) or nothing at all: no error code for the client to go by.
    return Response(fault.body or b"", status=fault.status, headers=headers,
                    mimetype="text/html" if fault.body else None)


def _log(response: Response) -> Response:
    late = getattr(g, "late_fault", None)
    if late is not None:
        response = _fault_response(late) or response
    if getattr(g, "api", False):
        ctx = emulator()
        with ctx.lock:
            ctx.log.add(
                time_ms=ctx.now_ms(),
                method=request.method,
                path=request.path,
                query=parse_query(request.query_string.decode("latin-1")),
                status=getattr(g, "log_status", response.status_code),
                auth=getattr(g, "auth", "none"),
                credential_project=getattr(g, "caller_project", None),
            )
    return response


class _ResetMiddleware:
    """Drops the TCP connection when a fault asked for it.

    A socket shutdown makes the client see the connection close with no
    response; raising ConnectionResetError tells werkzeug's server the peer
    is gone, so it neither logs nor writes anything further.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = self.app(environ, start_response)
        if not environ.get(RESET_FLAG):
            return result
        close = getattr(result, "close", None)
        if close is not None:
            close()
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ConnectionResetError("connection reset by an injected fault")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    """Build one emulator. `clock` (seconds since the epoch; default an
    `EmulatorClock` on the wall clock) lets tests move time instead of sleeping."""
    app = Flask("emulator", static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["emulator"] = Emulator(settings or Settings(), clock)

    app.before_request(_gate)
    app.after_request(_log)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return _error_response(exc.status, exc.body(), exc.headers)

    @app.errorhandler(IamError)
    def _iam_error(exc: IamError) -> Response:
        return _error_response(exc.status, exc.body())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status in (404, 405):
            # What the API gateway in front of the service answers for a path
            # or method it does not publish.
            body = {
                "error_code": "APIGW.0101",
                "error_msg": "The API does not exist or has not been published in the environment",
            }
        else:
            body = {"error_code": "ModelArts.0101", "error_msg": exc.description or "Invalid Argument."}
        return _error_response(status, body)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error")
        return _error_response(500, {"error_code": "ModelArts.0010", "error_msg": "Internal error."})

    app.register_blueprint(routes_iam.blueprint)
    app.register_blueprint(routes_notebooks.blueprint)
    app.register_blueprint(routes_storage.blueprint)
    app.register_blueprint(routes_images.blueprint)
    app.register_blueprint(routes_support.blueprint)
    app.register_blueprint(routes_seed.blueprint)
    app.register_blueprint(routes_inventory.blueprint)
    app.wsgi_app = _ResetMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app
