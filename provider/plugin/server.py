"""Serving the plugin: the gRPC server, clean errors, the engine's log, and room for many calls.

The SDK's experimental server (`pulumi.provider.experimental.server`) answers the
engine's provider protocol on asyncio. Three things are added around it:

- **Clean errors.** Its wrapper turns every exception into its message plus a
  Python traceback of the server's frames. The core's errors (`ModelArtsError`)
  already say what happened and what to do, so for them the engine gets the
  message alone; any other exception (a bug) keeps its traceback for the report.
- **The engine's log.** The core reports through a `Reporter`; here it writes to
  the engine's `Log` service (the plugin's first argument is the engine's
  address), attached to the resource the call is about, so preview notes show
  under the notebook they concern.
- **Many calls at once.** The core blocks (HTTP, waiting out transitions), so each
  call runs in a worker thread; the pool is sized far above any `--parallel`
  the engine uses, so 30+ notebooks wait out their transitions together.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import functools
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, ClassVar, Coroutine, Optional, TypeVar

import grpc
import grpc.aio
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from ..core import trace
from ..core.errors import ApiError, ModelArtsError
from .names import in_pulumi_words

# Worker threads for the core's blocking calls: comfortably above any sensible `--parallel`.
CALL_LIMIT = 128
# The resource the current call is about, for the engine's log.
CURRENT_URN: contextvars.ContextVar[str] = contextvars.ContextVar("modelarts_urn", default="")
T = TypeVar("T")


class EngineLog:
    """The core's messages, to the engine's log, attached to the resource of the current call.

    Called from worker threads; one channel serves them all.
    """

    SEVERITY: ClassVar[dict[str, Any]] = {"debug": engine_pb2.DEBUG, "info": engine_pb2.INFO,
                                          "warn": engine_pb2.WARNING}

    def __init__(self, engine_address: Optional[str]) -> None:
        self._address = engine_address
        self._stub: Any = None
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        with self._lock:
            if self._stub is None and self._address:
                channel = grpc.insecure_channel(self._address, options=_GRPC_CHANNEL_OPTIONS)
                self._stub = engine_pb2_grpc.EngineStub(channel)
            return self._stub

    def _log(self, severity: str, message: str) -> None:
        engine = self._engine()
        text = in_pulumi_words(message)
        if engine is None:
            print(f"{severity}: {text}", file=sys.stderr)
            return
        try:
            engine.Log(engine_pb2.LogRequest(severity=self.SEVERITY[severity], message=text, urn=CURRENT_URN.get()))
        except grpc.RpcError:
            print(f"{severity}: {text}", file=sys.stderr)  # the engine went away: keep the message

    def debug(self, message: str) -> None:
        self._log("debug", message)

    def info(self, message: str) -> None:
        self._log("info", message)

    def warn(self, message: str) -> None:
        self._log("warn", message)


class Worker:
    """Runs the core's blocking calls off the event loop, each in the context of its call."""

    def __init__(self, limit: int = CALL_LIMIT) -> None:
        self._pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="modelarts-call")

    def __call__(self, urn: str, function: Callable[..., T], *args: Any) -> Awaitable[T]:
        context = contextvars.copy_context()
        context.run(CURRENT_URN.set, urn)
        return asyncio.get_running_loop().run_in_executor(
            self._pool, functools.partial(context.run, _traced, function, *args))


def _traced(function: Callable[..., T], *args: Any) -> T:
    """One of the core's verbs, recorded when tracing (`provider/core/trace.py`) is on."""
    with trace.span("verb", name=getattr(function, "__name__", "call")):
        return function(*args)


def modelarts_error(error: BaseException) -> Optional[ModelArtsError]:
    """The core's error behind `error` (the SDK's wrapper raises a new exception from within its handler)."""
    seen: set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ModelArtsError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _clean(method: Callable[..., Awaitable[Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def answer(self: Any, request: Any, context: Any) -> Any:
        try:
            return await method(self, request, context)
        except Exception as error:
            cause = modelarts_error(error)
            if cause is None:
                raise
            # The core's words about inputs in the program's names; the service's answers as it gave them.
            message = str(cause) if isinstance(cause, ApiError) else in_pulumi_words(str(cause))
            await context.abort(grpc.StatusCode.UNKNOWN, message)

    return answer


class CleanServicer(ProviderServicer):
    """The SDK's servicer, answering the core's errors with their message alone."""


for _name in ("CheckConfig", "DiffConfig", "Configure", "Check", "Diff", "Create", "Read", "Update", "Delete",
              "GetSchema", "Invoke"):
    setattr(CleanServicer, _name, _clean(getattr(ProviderServicer, _name)))


def serve(args: list[str], version: str, make_provider: Callable[[Optional[str]], Any]) -> None:
    """Start the server on a free loopback port, print the port for the engine, serve until stopped."""
    parser = argparse.ArgumentParser(description="the modelarts Pulumi provider plugin (gRPC server)")
    parser.add_argument("engine", nargs="?", help="the Pulumi engine's address")
    known, _rest = parser.parse_known_args(args)
    provider = make_provider(known.engine)

    async def run() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = CleanServicer(args, version, provider, engine_address=known.engine or "")
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
