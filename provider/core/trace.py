"""Timestamps a process records about itself, for the benchmark's breakdown of a command.

Off unless `MODELARTS_NOTEBOOKS_TRACE` names a file: then each event is one JSON
line appended to it (`ts`: seconds since the epoch, `pid`, `event`, fields).
Every process of one command (language host, program, provider) appends to the
same file, so `bench/` can lay them on one time line beside the emulator's log.
The first event of a process also records when the process started (from
`/proc/self/stat`, so the interpreter's own start-up is counted), when its
launcher handed over to Python, and the CPU time it had used by then.

Off, each call is one test of a module global: the front ends and the transport
call it on every request. Only names, durations, HTTP methods, API paths and
statuses are written, never a header, a body or a configuration value.

Standard library only, and no package-relative import: the language host loads
this same file outside the package (`tools/ensure-pulumi.sh` installs a copy
beside it).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any, Optional

TRACE_ENV = "MODELARTS_NOTEBOOKS_TRACE"
# Set by the project's launchers (tracing only): when they exec'd Python, as `$EPOCHREALTIME`.
EXEC_ENV = "MODELARTS_NOTEBOOKS_EXEC_AT"

_path: Optional[str] = os.environ.get(TRACE_ENV) or None
_lock = threading.Lock()
_fd: Optional[int] = None
_fd_pid = 0


def enabled() -> bool:
    return _path is not None


def now() -> float:
    return time.time()


def event(name: str, /, **fields: Any) -> None:
    """Record one event now (nothing when tracing is off)."""
    if _path is None:
        return
    _write({"ts": time.time(), "event": name, **fields})


def since(name: str, start: float, /, **fields: Any) -> None:
    """Record an event that began at `start` (from `now()`) and ends now."""
    if _path is None:
        return
    _write({"ts": start, "event": name, "dur": time.time() - start, **fields})


class Span:
    """An event with its start and duration, recorded when the block ends; `set` adds fields."""

    __slots__ = ("fields", "name", "start")

    def __init__(self, name: str, fields: dict[str, Any]) -> None:
        self.name, self.fields, self.start = name, fields, 0.0

    def set(self, **fields: Any) -> None:
        self.fields.update(fields)

    def __enter__(self) -> "Span":
        self.start = time.time()
        return self

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> None:
        if error is not None:
            self.fields.setdefault("error", type(error).__name__)
        _write({"ts": self.start, "event": self.name, "dur": time.time() - self.start, **self.fields})


class _NoSpan:
    __slots__ = ()

    def set(self, **fields: Any) -> None:
        pass

    def __enter__(self) -> "_NoSpan":
        return self

    def __exit__(self, *_args: Any) -> None:
        pass


_NO_SPAN = _NoSpan()


def span(name: str, /, **fields: Any) -> Any:
    """`with span("call", method="GET") as s: ...; s.set(status=200)`: a no-op when tracing is off."""
    return _NO_SPAN if _path is None else Span(name, fields)


class TracedClock:
    """The system clock whose sleeps are recorded: the waits between a provider's polls."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with span("sleep"):
                time.sleep(seconds)


def process_facts() -> dict[str, Any]:
    """When this process started, when its launcher exec'd Python, and the CPU it has used so far."""
    facts: dict[str, Any] = {"cpu": time.process_time(), "argv0": "/".join(sys.argv[0].split("/")[-3:])}
    started = _process_start()
    if started is not None:
        facts["start"] = started
    exec_at = os.environ.pop(EXEC_ENV, None)  # popped: the process's children are not launched by it
    if exec_at:
        try:
            facts["exec_at"] = float(exec_at.replace(",", "."))  # the locale may write a comma
        except ValueError:
            pass
    return facts


def _process_start() -> Optional[float]:
    """The process's start on the wall clock: its start in clock ticks since boot, against the boot clock now."""
    try:
        with open("/proc/self/stat") as stat:
            text = stat.read()
        ticks = int(text[text.rfind(")") + 2:].split()[19])  # field 22, starttime
        since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
        return time.time() - (since_boot - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _write(record: dict[str, Any]) -> None:
    global _fd, _fd_pid
    pid = os.getpid()
    record["pid"] = pid
    try:
        with _lock:
            if _fd is None or _fd_pid != pid:
                assert _path is not None
                _fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                _fd_pid = pid
                header = {"ts": time.time(), "event": "process", "pid": pid, **process_facts()}
                os.write(_fd, (json.dumps(header) + "\n").encode())
            os.write(_fd, (json.dumps(record, default=str) + "\n").encode())
    except OSError:
        pass  # a trace must never break a command
