"""`make bench`: what each command costs beyond the service's transitions, and where it goes.

For each fleet size N, one stack of N notebooks and one of N trivial dynamic
resources (the engine's floor: the same commands, a provider that answers at
once) go through the same life, command by command, each paired with its floor
in the same repetition: `up` creating them, an unchanged `preview`, a flip to
`running: false` and back, a flavor change (stop, update, start) and `destroy`.
Every command runs with `MODELARTS_NOTEBOOKS_TRACE` set, so its processes record
their own timings; `breakdown.py` lays them beside the emulator's log. The
figures go to `bench/results/<commit>.json` and `docs/benchmarks.md`, and are
compared with the last recorded release (`results.py`).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import breakdown  # noqa: E402
import gitstate  # noqa: E402
import harness  # noqa: E402
import overhead_report  # noqa: E402
import results  # noqa: E402
import run  # noqa: E402
from harness import CPU_FLAVOR, BenchProject, Emulator, EmulatorLog  # noqa: E402

from provider.files import FileRefused, check_writable, containing, write_file  # noqa: E402

TRACE_ENV = "MODELARTS_NOTEBOOKS_TRACE"
BIG_FLAVOR = "modelarts.vm.cpu.8u"
# The commands, exactly as users run them (the CLI adds --non-interactive for the bench).
UP = ("up", "--yes")
PREVIEW = ("preview",)
DESTROY = ("destroy", "--yes")


@dataclass(frozen=True)
class Step:
    """One command of the stacks' life, and the declaration it runs against (None: unchanged)."""

    name: str
    args: tuple[str, ...]
    running: Optional[bool] = None
    flavor: Optional[str] = None


LIFE = (
    Step("create", UP, running=True, flavor=CPU_FLAVOR),
    Step("preview", PREVIEW),
    Step("flip", UP, running=False),
    Step("flip back", UP, running=True),
    Step("flavor change", UP, flavor=BIG_FLAVOR),
    Step("destroy", DESTROY),
)
COMMANDS = tuple(step.name for step in LIFE)


def command_line(step: Step) -> str:
    return "pulumi " + " ".join(step.args)


class Stacks:
    """The notebook stack and the trivial stack of one repetition at one size."""

    def __init__(self, work: Path, bin_dir: str, emulator: Emulator, n: int, transition_seconds: float) -> None:
        self.n, self.transition_seconds = n, transition_seconds
        self.emulator = emulator
        self.log = EmulatorLog(emulator)
        self.notebooks = BenchProject(work / "notebooks", bin_dir, emulator)
        self.trivial = BenchProject(work / "trivial", bin_dir, emulator, program=harness.TRIVIAL_PROGRAM)
        self.trivial.config("count", str(n))
        self.running, self.flavor = True, CPU_FLAVOR
        self.traces = work / "traces"
        self.traces.mkdir()

    def declare(self, step: Step) -> None:
        if step.running is not None:
            self.running = step.running
        if step.flavor is not None:
            self.flavor = step.flavor
        if step.running is None and step.flavor is None:
            return
        fleet = harness.notebook_fleet(self.n, self.running)
        for spec in fleet.values():
            spec["flavor"] = self.flavor
        self.notebooks.declare(**fleet)
        self.trivial.config("running", "true" if self.running else "false")
        self.trivial.config("flavor", self.flavor)

    def run(self, project: BenchProject, step: Step, tag: str, timeout: float) -> dict[str, Any]:
        trace = self.traces / f"{tag}-{step.name.replace(' ', '-')}.jsonl"
        spawned = time.time()
        op = project.timed(step.name, step.args, extra_env={TRACE_ENV: str(trace)}, timeout=timeout,
                           emulator_log=self.log, sample_memory=False)
        ended = spawned + op.wall_s
        notebooks = self.emulator.notebooks()
        split = breakdown.breakdown(spawned, ended, breakdown.read_trace(trace), op.requests, notebooks,
                                    self.transition_seconds)
        figures = split.as_dict()
        mutating, reads = op.counts()
        figures.update(mutating=mutating, reads=reads)
        return figures


