"""Adjustments to the SDK's dynamic-provider server, made from inside it.

Every dynamic resource of a stack is served by one process running the SDK's
`pulumi.dynamic` server, whichever CLI started it (an official install or the
project's own launcher): a gRPC server on a `ThreadPoolExecutor(max_workers=4)`.
Two of its traits hurt a provider whose calls wait for minutes-long transitions:

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

Both are applied once per process, each guarded: if a future SDK changes the
server so the expected objects are not there, nothing is changed and the
provider still works, with the 4-call ceiling and tracebacks.
"""

from __future__ import annotations

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
    """Apply both adjustments (idempotent); report which took effect."""
    with _applied:
        if "calls" not in _done and lift_call_limit(PROVIDER_CALL_LIMIT):
            _done.add("calls")
        if "errors" not in _done and readable_errors():
            _done.add("errors")
        return {"calls": "calls" in _done, "errors": "errors" in _done}


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
