"""A Python language host for the Pulumi engine, for machines without an official one.

The engine runs a Python program through a `pulumi-language-python` plugin that
serves the `LanguageRuntime` gRPC service. Where no official plugin is installed
(it cannot be built from the module proxy here), this script serves it.

Protocol, as the engine expects from any language plugin: start a gRPC server on
loopback, print its port alone on the first stdout line, serve until the engine
ends the process with SIGINT (which must exit quietly).

The engine starts this host up to three times per command, and waits for each:
once only to ask `About` (for the update's metadata), and once per operation
(preview, update) to ask `GetRequiredPackages` and then `Run` the program. So
the server starts on `grpc` alone and answers the questions that need no SDK
at once (their answers are fixed: an empty list of packages, the interpreter);
the SDK and the program runner (`language_runtime.py`) are imported on the
first call that needs them, `Run` among them.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Callable, Optional


def _load_trace() -> Any:
    """The project's trace module (`provider/core/trace.py`), installed beside this file or in the checkout.

    Loaded by path: the program's packages are not importable before `Run`.
    """
    here = Path(__file__).resolve().parent
    for path in (here / "modelarts_trace.py", here.parent / "provider" / "core" / "trace.py"):
        spec = importlib.util.spec_from_file_location("modelarts_trace", path) if path.is_file() else None
        if spec is not None and spec.loader is not None:
            module: ModuleType = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    return SimpleNamespace(now=time.time, since=lambda *_a, **_k: None, event=lambda *_a, **_k: None)


trace = _load_trace()
_IMPORT_STARTED = trace.now()

import grpc  # noqa: E402

trace.since("import", _IMPORT_STARTED, module="language-host")

SERVICE = "pulumirpc.LanguageRuntime"
# Workers for the calls that run the program, beside those set aside for packs.
PROGRAM_WORKERS = 4
# Policy packs that may run at once (as `plugin_runner.MAX_PLUGINS`, without importing it).
MAX_PLUGINS = 8


def _field(number: int, text: str) -> bytes:
    """One protobuf string field (wire type 2): key, length as a varint, UTF-8 bytes."""
    data, length, size = text.encode(), b"", len(text.encode())
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return bytes([number << 3 | 2]) + length + data


def about() -> bytes:
    """`AboutResponse{executable, version}`, as the SDK's server answers it (fields 1 and 2)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return _field(1, sys.executable) + _field(2, version)


# Calls answered without the SDK: (serialized) responses that never depend on the request.
FIXED: dict[str, Callable[[], bytes]] = {
    "About": about,
    "GetRequiredPlugins": lambda: b"",  # GetRequiredPluginsResponse{}: the SDK's server lists none
    "GetRequiredPackages": lambda: b"",  # GetRequiredPackagesResponse{}
    "GetPluginInfo": lambda: b"",  # PluginInfo{}
}


# Calls the SDK's server does not implement either, answered so while it is not loaded: `Handshake` is
# the engine's first call to every host, `Cancel` its last.
UNIMPLEMENTED = frozenset({"Handshake", "Cancel"})


def _unimplemented(_request: bytes, context: Any) -> bytes:
    """What the generated servicer answers for a method it does not implement."""
    context.set_code(grpc.StatusCode.UNIMPLEMENTED)
    context.set_details("Method not implemented!")
    raise NotImplementedError("Method not implemented!")


class LanguageHost(grpc.GenericRpcHandler):
    """Routes the engine's calls: fixed answers at once, the rest to the runtime, loaded on first need."""

    def __init__(self, engine_address: str, max_plugins: int = MAX_PLUGINS) -> None:
        self.engine_address = engine_address
        self.max_plugins = max_plugins
        self._lock = threading.Lock()
        self._runtime: Optional[tuple[Any, Any]] = None  # (the service's handler, its servicer)

    def service(self, handler_call_details: Any) -> Any:
        service, _, method = str(handler_call_details.method).lstrip("/").partition("/")
        if service != SERVICE:
            return None
        if method in FIXED:
            return grpc.unary_unary_rpc_method_handler(self._fixed(method))
        if method in UNIMPLEMENTED and self._runtime is None:
            return grpc.unary_unary_rpc_method_handler(_unimplemented)
        return self.runtime()[0].service(handler_call_details)

    @staticmethod
    def _fixed(method: str) -> Callable[[bytes, Any], bytes]:
        def answer(_request: bytes, _context: Any) -> bytes:
            started = trace.now()
            try:
                return FIXED[method]()
            finally:
                trace.since("rpc", started, name=method)
        return answer

    def runtime(self) -> tuple[Any, Any]:
        """The SDK's servicer, imported once (by the gRPC thread of the first call that needs it)."""
        with self._lock:
            if self._runtime is None:
                started = trace.now()
                gc.freeze()  # what is loaded lives as long as the host: not walked again while the SDK loads
                import language_runtime

                self._runtime = language_runtime.handler(self.engine_address, self.max_plugins, trace)
                trace.since("import", started, module="language-runtime")
            return self._runtime

    @property
    def plugins(self) -> Any:
        """The policy packs this host runs (see `plugin_runner.py`)."""
        return self.runtime()[1].plugins

    def stop(self) -> None:
        """Stop the packs, if any could have started (never imports the SDK for it)."""
        with self._lock:
            runtime = self._runtime
        if runtime is not None:
            runtime[1].plugins.stop_all()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _noted_on_the_wake_up_pipe(_signum: int, _frame: Any) -> None:
    """Installed so that the interpreter catches the stop signals and writes them to the wake-up pipe."""


def start_server(engine_address: str, max_plugins: int = MAX_PLUGINS) -> tuple[grpc.Server, LanguageHost, int]:
    """The host's gRPC server on loopback, started; returns it, its servicer and its port."""
    # A running pack holds a worker for its whole life: packs get their own share.
    server = grpc.server(ThreadPoolExecutor(max_workers=PROGRAM_WORKERS + max_plugins))
    host = LanguageHost(engine_address, max_plugins)
    server.add_generic_rpc_handlers((host,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, host, port


def serve(engine_address: str, port_out: Optional[Any] = None) -> None:
    # A signal sent to the process may land on any of its threads (gRPC's among them), and Python runs
    # its handler only once the main thread runs again: waiting on an Event could then last forever.
    # The wake-up pipe is written by whichever thread took the signal, so the main thread always wakes.
    # Set up first: the engine may stop us as soon as it has read the port.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _noted_on_the_wake_up_pipe)
    server, host, port = start_server(engine_address)
    out = port_out or sys.stdout
    out.write(f"{port}\n")
    out.flush()
    trace.event("serving")

    while not set(os.read(wake_read, 64)) & set(STOP_SIGNALS):
        pass
    trace.event("stopping")
    host.stop()
    server.stop(0)
    # The engine waits for this process to end; the interpreter's teardown (freeing every module and
    # object of the SDK and the program) would only delay it, and nothing is left to write.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str]) -> int:
    # The engine passes its own address as the last argument, after flags
    # such as `-root=...`; the flags matter only to the official host.
    positional = [a for a in argv if not a.startswith("-")]
    serve(positional[-1] if positional else "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
