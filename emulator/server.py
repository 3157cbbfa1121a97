"""Serving the app with werkzeug's threaded server, in the foreground or in a
background thread for in-process tests."""

from __future__ import annotations

import ipaddress
import logging
import threading
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app
from .context import Emulator
from .settings import Clock, Settings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def quiet_access_log(enabled: bool) -> None:
    """werkzeug writes one stderr line per request unless told otherwise; a
    parent process that never drains stderr could then block the server."""
    logger = logging.getLogger("werkzeug")
    if enabled:
        logger.setLevel(logging.INFO)
    else:
        logger.setLevel(logging.ERROR)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def build_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    return make_server(host, port, app, threaded=True)


class EmulatorServer:
    """A running emulator on 127.0.0.1 (or the configured host) in a daemon thread.

    Use as a context manager, or call `stop()`.
    """

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None,
                 allow_non_loopback: bool = False) -> None:
        settings = settings or Settings(port=0)
        if not allow_non_loopback and not is_loopback(settings.host):
            raise ValueError(f"refusing to bind to non-loopback host {settings.host!r}")
        quiet_access_log(False)
        self.app = create_app(settings, clock)
        self.server = build_server(self.app, settings.host, settings.port)
        self.host = settings.host
        self.port: int = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, name="emulator", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def emulator(self) -> Emulator:
        return self.app.extensions["emulator"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "EmulatorServer":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def run_in_thread(settings: Settings | None = None, clock: Clock | None = None) -> EmulatorServer:
    """Start an emulator in the background; `.base_url` to call it, `.stop()` to end it."""
    return EmulatorServer(settings, clock)
