"""The language host's program runner: the engine's `Run` of a Python program, and policy packs.

Loaded by `language_host.py` on the first call that needs it, so a host that
the engine starts only to ask what it is (`About`) or which plugins a program
needs never imports the SDK. It serves the `LanguageRuntime` service with the
SDK's own inline-program server (`pulumi.automation._server.LanguageServer`,
the one the Automation API uses), changed only so that `Run` executes the
project's entry point file instead of an in-memory function.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import runpy
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional

import grpc
import pulumi
from pulumi import log
from pulumi.automation._server import LanguageServer
from pulumi.errors import RunError
from pulumi.runtime import reset_options, run_in_stack, set_all_config
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from plugin_runner import MAX_PLUGINS, PluginRunner

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
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "language_host.py"),
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

    def __init__(self, engine_address: str, plugins: Optional[PluginRunner] = None, trace: Any = None) -> None:
        super().__init__(program=lambda: None)
        self.engine_address = engine_address
        self.plugins = plugins or PluginRunner()
        self.trace = trace or _NoTrace()

    def RunPlugin(self, request: Any, context: Any) -> Any:  # the gRPC method's name
        """Policy packs: the engine starts them through the language host of their runtime."""
        return self.plugins.run(request, context)

    def Run(self, request: Any, context: Any) -> language_pb2.RunResponse:  # the gRPC method's name
        # As the SDK's own servers: a task that failed because the engine stopped the run is not news.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        started = self.trace.now()
        try:
            return contextvars.copy_context().run(self._run, request)
        finally:
            self.trace.since("rpc", started, name="Run")

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
            started = self.trace.now()
            try:
                runpy.run_path(str(entry), run_name="__main__")
            finally:
                self.trace.since("program", started)

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



class _NoTrace:
    def now(self) -> float:
        return time.time()

    def since(self, *_args: Any, **_fields: Any) -> None:
        pass


class _Registration:
    """Stands in for a server to capture the generated code's handler of the service."""

    def __init__(self) -> None:
        self.handlers: tuple[Any, ...] = ()

    def add_generic_rpc_handlers(self, handlers: tuple[Any, ...]) -> None:
        self.handlers = tuple(handlers)

    def add_registered_method_handlers(self, _service: str, _handlers: Any) -> None:
        pass


def handler(engine_address: str, max_plugins: int = MAX_PLUGINS,
            trace: Any = None) -> tuple[Any, ProgramLanguageServer]:
    """The service's gRPC handler over a `ProgramLanguageServer`, and that servicer."""
    servicer = ProgramLanguageServer(engine_address, PluginRunner(max_plugins), trace)
    registration: Any = _Registration()  # typed as a server by the generated code
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(servicer, registration)
    return registration.handlers[0], servicer
