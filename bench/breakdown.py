"""Where one CLI command's wall time goes: its trace and the emulator's log, laid on one time line.

The processes of a command record their own timestamps (`provider/core/trace.py`:
process start, launcher hand-over, imports, configure, each service call, each
sleep between polls, each provider call); the emulator knows when each notebook's
transition began and ended and when each request was answered. Every instant of
the command, from spawning `pulumi` to its exit, is given to the first of these
activities (in `CATEGORIES` order) under way at that instant, so the categories
add up to the wall time and overlapping work (eight notebooks at once) is
counted once, where it holds up the command.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

# In priority order: an instant belongs to the first category active at it.
CATEGORIES = (
    "transition",            # a notebook's transition under way at the service (not overhead)
    "detection gap",         # a transition has ended and no read has seen it yet
    "service calls",         # an HTTP request of the provider in flight
    "provider imports",      # the provider process importing the project's modules
    "configure",             # the rest of the provider's configure
    "launchers",             # a project launcher (bash) running before it exec's Python
    "language host start",   # the language host's interpreter start and imports (up to serving, and the SDK's)
    "provider start",        # the provider process's interpreter start and the SDK's imports, to its first call
    "program imports",       # the program importing the project's package in the language host
    "waiting, other",        # the provider sleeping between polls outside any transition
    "provider calls, other", # the provider's own code in a call (check, diff, create, ...)
    "program run",           # the rest of the program's run in the language host
    "CLI start",             # from spawning `pulumi` to its first plugin process
    "engine, other",         # the rest: the CLI's own work, gRPC, state, process hand-overs
)
OVERHEAD = tuple(c for c in CATEGORIES if c != "transition")

_NOTEBOOK = re.compile(r"^/v1/[^/]+/notebooks/([^/]+)$")
_LIST = re.compile(r"^/v1/[^/]+/notebooks(/all)?$")
_TRANSIENT = {"INIT", "CREATING", "STARTING", "STOPPING", "DELETING", "SNAPSHOTTING"}
Interval = tuple[float, float]


@dataclass
class Process:
    """One process of the command, as its trace shows it."""

    pid: int
    role: str
    start: Optional[float]
    exec_at: Optional[float]
    ready: Optional[float]  # serving (language host) or its first call reached our code (provider)
    cpu_at_first_event: float
    imports: float = 0.0  # the project's imports in it (s)

    def as_dict(self, t0: float) -> dict[str, Any]:
        def rel(value: Optional[float]) -> Optional[float]:
            return None if value is None else round(value - t0, 3)
        return {"pid": self.pid, "role": self.role, "start": rel(self.start), "exec_at": rel(self.exec_at),
                "ready": rel(self.ready), "cpu_before_our_code": round(self.cpu_at_first_event, 3),
                "our_imports": round(self.imports, 3)}


@dataclass
class Breakdown:
    wall: float
    categories: dict[str, float]
    processes: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    call_seconds: float = 0.0
    sleeps: float = 0.0
    gaps: list[float] = field(default_factory=list)

    @property
    def transitions(self) -> float:
        return self.categories.get("transition", 0.0)

    @property
    def beyond(self) -> float:
        return self.wall - self.transitions

    def as_dict(self) -> dict[str, Any]:
        return {"wall": round(self.wall, 4), "transitions": round(self.transitions, 4),
                "beyond": round(self.beyond, 4),
                "categories": {k: round(v, 4) for k, v in self.categories.items()},
                "processes": self.processes, "calls": self.calls, "call_seconds": round(self.call_seconds, 4),
                "sleeps": round(self.sleeps, 4), "detection_gaps": [round(g, 3) for g in self.gaps]}


def read_trace(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a killed process
    return records


def _role(argv0: str) -> str:
    if "language_host" in argv0:
        return "language host"
    if "pulumi/dynamic" in argv0:
        return "provider"
    if "plugin" in argv0:
        return "plugin"
    return "other"


def processes(records: list[dict[str, Any]]) -> dict[int, Process]:
    """Each process: the first header it wrote (a process may load the trace module twice)."""
    found: dict[int, Process] = {}
    for r in records:
        if r["event"] == "process" and r["pid"] not in found:
            found[r["pid"]] = Process(r["pid"], _role(r.get("argv0", "")), r.get("start"), r.get("exec_at"), None,
                                      float(r.get("cpu", 0.0)))
    for r in records:
        proc = found.get(r["pid"])
        if proc is None or r["event"] == "process":
            continue
        if proc.role == "language host":
            if r["event"] == "serving" and proc.ready is None:
                proc.ready = r["ts"]
        elif proc.ready is None or r["ts"] < proc.ready:
            proc.ready = r["ts"]  # the first moment the project's code ran in it
        if r["event"] == "import" and r.get("module") in ("provider", "provider.core.service"):
            proc.imports += float(r.get("dur", 0.0))
    return found


def _started_to_ready(p: Process) -> Any:
    """From Python taking over (or the process start) to the process being ready; None if unknown."""
    begun = p.exec_at or p.start
    return None if begun is None or p.ready is None else (begun, p.ready)


def _spans(records: Iterable[dict[str, Any]], event: str, pids: Optional[set[int]] = None,
           **match: Any) -> list[Interval]:
    return [(r["ts"], r["ts"] + float(r.get("dur", 0.0))) for r in records
            if r["event"] == event and (pids is None or r["pid"] in pids)
            and all(r.get(k) == v for k, v in match.items())]


def transitions(notebooks: list[dict[str, Any]], requests: list[dict[str, Any]], t0: float, t1: float,
                transition_seconds: float) -> list[tuple[str, float, float]]:
    """(notebook id, began, ended) of every transition under way during [t0, t1], in seconds.

    From the status histories; a deleted notebook's record is gone, so its
    deletion is its DELETE request's answer plus T (the emulator's schedule).
    """
    found = []
    for notebook in notebooks:
        history = notebook.get("history") or []
        for entry, following in itertools.pairwise(history):
            began, ended = entry["at_ms"] / 1000, following["at_ms"] / 1000
            if entry["status"] in _TRANSIENT and ended > t0 and began < t1:
                found.append((notebook["id"], began, ended))
    live = {n["id"] for n in notebooks}
    for request in requests:
        match = _NOTEBOOK.match(request["path"])
        if request["method"] == "DELETE" and match and request.get("status", 500) < 300 and match.group(1) not in live:
            began = request["time_ms"] / 1000
            found.append((match.group(1), began, began + transition_seconds))
    return found


def detection_gaps(found: list[tuple[str, float, float]], requests: list[dict[str, Any]],
                   t1: float) -> list[Interval]:
    """For each transition, from its end to the first read of that notebook answered at or after it."""
    reads = []
    for request in requests:
        if request["method"] != "GET":
            continue
        match = _NOTEBOOK.match(request["path"])
        if match and match.group(1) not in ("flavors", "all"):
            reads.append((request["time_ms"] / 1000, match.group(1)))
        elif _LIST.match(request["path"]):
            reads.append((request["time_ms"] / 1000, None))
    gaps = []
    for notebook_id, _began, ended in found:
        seen = [t for t, nb in reads if (nb is None or nb == notebook_id) and t >= ended]
        if ended < t1:
            gaps.append((ended, min(seen) if seen else t1))
    return gaps


def partition(t0: float, t1: float, layers: list[tuple[str, list[Interval]]]) -> dict[str, float]:
    """Seconds of [t0, t1] given to each layer, first layer first; what is left is the last category."""
    points = sorted({t0, t1, *(max(t0, min(t1, x)) for _name, spans in layers for span in spans for x in span)})
    totals = {name: 0.0 for name in CATEGORIES}
    for a, b in itertools.pairwise(points):
        if b <= a:
            continue
        middle = (a + b) / 2
        owner = next((name for name, spans in layers if any(s <= middle < e for s, e in spans)), CATEGORIES[-1])
        totals[owner] += b - a
    return totals


def breakdown(t0: float, t1: float, records: list[dict[str, Any]], requests: list[dict[str, Any]],
              notebooks: list[dict[str, Any]], transition_seconds: float) -> Breakdown:
    """The command run from `t0` (spawn) to `t1` (exit), split into `CATEGORIES`."""
    procs = processes(records)
    providers = {p.pid for p in procs.values() if p.role in ("provider", "plugin")}
    hosts = {p.pid for p in procs.values() if p.role == "language host"}
    found = transitions(notebooks, requests, t0, t1, transition_seconds)
    gaps = detection_gaps(found, requests, t1)
    first_start = min((p.start for p in procs.values() if p.start is not None), default=t1)
    layers: list[tuple[str, list[Interval]]] = [
        ("transition", [(b, e) for _id, b, e in found]),
        ("detection gap", gaps),
        ("service calls", _spans(records, "call")),
        ("provider imports", _spans(records, "import", providers)),
        ("configure", _spans(records, "configure", providers)),
        ("launchers", [(p.start, p.exec_at) for p in procs.values() if p.start and p.exec_at]),
        ("language host start", [_started_to_ready(p) for p in procs.values()
                                 if p.role == "language host" and _started_to_ready(p) is not None]
                                + _spans(records, "import", hosts, module="language-runtime")),
        ("provider start", [_started_to_ready(p) for p in procs.values()
                            if p.pid in providers and _started_to_ready(p) is not None]),
        ("program imports", _spans(records, "import", hosts, module="provider")),
        ("waiting, other", _spans(records, "sleep")),
        ("provider calls, other", _spans(records, "verb")),
        ("program run", _spans(records, "rpc", hosts, name="Run")),
        ("CLI start", [(t0, first_start)]),
    ]
    calls = _spans(records, "call")
    return Breakdown(
        wall=t1 - t0, categories=partition(t0, t1, layers),
        processes=[p.as_dict(t0) for p in sorted(procs.values(), key=lambda p: p.start or 0.0)],
        calls=len(calls), call_seconds=sum(e - s for s, e in calls),
        sleeps=sum(e - s for s, e in _spans(records, "sleep")), gaps=[e - s for s, e in gaps],
    )
