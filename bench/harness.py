"""Stacks, timed engine runs and the measurements the benchmark reports.

Everything here drives the real `pulumi` CLI through `emulator.testing.PulumiStack`
(the same throwaway file-backend stacks the engine tests use) against the
local emulator, so a figure measured here is what a pipeline would see, minus
the network. The emulator is the only clock that knows when a notebook really
changed status, so detection latency and API-call counts are derived from its
request log and status history rather than from anything the provider says.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulator.control import stack_config  # noqa: E402
from emulator.testing import PulumiResult as Result  # noqa: E402
from emulator.testing import PulumiStack  # noqa: E402
from emulator.testing import RunningEmulator as Emulator  # noqa: E402

# The fleet the benchmark declares: one Notebook per entry of the `notebooks` config.
FLEET_PROGRAM = '''
import pulumi
from provider import Notebook

for key, kwargs in pulumi.Config().require_object("notebooks").items():
    notebook = Notebook(key, **kwargs)
    pulumi.export(key, {"notebook_id": notebook.notebook_id, "status": notebook.status})
'''
CPU_FLAVOR = "modelarts.vm.cpu.2u"
IMAGE_ID = "e1a07296-22a8-4f05-8bc8-e936c8e54090"

# A stack of N dynamic resources whose provider answers at once and never calls
# anything: what the engine, the language host and the dynamic-provider process
# cost on their own. Notebook figures are read against it. Its inputs follow the
# stack's `running` and `flavor` config, so a change of either updates every
# resource (the floor of a flip or a flavor change). With MODELARTS_NOTEBOOKS_TRACE
# set, its provider records its calls as the notebook provider does (the trace
# module is loaded by path, so the floor imports nothing of the project).
TRIVIAL_PROGRAM = '''
import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

TRACE_MODULE = __TRACE_MODULE__


def traced(verb):
    import contextlib
    import importlib.util
    import os
    import sys

    if not os.environ.get("MODELARTS_NOTEBOOKS_TRACE"):
        return contextlib.nullcontext()
    module = sys.modules.get("modelarts_trace")
    if module is None:
        spec = importlib.util.spec_from_file_location("modelarts_trace", TRACE_MODULE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["modelarts_trace"] = module
    return module.span("verb", name=verb)


class NoopProvider(ResourceProvider):
    """Creates, updates and deletes at once: no API, no waiting."""

    def check(self, _olds, news):
        with traced("check"):
            return CheckResult(news, [])

    def create(self, props):
        with traced("create"):
            return CreateResult(id_=props["key"], outs=props)

    def diff(self, _id, olds, news):
        with traced("diff"):
            keys = (set(olds) | set(news)) - {"__provider"}
            return DiffResult(changes=any(olds.get(k) != news.get(k) for k in keys))

    def update(self, _id, _olds, news):
        with traced("update"):
            return UpdateResult(outs=news)

    def delete(self, _id, _props):
        with traced("delete"):
            pass


class Trivial(Resource):
    def __init__(self, name, props):
        super().__init__(NoopProvider(), name, props)


config = pulumi.Config()
running = config.get_bool("running")
flavor = config.get("flavor") or "a"
for i in range(config.require_int("count")):
    key = f"r{i:03d}"
    resource = Trivial(key, {"key": key, "running": True if running is None else running, "flavor": flavor})
    pulumi.export(key, {"key": resource.id})
'''.replace("__TRACE_MODULE__", repr(str(ROOT / "provider" / "core" / "trace.py")))

# Paths of the requests that read one notebook, and of the list that reads many.
_NOTEBOOK_PATH = re.compile(r"^/v1/[^/]+/notebooks/([^/]+)$")
_LIST_PATH = re.compile(r"^/v1/[^/]+/notebooks(/all)?$")
# How often the provider process's memory is sampled.
SAMPLE_SECONDS = 0.1


def pulumi_bin() -> str:
    """The CLI directory the tests use (the project's set-up script; cached after the first build)."""
    result = subprocess.run([str(ROOT / "tools" / "ensure-pulumi.sh")], capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


# ---- machine facts ---------------------------------------------------------------------------


def machine_facts(pulumi_env: Mapping[str, str]) -> dict[str, str]:
    """What the figures depend on, so a reader can tell whether two runs compare."""
    facts: dict[str, str] = {}
    cpus = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    facts["nproc"] = str(usable) + ("" if usable == cpus else f" (of {cpus})")
    facts["memory"] = _meminfo_total()
    facts["cpu"] = _cpu_model()
    facts["kernel"] = f"{platform.system()} {platform.release()}"
    facts["python"] = platform.python_version() + f" ({sys.executable})"
    try:
        from importlib.metadata import version

        facts["pulumi SDK"] = version("pulumi")
    except Exception:  # pragma: no cover - the SDK is a project requirement
        facts["pulumi SDK"] = "unknown"
    try:
        out = subprocess.run(["pulumi", "version"], env=dict(pulumi_env), capture_output=True, text=True, timeout=60)
        facts["pulumi CLI"] = out.stdout.strip() or out.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as error:
        facts["pulumi CLI"] = f"unavailable ({error})"
    return facts


def _meminfo_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ---- the provider process's memory --------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: parse after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _descendants(root: int) -> list[int]:
    children = _children_map()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _is_dynamic_provider(pid: int) -> bool:
    try:
        return b"pulumi.dynamic" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _vm_hwm_kib(pid: int) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class ProviderMemorySampler:
    """Peak resident memory of the `python -m pulumi.dynamic` process(es) under one CLI run.

    The engine starts the provider through a launcher that `exec`s Python, so
    the process is found by its command line among the CLI's descendants, not by
    name. VmHWM is the kernel's own high-water mark, so sampling every 100 ms
    loses at most the growth of the provider's last 100 ms.
    """

    def __init__(self, root_pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.root_pid = root_pid
        self.interval = interval
        self.peak_kib: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="provider-memory", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:  # started
            self._thread.join()

    def sample(self) -> None:
        for pid in _descendants(self.root_pid):
            if _is_dynamic_provider(pid):
                hwm = _vm_hwm_kib(pid)
                if hwm is not None:
                    self.peak_kib[pid] = max(hwm, self.peak_kib.get(pid, 0))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    @property
    def peak(self) -> Optional[int]:
        return max(self.peak_kib.values()) if self.peak_kib else None


# ---- timed engine runs ------------------------------------------------------------------------


@dataclass
class Op:
    """One CLI command: its wall time, what the emulator saw during it, the provider's memory."""

    name: str
    wall_s: float
    start_ms: int
    end_ms: int
    requests: list[dict[str, Any]]
    peak_kib: Optional[int]
    notebooks: list[dict[str, Any]] = field(default_factory=list)
    # Kinds of transition whose duration the stack's state held when the command began.
    hinted: frozenset[str] = frozenset()

    def counts(self) -> tuple[int, int]:
        """(mutating, read) API calls made during the command."""
        mutating = sum(1 for r in self.requests if r.get("mutating"))
        return mutating, len(self.requests) - mutating


class BenchProject(PulumiStack):
    """A stack of this checkout's code whose commands can also be timed and watched while they run."""

    def __init__(self, workdir: Path, bin_dir: str, emulator: Emulator, *, program: str = FLEET_PROGRAM) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "Pulumi.yaml").write_text(
            "name: nbbench\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
            f"    virtualenv: {Path(sys.executable).parent.parent}\n"
        )
        (workdir / "__main__.py").write_text(program)
        super().__init__(workdir, workdir, config=stack_config(emulator.url), stack="bench",
                         env={"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT)})
        # As on a user's machine, each Python process finds the byte code of the modules it loads cached.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def declare(self, **notebooks: dict) -> None:
        self.config("notebooks", json.dumps(notebooks))

    def timed(self, name: str, args: Sequence[str], *, extra_env: Optional[Mapping[str, str]] = None,
              timeout: float = 600.0, emulator_log: Optional["EmulatorLog"] = None,
              sample_memory: bool = True) -> Op:
        """Run `pulumi <args> --non-interactive` exactly like `PulumiStack.pulumi`, timing the CLI's wall.

        The command runs in its own session so a stuck one can be ended as a
        group; its provider process outlives the CLI when the CLI is killed,
        so that one is ended by pid too (it is ours: the CLI we started made it).
        """
        env = {**self.env, **(extra_env or {})}
        before = emulator_log.last_seq() if emulator_log else 0
        start_ms = int(time.time() * 1000)
        started = time.perf_counter()
        process = subprocess.Popen(
            ["pulumi", *args, "--non-interactive"], cwd=self.dir, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        sampler = ProviderMemorySampler(process.pid)
        if sample_memory:  # a scan of /proc every 100 ms: off where the CPU time is what is measured
            sampler.start()
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            sampler.stop()
            _end(process, sampler.peak_kib)
            raise RuntimeError(f"pulumi {' '.join(args)} did not finish within {timeout:.0f} s (ended)") from None
        except BaseException:
            # Ctrl-C does not reach a CLI in its own session: end it here, or it runs on unseen.
            sampler.stop()
            _end(process, sampler.peak_kib)
            raise
        wall = time.perf_counter() - started
        end_ms = int(time.time() * 1000)
        sampler.stop()
        if process.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed ({process.returncode}):\n{stdout}{stderr}")
        requests = emulator_log.since(before) if emulator_log else []
        return Op(name=name, wall_s=wall, start_ms=start_ms, end_ms=end_ms, requests=requests, peak_kib=sampler.peak)


def _end(process: subprocess.Popen[str], provider_pids: Iterable[int]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    for pid in provider_pids:
        if _is_dynamic_provider(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class EmulatorLog:
    """The emulator's request log, read by sequence number (it is capped, so never by index)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def last_seq(self) -> int:
        entries = self.emulator.requests()
        return entries[-1]["seq"] if entries else 0

    def since(self, seq: int) -> list[dict[str, Any]]:
        entries = [r for r in self.emulator.requests() if r["seq"] > seq]
        if entries and entries[0]["seq"] != seq + 1:
            raise RuntimeError("the emulator's request log overflowed during one command; use smaller sizes")
        return entries


# ---- the two stacks ---------------------------------------------------------------------------


def command_timeout(n: int, transition_seconds: float) -> float:
    """A bound no healthy run reaches: every notebook waited for one after another, twice over."""
    return 180.0 + 4.0 * n * max(transition_seconds, 1.0)


UP = ("up", "--yes", "--skip-preview")
PREVIEW = ("preview", "--diff")
REFRESH = ("refresh", "--yes", "--skip-preview")


@dataclass
class SizeRun:
    """Every command of one repetition at one fleet size."""

    n: int
    transition_seconds: float
    ops: dict[str, Op]


def notebook_fleet(n: int, running: bool, prefix: str = "bench") -> dict[str, dict[str, Any]]:
    return {f"nb{i:03d}": {
        "name": f"{prefix}-{i:03d}", "flavor": CPU_FLAVOR, "image_id": IMAGE_ID, "running": running,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}} for i in range(n)}


# The kind of notebook transition each measured command makes (the provider learns durations per kind).
KIND = {"create": "create", "stop": "stop", "start": "start", "stop_warm": "stop", "start_warm": "start",
        "stop_par": "stop", "start_par": "start", "fresh_create": "create", "fresh_stop": "stop"}
# The status each kind of transition ends in.
TARGET_STATUS = {"create": "RUNNING", "start": "RUNNING", "stop": "STOPPED"}


class Fleet:
    """A notebook stack, and the kinds of transition its state holds a duration for.

    The provider keeps the time each kind of transition took in the notebook's
    state and expects the next one of that kind to take as long; the benchmark
    tracks which kinds every notebook of the stack has been through, so each
    command knows which of its transitions started warm.
    """

    def __init__(self, project: BenchProject, n: int, prefix: str, emulator: Emulator, log: EmulatorLog,
                 timeout: float, record: Callable[[Op], None]) -> None:
        self.project, self.n, self.prefix = project, n, prefix
        self.emulator, self.log, self.timeout, self.record = emulator, log, timeout, record
        self.learned: set[str] = set()

    def run(self, name: str, args: Sequence[str] = UP, *, running: Optional[bool] = None,
            env: Optional[Mapping[str, str]] = None) -> None:
        if running is not None:
            self.project.declare(**notebook_fleet(self.n, running, self.prefix))
        op = self.project.timed(name, args, extra_env=env, timeout=self.timeout, emulator_log=self.log)
        op.hinted = frozenset(self.learned)
        kind = KIND.get(name)
        if kind:
            op.notebooks = self.emulator.notebooks()  # the status histories, read right after the command
            self.learned.add(kind)
        self.record(op)


def run_size(emulator: Emulator, bin_dir: str, n: int, transition_seconds: float, *, parallel: Optional[int],
             progress: Callable[[str], None] = lambda _m: None) -> SizeRun:
    """One repetition at size N: a notebook stack and a trivial stack, measured side by side.

    The emulator is reset first, so its request log and quota hold only this
    repetition. Each notebook command is paired with its floor in the same
    repetition (the notebook stack's own no-op `up`, the trivial stack's
    preview), so ratios are taken between neighbours and survive a noisy machine.
    The first flips of the stack start cold (no stop or start learned yet), the
    second pair warm. With `parallel`, the flips run once more with
    PULUMI_PARALLEL set, and a fresh stack of N is created and flipped once
    with it: a new fleet's first flip, every notebook cold and at once.
    """
    emulator.reset(transition_seconds=transition_seconds, max_notebooks=max(100, 2 * n + 10))
    log = EmulatorLog(emulator)
    timeout = command_timeout(n, transition_seconds)
    work = Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))
    ops: dict[str, Op] = {}

    def record(op: Op) -> None:
        ops[op.name] = op
        mutating, reads = op.counts()
        progress(f"N={n} {op.name}: {op.wall_s:.2f} s, {mutating} mutating / {reads} read calls")

    try:
        fleet = Fleet(BenchProject(work / "notebooks", bin_dir, emulator), n, "bench", emulator, log, timeout, record)
        trivial = BenchProject(work / "trivial", bin_dir, emulator, program=TRIVIAL_PROGRAM)
        trivial.config("count", str(n))

        fleet.run("create", running=True)
        record(trivial.timed("trivial_create", UP, timeout=timeout))
        fleet.run("noop")
        record(trivial.timed("trivial_noop", UP, timeout=timeout))
        fleet.run("preview", PREVIEW)
        record(trivial.timed("trivial_preview", PREVIEW, timeout=timeout))
        fleet.run("refresh", REFRESH)
        for suffix in ("", "_warm"):
            fleet.run(f"stop{suffix}", running=False)
            fleet.run(f"start{suffix}", running=True)
        if parallel:
            env = {"PULUMI_PARALLEL": str(parallel)}
            fleet.run("noop_par", env=env)
            fleet.run("stop_par", running=False, env=env)
            fleet.run("start_par", running=True, env=env)
            fresh = Fleet(BenchProject(work / "fresh", bin_dir, emulator), n, "fresh", emulator, log, timeout, record)
            fresh.run("fresh_create", running=True, env=env)
            fresh.run("fresh_noop", env=env)
            fresh.run("fresh_stop", running=False, env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return SizeRun(n=n, transition_seconds=transition_seconds, ops=ops)


# ---- detection latency ------------------------------------------------------------------------


@dataclass
class Transition:
    """One notebook reaching its target status during one command, and how the provider noticed."""

    op: str
    notebook_id: str
    kind: str
    began_ms: int
    reached_ms: int
    latency_ms: Optional[int]  # None: no read saw it before the command ended
    polls: int
    # Whether the provider had a duration to expect when it began waiting (see `_mark_warm`).
    warm: bool = False


def _reads(op: Op) -> list[tuple[int, Optional[str]]]:
    """(time_ms, notebook id, or None for a list that reads every notebook) of each successful read."""
    reads: list[tuple[int, Optional[str]]] = []
    for request in op.requests:
        if request["method"] != "GET" or request.get("status") != 200:
            continue
        match = _NOTEBOOK_PATH.match(request["path"])
        if match and match.group(1) not in ("flavors", "all"):
            reads.append((request["time_ms"], match.group(1)))
        elif _LIST_PATH.match(request["path"]) and not (request.get("query") or {}).get("name"):
            # A list filtered by name (the provider's lookup of its own notebook) reads one notebook, not all.
            reads.append((request["time_ms"], None))
    return reads


def transitions(op: Op) -> list[Transition]:
    """Per notebook: when the emulator reached the target, and the first read at or after that.

    The transition starts at the history entry just before the target (the
    transient CREATING / STARTING / STOPPING), so a read made before the call
    (a status check) is not counted as a poll. A GET of the notebook list
    counts as a read of every notebook, so a provider that polls a fleet with
    one list call is measured fairly.
    """
    kind = KIND.get(op.name)
    if kind is None:
        return []
    target = TARGET_STATUS[kind]
    reads = _reads(op)
    found: list[Transition] = []
    for notebook in op.notebooks:
        history = notebook.get("history") or []
        for index, entry in enumerate(history):
            if entry["status"] != target or entry["at_ms"] < op.start_ms:
                continue
            began = history[index - 1]["at_ms"] if index > 0 else entry["at_ms"]
            mine = [t for t, nb in reads if (nb is None or nb == notebook["id"]) and t >= began]
            seen = [t for t in mine if t >= entry["at_ms"]]
            detected = min(seen) if seen else None
            polls = sum(1 for t in mine if detected is None or t <= detected)
            found.append(Transition(op.name, notebook["id"], kind, began, entry["at_ms"],
                                    None if detected is None else detected - entry["at_ms"], polls))
            break
    _mark_warm(found, kind in op.hinted)
    return found


def _mark_warm(found: list[Transition], hinted: bool) -> None:
    """Warm: the provider knew how long this kind of transition takes when the notebook's began.

    It knows from the notebook's state (an earlier transition of the kind), or
    from another notebook of the same command whose transition of the kind it
    had already seen end. Cold: neither, so it polls without an expectation.
    """
    seen_ends = sorted(t.reached_ms + t.latency_ms for t in found if t.latency_ms is not None)
    for transition in found:
        learned = any(end < transition.began_ms for end in seen_ends)
        transition.warm = hinted or learned


# ---- statistics -------------------------------------------------------------------------------


def median(values: Iterable[Optional[float]]) -> Optional[float]:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def percentile(values: Iterable[Optional[float]], pct: float) -> Optional[float]:
    """Nearest-rank percentile: an observed value, never an interpolation."""
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    rank = max(1, math.ceil(pct / 100.0 * len(present)))
    return present[rank - 1]


def dumps(runs: Sequence[SizeRun]) -> str:
    """Raw figures for whoever wants more than the table (no notebook tokens in it), as JSON."""
    data = []
    for run in runs:
        ops = {}
        for name, op in run.ops.items():
            mutating, reads = op.counts()
            ops[name] = {"wall_s": op.wall_s, "mutating": mutating, "reads": reads, "peak_kib": op.peak_kib,
                         "transitions": [t.__dict__ for t in transitions(op)]}
        data.append({"n": run.n, "transition_seconds": run.transition_seconds, "ops": ops})
    return json.dumps(data, indent=2) + "\n"


__all__ = [
    "BenchProject", "Emulator", "EmulatorLog", "Fleet", "KIND", "Op", "ProviderMemorySampler", "Result", "SizeRun",
    "TRIVIAL_PROGRAM", "Transition", "dumps", "machine_facts", "median", "percentile", "pulumi_bin", "run_size",
    "transitions",
]
