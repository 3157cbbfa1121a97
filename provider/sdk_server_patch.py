"""Adjustments to the SDK's dynamic-provider server, made from inside it.

Every dynamic resource of a stack is served by one process running the SDK's
`pulumi.dynamic` server, whichever CLI started it (an official install or the
project's own launcher): a gRPC server on a `ThreadPoolExecutor(max_workers=4)`.
Three of its traits hurt a provider whose calls wait for minutes-long transitions, or a command that waits for it:

1. At most 4 provider calls run at once, so a stack of 30 notebooks flips in 8
   rounds of the service's transition time instead of one. The worker thread
   running our call belongs to that executor; raising the executor's worker
   limit lets it start more threads on the next calls. Waiting is I/O (sleeping
   between polls), so extra threads cost little memory and no CPU, and the
   engine's own `--parallel` still bounds how many calls arrive at once.
2. A failed call reaches the user as a Python traceback of the server's own
   frames (`traceback.format_exc()` in its error wrapper). Errors of this
   provider already say what happened and what to do, so for them the message
   alone is shown.

3. The engine ends the process with SIGINT and waits for it to exit; after the
   server stops, the interpreter's teardown (freeing every module and object the
   provider loaded) only delays the engine. The process ends without it, as any
   clean exit of the server would, unless an uncaught error is being reported.

Each is applied once per process, and only inside the server, each guarded: if a
future SDK changes the server so the expected objects are not there, nothing is
changed and the provider still works, with the 4-call ceiling and tracebacks.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import traceback as _traceback
import weakref
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any, Optional

from .core.errors import ModelArtsError

# Comfortably above any sensible `--parallel`; the engine bounds concurrency itself.
PROVIDER_CALL_LIMIT = 128

_applied = threading.Lock()
_done: set[str] = set()


def adapt_server() -> dict[str, bool]:
    """Apply the adjustments (idempotent); report which took effect."""
    with _applied:
        if "calls" not in _done and lift_call_limit(PROVIDER_CALL_LIMIT):
            _done.add("calls")
        if "errors" not in _done and readable_errors():
            _done.add("errors")
        if "exit" not in _done and quick_exit():
            _done.add("exit")
        return {key: key in _done for key in ("calls", "errors", "exit")}


def current_executor() -> Optional[ThreadPoolExecutor]:
    """The executor whose worker thread is running this call, if it is one."""
    args = getattr(threading.current_thread(), "_args", None)
    if not args or not isinstance(args[0], weakref.ref):
        return None
    executor = args[0]()
    return executor if isinstance(executor, ThreadPoolExecutor) else None


def lift_call_limit(limit: int) -> bool:
    executor = current_executor()
    if executor is None or not isinstance(getattr(executor, "_max_workers", None), int):
        return False
    executor._max_workers = max(executor._max_workers, limit)
    return True


class _ReadableErrors:
    """Stands in for the `traceback` module inside the server module only."""

    def __init__(self, original: ModuleType) -> None:
        self._original = original

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, ModelArtsError):
            return str(error)
        return self._original.format_exc(*args, **kwargs)


def _server_module() -> Optional[ModuleType]:
    for name in ("__main__", "pulumi.dynamic.__main__"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "DynamicResourceProviderServicer"):
            return module
    return None


def readable_errors() -> bool:
    module = _server_module()
    if module is None or getattr(module, "traceback", None) is not _traceback:
        return False
    module.traceback = _ReadableErrors(_traceback)  # type: ignore[attr-defined]
    return True


def _server_is_main() -> bool:
    """Whether this process is the SDK's server itself (`python -m pulumi.dynamic`), not one that loaded it."""
    return hasattr(sys.modules.get("__main__"), "DynamicResourceProviderServicer")


def quick_exit() -> bool:
    """At exit, end the server's process without the interpreter's teardown (never in any other process)."""
    if not _server_is_main():
        return False
    atexit.register(_end_now)
    return True


def _end_now() -> None:
    """The last exit step that matters: logs and output flushed, then the process ends with status 0.

    Registered after every other exit handler, so it runs first (and alone: the
    others only flush logging, done here). After an uncaught error the
    interpreter's own exit keeps its status and report.
    """
    if getattr(sys, "last_value", None) is not None or not _server_is_main():
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