def run_size(emulator: Emulator, bin_dir: str, n: int, transition_seconds: float,
             progress: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """One repetition at size N: every command of `LIFE` on the notebooks, then on the trivial stack."""
    emulator.reset(transition_seconds=transition_seconds, max_notebooks=max(100, 2 * n + 10))
    timeout = harness.command_timeout(n, transition_seconds)
    work = Path(tempfile.mkdtemp(prefix=f"bench-overhead-{n}-"))
    figures: dict[str, dict[str, Any]] = {}
    try:
        stacks = Stacks(work, bin_dir, emulator, n, transition_seconds)
        for step in LIFE:
            stacks.declare(step)
            notebook = stacks.run(stacks.notebooks, step, "notebooks", timeout)
            floor = stacks.run(stacks.trivial, step, "trivial", timeout)
            figures[step.name] = {"notebooks": notebook, "floor": floor}
            progress(f"N={n} {step.name}: {notebook['wall']:.2f} s ({notebook['beyond']:.2f} s beyond the "
                     f"transitions), floor {floor['wall']:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def measure(sizes: Sequence[int], runs: int, transition_seconds: float, bin_dir: str,
            progress: Callable[[str], None]) -> dict[int, list[dict[str, dict[str, Any]]]]:
    """Every repetition at every size (repetitions outside, so drift spreads over every size)."""
    emulator = Emulator(transition_seconds=transition_seconds,
                        extra_args=("--max-notebooks", str(max(100, 2 * max(sizes) + 10))))
    measured: dict[int, list[dict[str, dict[str, Any]]]] = {n: [] for n in sizes}
    try:
        for k in range(runs):
            for n in sizes:
                progress(f"run {k + 1}/{runs}, N={n}")
                measured[n].append(run_size(emulator, bin_dir, n, transition_seconds, progress))
    finally:
        emulator.stop()
    return measured


def environment(bin_dir: str) -> Mapping[str, str]:
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_SKIP_UPDATE_CHECK": "true"}


# ---- command line and outputs -------------------------------------------------------------------

DEFAULT_SIZES, DEFAULT_RUNS, DEFAULT_T = "1,8", 3, 5.0
SIZES_ENV, RUNS_ENV = "BENCH_SIZES", "BENCH_RUNS"
# Own outputs are recognised by what the benchmark puts in them.
OWN_REPORT = containing(overhead_report.REPORT_MARKER)
OWN_CHART = containing(overhead_report.CHART_SOURCE)
OWN_RECORD = containing('"format": ' + str(results.FORMAT))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/overhead.py", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=run.parse_sizes, default=run.parse_sizes(os.environ.get(SIZES_ENV) or DEFAULT_SIZES),
                   help=f"fleet sizes N (default ${SIZES_ENV} or {DEFAULT_SIZES})")
    p.add_argument("--runs", type=int, default=int(os.environ.get(RUNS_ENV) or DEFAULT_RUNS),
                   help=f"repetitions; the figures are medians (default ${RUNS_ENV} or {DEFAULT_RUNS})")
    p.add_argument("--transition-seconds", type=float, default=DEFAULT_T, help="the emulator's transition time T")
    p.add_argument("--release", default=os.environ.get(results.RELEASE_ENV) or None,
                   help=f"record these figures as the named release (default ${results.RELEASE_ENV})")
    p.add_argument("--write", action=argparse.BooleanOptionalAction, default=True,
                   help="write bench/results/<commit>.json, docs/benchmarks.md and its chart (default on)")
    p.add_argument("--docs-dir", type=Path, default=harness.ROOT / "docs")
    p.add_argument("--results-dir", type=Path, default=BENCH / "results")
    p.add_argument("--force", action="store_true", help="replace output files this benchmark did not write")
    args = p.parse_args(argv)
    if args.runs < 1 or args.transition_seconds <= 0:
        p.error("--runs must be at least 1 and --transition-seconds positive")
    return args


def outputs(args: argparse.Namespace, tree: gitstate.TreeState) -> dict[str, tuple[Path, Any]]:
    name = tree.commit + ("-dirty" if tree.dirty else "")
    return {"record": (args.results_dir / f"{name}.json", OWN_RECORD),
            "report": (args.docs_dir / "benchmarks.md", OWN_REPORT),
            "chart": (args.docs_dir / overhead_report.CHART_NAME, OWN_CHART)}


