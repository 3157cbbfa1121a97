"""A Python language host for the Pulumi engine, for machines without an official one.

The engine runs a Python program through a `pulumi-language-python` plugin that
serves the `LanguageRuntime` gRPC service. Where no official plugin is installed
(it cannot be built from the module proxy here), this module serves that service
with the SDK's own inline-program server (`pulumi.automation._server.LanguageServer`,
the one the Automation API uses), changed only so that `Run` executes the
project's entry point file instead of an in-memory function.

Protocol, as the engine expects from any language plugin: start a gRPC server on
loopback, print its port alone on the first stdout line, serve until the engine
ends the process with SIGINT (which must exit quietly).
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any


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

import asyncio  # noqa: E402
import contextvars  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from typing import Optional  # noqa: E402

import grpc  # noqa: E402
import pulumi  # noqa: E402
from pulumi import log  # noqa: E402
from pulumi.automation._server import LanguageServer  # noqa: E402
from pulumi.errors import RunError  # noqa: E402
from pulumi.runtime import reset_options, run_in_stack, set_all_config  # noqa: E402
from pulumi.runtime.proto import language_pb2, language_pb2_grpc  # noqa: E402

from plugin_runner import MAX_PLUGINS, PluginRunner  # noqa: E402

trace.since("import", _IMPORT_STARTED, module="language-host")

# Workers for the calls that run the program, beside those set aside for packs.
PROGRAM_WORKERS = 4

# The SDK raises this RunError when the engine closes the resource monitor after
# it has already reported the real failure (for example a `check` failure).
MONITOR_SHUTDOWN_MESSAGE = "Resource monitor has terminated"


def resolve_entry_point(program_directory: str, entry_point: str) -> Path:
    """The file to run: `main:` in Pulumi.yaml may name a file or a folder, or nothing."""
    base = Path(program_directory or ".")
    target = base if entry_point in ("", ".") else base / entry_point
    if target.is_dir():
        target = target / "__main__.py"
    if not target.is_file():
        raise FileNotFoundError(
            f"no Pulumi program at {target}: expected __main__.py in the project directory "
            "or a `main:` entry in Pulumi.yaml naming the program"
        )
    return target


def is_monitor_shutdown(error: BaseException) -> bool:
    """True when the error only says the engine already stopped the run."""
    if isinstance(error, RunError):
        return MONITOR_SHUTDOWN_MESSAGE in str(error)
    if isinstance(error, grpc.RpcError):
        return error.code() == grpc.StatusCode.UNAVAILABLE
    return False


def program_traceback(error: BaseException) -> str:
    """The traceback without the host's, the SDK's, asyncio's and runpy's frames: they only
    hide where the program went wrong."""
    machinery = (
        os.path.abspath(__file__),
        os.path.dirname(os.path.abspath(pulumi.__file__)),
        os.path.dirname(os.path.abspath(asyncio.__file__)),
        "<frozen runpy>",
    )
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(machinery)]
    if not frames:
        return "".join(traceback.format_exception(error))
    listing = "".join(traceback.format_list(frames))
    return "Traceback (most recent call last):\n" + listing + "".join(traceback.format_exception_only(error))


class ProgramLanguageServer(LanguageServer):
    """Runs the project's program file; everything else is the SDK's inline server."""

    def __init__(self, engine_address: str, plugins: Optional[PluginRunner] = None) -> None:
        super().__init__(program=lambda: None)
        self.engine_address = engine_address
        self.plugins = plugins or PluginRunner()

    def RunPlugin(self, request: Any, context: Any) -> Any:  # the gRPC method's name
        """Policy packs: the engine starts them through the language host of their runtime."""
        return self.plugins.run(request, context)

    def Run(self, request: Any, context: Any) -> language_pb2.RunResponse:  # the gRPC method's name
        started = trace.now()
        try:
            return contextvars.copy_context().run(self._run, request)
        finally:
            trace.since("rpc", started, name="Run")

    def About(self, request: Any, context: Any) -> Any:  # the gRPC method's name
        started = trace.now()
        try:
            return super().About(request, context)
        finally:
            trace.since("rpc", started, name="About")

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:  # the gRPC method's name
        started = trace.now()
        try:
            return super().GetRequiredPackages(request, context)
        finally:
            trace.since("rpc", started, name="GetRequiredPackages")

    def _run(self, request: Any) -> language_pb2.RunResponse:
        program_directory = request.info.program_directory or request.pwd or os.getcwd()
        try:
            entry = resolve_entry_point(program_directory, request.info.entry_point)
        except FileNotFoundError as error:
            return language_pb2.RunResponse(error=str(error))

        if request.pwd:
            os.chdir(request.pwd)
        if program_directory not in sys.path:
            sys.path.insert(0, program_directory)

        reset_options(
            project=request.project,
            monitor_address=request.monitor_address,
            engine_address=self.engine_address,
            stack=request.stack,
            parallel=request.parallel,
            preview=request.dryRun,
            organization=request.organization or "organization",
        )
        if request.config:
            set_all_config(dict(request.config), list(request.configSecretKeys) or None)

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # Same sizing as the SDK's own hosts: outputs resolve on this executor.
        loop.set_default_executor(ThreadPoolExecutor(max_workers=max(request.parallel, 1) * 4))

        def program() -> None:
            started = trace.now()
            try:
                runpy.run_path(str(entry), run_name="__main__")
            finally:
                trace.since("program", started)

        try:
            loop.run_until_complete(run_in_stack(program))
        except BaseException as error:  # every failure becomes the run's result
            return self._failure(error)
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()
            sys.stdout.flush()
            sys.stderr.flush()
        return language_pb2.RunResponse()

    @staticmethod
    def _failure(error: BaseException) -> language_pb2.RunResponse:
        """Report a failed run once, as the official host does, then tell the engine to bail."""
        if is_monitor_shutdown(error):
            # The engine has shown the cause already; a second line would only confuse.
            return language_pb2.RunResponse(bail=True)
        if isinstance(error, RunError):
            log.error(str(error))
        else:
            log.error("Program failed with an unhandled exception:\n" + program_traceback(error))
        return language_pb2.RunResponse(bail=True)


def start_server(engine_address: str, max_plugins: int = MAX_PLUGINS) -> tuple[grpc.Server, ProgramLanguageServer, int]:
    """The host's gRPC server on loopback, started; returns it, its servicer and its port."""
    # A running pack holds a worker for its whole life: packs get their own share.
    server = grpc.server(ThreadPoolExecutor(max_workers=PROGRAM_WORKERS + max_plugins))
    host = ProgramLanguageServer(engine_address, PluginRunner(max_plugins))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, host, port


def serve(engine_address: str, port_out: Optional[Any] = None) -> None:
    # Handlers first: the engine may stop us as soon as it has read the port.
    stopped = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server, host, port = start_server(engine_address)
    out = port_out or sys.stdout
    out.write(f"{port}\n")
    out.flush()
    trace.event("serving")

    stopped.wait()
    trace.event("stopping")
    host.plugins.stop_all()
    server.stop(0)


def main(argv: list[str]) -> int:
    # The engine passes its own address as the last argument, after flags
    # such as `-root=...`; the flags matter only to the official host.
    positional = [a for a in argv if not a.startswith("-")]
    serve(positional[-1] if positional else "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