def check_tree(args: argparse.Namespace, before: Optional[gitstate.TreeState] = None) -> gitstate.TreeState:
    """The tree the figures belong to; raises SystemExit when no record may be written from it."""
    ignored = [args.results_dir, args.docs_dir / "benchmarks.md", args.docs_dir / overhead_report.CHART_NAME]
    tree = gitstate.tree_state(harness.ROOT, ignored)
    if before is not None and tree != before and not gitstate.allow_dirty():
        raise SystemExit(f"bench: the tree changed while the benchmark ran ({before.describe()} -> "
                         f"{tree.describe()}); nothing written")
    if args.write and tree.dirty and not gitstate.allow_dirty():
        raise SystemExit(gitstate.refusal(tree))
    if args.write:
        for path, owned in outputs(args, tree).values():
            check_writable(path, force=args.force, owned=owned)
    return tree


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        tree = check_tree(args)
    except FileRefused as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    if args.write:
        run.ensure_matplotlib()
    started, clock = time.strftime("%Y-%m-%d %H:%M:%S %Z"), time.perf_counter()
    bin_dir = harness.pulumi_bin()
    compile_code(bin_dir)
    facts = {**harness.machine_facts(environment(bin_dir)), "load average at start": _load()}

    def progress(message: str) -> None:
        print(f"bench [{time.perf_counter() - clock:7.1f}s] {message}", file=sys.stderr, flush=True)

    effective = (f"bench/overhead.py --sizes {','.join(map(str, args.sizes))} --runs {args.runs} "
                 f"--transition-seconds {args.transition_seconds:g}")
    progress(effective)
    try:
        measured = measure(args.sizes, args.runs, args.transition_seconds, bin_dir, progress)
    except RuntimeError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    facts["load average at end"] = _load()
    data = {
        "format": results.FORMAT, "commit": tree.commit, "dirty": tree.dirty, "commit_described": tree.describe(),
        "release": args.release, "started": started, "elapsed_s": time.perf_counter() - clock,
        "machine": facts, "invoked": invoked_command(),
        "effective": effective, "transition_seconds": args.transition_seconds, "runs": args.runs,
        "command_lines": {step.name: command_line(step) for step in LIFE},
        "figures": results.summarise(measured, COMMANDS),
        "processes": _processes_of_create(measured), "raw": {str(n): runs for n, runs in measured.items()},
    }
    return publish(args, tree, data)


def publish(args: argparse.Namespace, tree: gitstate.TreeState, data: dict[str, Any]) -> int:
    comparison = results.comparison(harness.ROOT, args.results_dir, data)
    print()
    print(overhead_report.overview(data["figures"], data["command_lines"]))
    print()
    print("\n".join(overhead_report.targets(data["figures"])))
    print("\n".join(comparison))
    if not args.write:
        return 0
    try:
        final = check_tree(args, before=tree)
        paths = outputs(args, final)
        banner = gitstate.dirty_banner(final) if final.dirty else []
        args.results_dir.mkdir(parents=True, exist_ok=True)
        lines = [write_file(paths["record"][0], json.dumps(data, indent=1, sort_keys=True) + "\n",
                            force=args.force, owned=OWN_RECORD),
                 write_file(paths["chart"][0], overhead_report.chart(data["figures"]), force=args.force,
                            owned=OWN_CHART),
                 write_file(paths["report"][0], overhead_report.markdown(data, comparison, banner),
                            force=args.force, owned=OWN_REPORT)]
    except (FileRefused, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    for line in lines:
        print(f"bench: {line}" + (" (DIRTY TREE, not a release figure)" if final.dirty else ""))
    return 0


def compile_code(bin_dir: str) -> None:
    """Byte code for the project's modules and the language host beside the CLI, as a user's runs leave it.

    A module whose cached byte code is missing or older than its source is compiled
    by every process that loads it (and never cached where PYTHONDONTWRITEBYTECODE
    is set), which would count a freshly edited checkout's compile time as overhead.
    """
    compileall.compile_dir(str(harness.ROOT / "provider"), quiet=1)
    compileall.compile_dir(bin_dir, maxlevels=0, quiet=1)


def invoked_command() -> str:
    """What the user typed, as far as the process can tell (make sets MAKELEVEL for its recipes)."""
    if os.environ.get("MAKELEVEL") and len(sys.argv) == 1:
        settings = [f"{name}={os.environ[name]}" for name in (SIZES_ENV, RUNS_ENV, results.RELEASE_ENV,
                                                              gitstate.ALLOW_DIRTY_ENV) if os.environ.get(name)]
        return " ".join([*settings, "make", "bench"])
    return " ".join(["bench/overhead.py", *sys.argv[1:]])


def _processes_of_create(measured: dict[int, list[dict[str, dict[str, Any]]]]) -> list[dict[str, Any]]:
    runs = measured.get(1) or next(iter(measured.values()), [])
    return list(runs[-1]["create"]["notebooks"]["processes"]) if runs else []


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
