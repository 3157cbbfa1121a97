"""`make bench-fleet`: measure notebook fleets on the real engine and write docs/bench-fleet.md.

Runs its own emulator, builds stacks of N notebooks (and N trivial resources as
the engine's floor) for each size, repeats each size `--runs` times and prints
one table of medians, then a verdict for each target of the performance issue.
The figures are reported, never asserted: they move as the provider changes,
and a benchmark that fails a build on a noisy machine teaches nothing.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import io
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Optional, Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gitstate  # noqa: E402
import harness  # noqa: E402
from harness import ROOT, Emulator, SizeRun, Transition, median, percentile, run_size, transitions  # noqa: E402

from provider.files import FileRefused, Owned, check_writable, containing, write_file  # noqa: E402

DEFAULT_SIZES = "1,8,30"
DEFAULT_RUNS = 3
# `make bench-fleet` takes no arguments; these shrink it (`BENCH_SIZES=1,3 BENCH_RUNS=1 make bench-fleet`).
SIZES_ENV, RUNS_ENV = "BENCH_SIZES", "BENCH_RUNS"
DEFAULT_TRANSITION = 5.0
DEFAULT_PARALLEL = 64
# The targets (reported as met / missed, not asserted).
FLIP_LIMIT_X = 1.5
PREVIEW_LIMIT_X = 1.5
DETECTION_LIMIT_FRACTION = 0.10
POLLS_LIMIT = 20
FLIP_TARGET_SIZE = 8
FLEET_TARGET_SIZE = 30


# ---- command line -----------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 1,8,30")
    return sizes


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Notebook fleet benchmarks on the real Pulumi engine against the local emulator.",
    )
    p.add_argument("--sizes", type=parse_sizes, default=parse_sizes(os.environ.get(SIZES_ENV) or DEFAULT_SIZES),
                   help=f"fleet sizes N, comma-separated (default ${SIZES_ENV} or {DEFAULT_SIZES})")
    p.add_argument("--runs", type=int, default=int(os.environ.get(RUNS_ENV) or DEFAULT_RUNS),
                   help=f"repetitions per size; the table shows medians (default ${RUNS_ENV} or {DEFAULT_RUNS})")
    p.add_argument("--transition-seconds", type=float, default=DEFAULT_TRANSITION,
                   help=f"the emulator's transition time T (default {DEFAULT_TRANSITION:g})")
    p.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL,
                   help=f"PULUMI_PARALLEL for the extra flip row; 0 skips it (default {DEFAULT_PARALLEL})")
    p.add_argument("--parallel-size", type=int, default=None,
                   help="the N the PULUMI_PARALLEL flip runs at (default: the largest size)")
    p.add_argument("--write-docs", action=argparse.BooleanOptionalAction, default=True,
                   help="regenerate docs/bench-fleet.md and docs/bench-flip.png (default on)")
    p.add_argument("--docs-dir", type=Path, default=ROOT / "docs",
                   help="where the report and the plot go (default docs/)")
    p.add_argument("--json", type=Path, default=None, help="also write the raw figures to this file (a new one)")
    p.add_argument("--force", action="store_true",
                   help="replace report, plot and --json files this benchmark did not write")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.transition_seconds <= 0:
        p.error("--transition-seconds must be positive (the limit divides by it)")
    if args.parallel_size is None:
        args.parallel_size = args.sizes[-1]
    elif args.parallel and args.parallel_size not in args.sizes:
        p.error("--parallel-size must be one of --sizes")
    return args


def effective_command(args: argparse.Namespace) -> str:
    """The invocation with every default spelled out, so a reader can repeat it exactly."""
    parts = [os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable,
             "bench/run.py", "--sizes", ",".join(map(str, args.sizes)), "--runs", str(args.runs),
             "--transition-seconds", f"{args.transition_seconds:g}", "--parallel", str(args.parallel)]
    if args.parallel:
        parts += ["--parallel-size", str(args.parallel_size)]
    if not args.write_docs:
        parts.append("--no-write-docs")
    return shlex.join(parts)


def invoked_command() -> str:
    """What the user typed, as far as the process can tell (make sets MAKELEVEL for its recipes)."""
    if os.environ.get("MAKELEVEL") and len(sys.argv) == 1:
        settings = [f"{name}={os.environ[name]}" for name in (SIZES_ENV, RUNS_ENV, gitstate.ALLOW_DIRTY_ENV)
                    if os.environ.get(name)]
        return shlex.join([*settings, "make", "bench-fleet"])
    return shlex.join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT))
                       else sys.executable, "bench/run.py", *sys.argv[1:]])


# ---- matplotlib on demand ---------------------------------------------------------------------


def ensure_matplotlib() -> None:
    """Install bench/requirements.txt into this interpreter if matplotlib is missing.

    Only the report needs it, so the project's own requirements stay lean.
    """
    try:
        importlib.import_module("matplotlib")
        return
    except ImportError:
        pass
    print("bench: installing bench/requirements.txt (matplotlib) into the venv", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(BENCH / "requirements.txt")], check=True)
    importlib.invalidate_caches()
    importlib.import_module("matplotlib")


# ---- summaries --------------------------------------------------------------------------------

NOTEBOOK_OPS = ("create", "noop", "preview", "refresh", "stop", "start", "stop_warm", "start_warm",
                "noop_par", "stop_par", "start_par", "fresh_create", "fresh_noop", "fresh_stop")
# (command, the no-op `up` it is measured above)
OVER_FLOOR = (("create", "noop"), ("stop", "noop"), ("start", "noop"), ("stop_warm", "noop"), ("start_warm", "noop"),
              ("stop_par", "noop_par"), ("start_par", "noop_par"),
              ("fresh_create", "fresh_noop"), ("fresh_stop", "fresh_noop"))
CALL_OPS = (("create", "create"), ("start", "start (false→true)"), ("stop", "stop (true→false)"),
            ("noop", "no-op up"), ("preview", "preview"), ("refresh", "refresh"))


@dataclass
class SizeSummary:
    """Medians over the repetitions of one size; ratios are taken per repetition first."""

    n: int
    t: float
    runs: list[SizeRun]
    wall: dict[str, Optional[float]] = field(default_factory=dict)
    derived: dict[str, Optional[float]] = field(default_factory=dict)
    calls: dict[str, tuple[Optional[float], Optional[float]]] = field(default_factory=dict)
    max_mutating: dict[str, int] = field(default_factory=dict)
    transitions: list[Transition] = field(default_factory=list)
    memory_kib: Optional[float] = None
    trivial_memory_kib: Optional[float] = None

    @classmethod
    def of(cls, n: int, t: float, runs: list[SizeRun]) -> "SizeSummary":
        s = cls(n=n, t=t, runs=runs)
        names = {name for run in runs for name in run.ops}
        for name in names:
            s.wall[name] = median(run.ops[name].wall_s for run in runs if name in run.ops)

        def per_run(fn: Callable[[SizeRun], Optional[float]]) -> Optional[float]:
            return median(fn(run) for run in runs)

        def over(op_name: str, floor: str) -> Callable[[SizeRun], Optional[float]]:
            def difference(run: SizeRun) -> Optional[float]:
                if op_name not in run.ops or floor not in run.ops:
                    return None
                return run.ops[op_name].wall_s - run.ops[floor].wall_s
            return difference

        def in_t(fn: Callable[[SizeRun], Optional[float]]) -> Callable[[SizeRun], Optional[float]]:
            def ratio(run: SizeRun) -> Optional[float]:
                value = fn(run)
                return None if value is None else value / t
            return ratio

        def preview_ratio(run: SizeRun) -> Optional[float]:
            return run.ops["preview"].wall_s / run.ops["trivial_preview"].wall_s

        s.derived["preview_ratio"] = per_run(preview_ratio)
        for op_name, floor in OVER_FLOOR:
            s.derived[f"{op_name}_over"] = per_run(over(op_name, floor))
            s.derived[f"{op_name}_x"] = per_run(in_t(over(op_name, floor)))

        for name in NOTEBOOK_OPS:
            present = [run.ops[name] for run in runs if name in run.ops]
            if present:
                counts = [op.counts() for op in present]
                s.calls[name] = (median(c[0] for c in counts), median(c[1] for c in counts))
                s.max_mutating[name] = max(c[0] for c in counts)
                for op in present:
                    s.transitions += transitions(op)
        s.memory_kib = median(
            max((op.peak_kib or 0 for name, op in run.ops.items() if name in NOTEBOOK_OPS), default=0) or None
            for run in runs)
        s.trivial_memory_kib = median(
            max((op.peak_kib or 0 for name, op in run.ops.items() if name.startswith("trivial")), default=0) or None
            for run in runs)
        return s

    def latencies(self, warm: Optional[bool] = None) -> list[Optional[int]]:
        """Detection latencies of the cold (`warm=False`) or warm transitions, or of all."""
        return [t.latency_ms for t in self.transitions if warm is None or t.warm is warm]

    @property
    def polls(self) -> list[int]:
        return [t.polls for t in self.transitions]

    @property
    def undetected(self) -> int:
        return sum(1 for latency in self.latencies() if latency is None)


# ---- the table --------------------------------------------------------------------------------


def _num(value: Optional[float], digits: int = 2, suffix: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def _calls(s: SizeSummary, op: str) -> str:
    if op not in s.calls:
        return "–"
    mutating, reads = s.calls[op]
    assert mutating is not None and reads is not None
    return f"{mutating:g} / {reads:g} ({mutating / s.n:.3g} / {reads / s.n:.3g})"


def table_rows(summaries: list[SizeSummary], parallel: int) -> list[tuple[str, list[str]]]:
    """(label, one cell per size): the one table, built once for the terminal and the docs."""
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, cell: Callable[[SizeSummary], str]) -> None:
        rows.append((label, [cell(s) for s in summaries]))

    def wall(key: str) -> Callable[[SizeSummary], str]:
        return lambda s: _num(s.wall.get(key))

    def derived(key: str, suffix: str = "") -> Callable[[SizeSummary], str]:
        return lambda s: _num(s.derived.get(key), suffix=suffix)

    def calls(key: str) -> Callable[[SizeSummary], str]:
        return lambda s: _calls(s, key)

    row("preview, unchanged notebooks (s)", wall("preview"))
    row("preview, N trivial resources: engine floor (s)", wall("trivial_preview"))
    row("preview ratio notebooks / floor", derived("preview_ratio", "x"))
    row("up, no-op: engine floor (s)", wall("noop"))
    for key, label in flip_labels(parallel):
        row(f"{label} (s)", wall(key))
        if not key.endswith("noop_par") and key != "fresh_noop":
            row(f"{label} − no-op up (s)", derived(f"{key}_over"))
            row(f"{label} − no-op up, ÷ T", derived(f"{key}_x", "x"))
    for label, warm in (("all", None), ("cold (first of its kind)", False), ("warm (learned)", True)):
        row(f"detection latency, {label}: median / p95 (ms)", partial(latency_cell, warm=warm))
    row("polls per transition, median / max",
        lambda s: "–" if not s.polls else f"{median(s.polls):g} / {max(s.polls)}")
    if any(s.undetected for s in summaries):
        row("transitions no read saw before `up` ended", lambda s: str(s.undetected))
    for key, label in CALL_OPS:
        row(f"API calls, {label}: mutating / reads (per notebook)", calls(key))
    row("peak memory, notebook provider process (MiB)",
        lambda s: _num(None if s.memory_kib is None else s.memory_kib / 1024, 1))
    row("peak memory, trivial provider process (MiB)",
        lambda s: _num(None if s.trivial_memory_kib is None else s.trivial_memory_kib / 1024, 1))
    return rows


def flip_labels(parallel: int) -> list[tuple[str, str]]:
    """(command, label) of the timed `up` rows, in table order."""
    labels = [("create", "up, create"), ("stop", "up, first flip true→false"), ("start", "up, first flip false→true"),
              ("stop_warm", "up, second flip true→false"), ("start_warm", "up, second flip false→true")]
    if parallel:
        tag = f"PULUMI_PARALLEL={parallel}"
        labels += [("noop_par", f"up, no-op, {tag}"),
                   ("stop_par", f"up, flip true→false, {tag}"), ("start_par", f"up, flip false→true, {tag}"),
                   ("fresh_create", f"fresh fleet: up, create, {tag}"),
                   ("fresh_noop", f"fresh fleet: up, no-op, {tag}"),
                   ("fresh_stop", f"fresh fleet: up, first flip true→false, {tag}")]
    return labels


def latency_cell(s: SizeSummary, warm: Optional[bool]) -> str:
    """Median / p95 of one class of transitions, with the share of T and how many there were."""
    values = [v for v in s.latencies(warm) if v is not None]
    if not values:
        return "–"
    mid, p95 = median(values), percentile(values, 95)
    assert mid is not None and p95 is not None
    return f"{mid:.0f} / {p95:.0f} ({mid / (s.t * 1000):.0%} of T, {len(values)} transitions)"


def render_table(summaries: list[SizeSummary], parallel: int) -> str:
    rows = table_rows(summaries, parallel)
    header = ["figure (median)", *[f"N={s.n}" for s in summaries]]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * len(summaries)) + "|"]
    lines += ["| " + " | ".join([label, *cells]) + " |" for label, cells in rows]
    return "\n".join(lines)


# ---- targets ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    target: str
    met: Optional[bool]  # None: not measured in this run
    figure: str

    def line(self) -> str:
        word = {True: "met", False: "MISSED", None: "not measured"}[self.met]
        return f"- **{word}**: {self.target}: {self.figure}"


def verdicts(summaries: list[SizeSummary], parallel: int, parallel_size: int, nproc: int) -> list[Verdict]:
    by_n = {s.n: s for s in summaries}
    out: list[Verdict] = []

    def flip_worst(s: SizeSummary, suffix: str) -> tuple[Optional[float], str]:
        stop, start = s.derived.get(f"stop{suffix}_x"), s.derived.get(f"start{suffix}_x")
        if stop is None or start is None:
            return None, "not measured"
        return max(stop, start), f"true→false {stop:.2f}x T, false→true {start:.2f}x T"

    cores = f" ({nproc} cores here)" if nproc != 2 else ""
    target = (f"{FLIP_TARGET_SIZE}-notebook flip, default engine settings, on 2 cores: "
              f"up − no-op up ≤ {FLIP_LIMIT_X}x T{cores}")
    if FLIP_TARGET_SIZE in by_n:
        worst, figure = flip_worst(by_n[FLIP_TARGET_SIZE], "")
        out.append(Verdict(target, None if worst is None else worst <= FLIP_LIMIT_X, figure))
    else:
        out.append(Verdict(target, None, f"N={FLIP_TARGET_SIZE} not in --sizes"))

    target = f"{FLEET_TARGET_SIZE}-notebook flip with PULUMI_PARALLEL={parallel}: up − no-op up ≤ {FLIP_LIMIT_X}x T"
    if parallel and parallel_size == FLEET_TARGET_SIZE and FLEET_TARGET_SIZE in by_n:
        worst, figure = flip_worst(by_n[FLEET_TARGET_SIZE], "_par")
        out.append(Verdict(target, None if worst is None else worst <= FLIP_LIMIT_X, figure))
    else:
        out.append(Verdict(target, None, f"no PULUMI_PARALLEL flip at N={FLEET_TARGET_SIZE} in this run"))

    target = (f"unchanged {FLEET_TARGET_SIZE}-notebook preview ≤ {PREVIEW_LIMIT_X}x the engine floor, "
              "0 mutating calls, ≤ 1 read per notebook")
    s = by_n.get(FLEET_TARGET_SIZE)
    if s is not None and s.derived.get("preview_ratio") is not None:
        ratio = s.derived["preview_ratio"]
        assert ratio is not None
        mutating = s.max_mutating.get("preview", 0)
        reads = s.calls["preview"][1] or 0
        met = ratio <= PREVIEW_LIMIT_X and mutating == 0 and reads / s.n <= 1
        out.append(Verdict(target, met, f"{ratio:.2f}x, {mutating} mutating, {reads / s.n:.2f} reads per notebook "
                                         f"({reads:g} in all)"))
    else:
        out.append(Verdict(target, None, f"N={FLEET_TARGET_SIZE} not in --sizes"))

    out.append(fresh_flip_verdict(by_n, parallel, parallel_size))
    for warm in (None, False, True):
        out.append(detection_verdict(summaries, warm))

    worst_noop = max((s.max_mutating.get(name, 0) for s in summaries for name in ("noop", "noop_par")), default=0)
    out.append(Verdict("no-op up: 0 mutating calls", worst_noop == 0,
                       f"at most {worst_noop} mutating calls in any no-op up (all sizes and runs)"))
    return out


def fresh_flip_verdict(by_n: dict[int, SizeSummary], parallel: int, parallel_size: int) -> Verdict:
    """The first flip of a newly created fleet: no notebook has a duration to expect yet."""
    target = (f"a fresh {FLEET_TARGET_SIZE}-notebook fleet's first flip with PULUMI_PARALLEL={parallel}: "
              f"up − no-op up ≤ {FLIP_LIMIT_X}x T")
    s = by_n.get(FLEET_TARGET_SIZE)
    x = s.derived.get("fresh_stop_x") if s is not None and parallel and parallel_size == FLEET_TARGET_SIZE else None
    if s is None or x is None:
        return Verdict(target, None, f"no fresh-fleet flip at N={FLEET_TARGET_SIZE} in this run")
    return Verdict(target, x <= FLIP_LIMIT_X, f"true→false {x:.2f}x T ({s.derived['fresh_stop_over']:.2f} s)")


def detection_verdict(summaries: list[SizeSummary], warm: Optional[bool]) -> Verdict:
    """Detection latency and polls, pooled over every size, for all transitions or one class of them."""
    t = summaries[0].t
    which = {None: "", False: ", cold transitions (first of their kind)", True: ", warm transitions (learned)"}[warm]
    chosen = [tr for s in summaries for tr in s.transitions if warm is None or tr.warm is warm]
    latencies = [tr.latency_ms for tr in chosen]
    polls = [tr.polls for tr in chosen]
    target = (f"detection latency{which} median ≤ {DETECTION_LIMIT_FRACTION:.0%} of T "
              f"({DETECTION_LIMIT_FRACTION * t * 1000:.0f} ms), ≤ {POLLS_LIMIT} polls per transition")
    mid = median(latencies)
    if mid is None or not polls:
        return Verdict(target, None, "no transition measured")
    undetected = sum(1 for latency in latencies if latency is None)
    met = mid <= DETECTION_LIMIT_FRACTION * t * 1000 and max(polls) <= POLLS_LIMIT and not undetected
    figure = (f"median {mid:.0f} ms ({mid / (t * 1000):.0%} of T), p95 {percentile(latencies, 95):.0f} ms, "
              f"polls median {median(polls):g}, max {max(polls)}, over {len(latencies)} transitions (all sizes)")
    if undetected:
        figure += f"; {undetected} transitions not seen by any read"
    return Verdict(target, met, figure)


# ---- report -----------------------------------------------------------------------------------


def plot(summaries: list[SizeSummary], parallel: int) -> bytes:
    """Flip time above the engine floor vs N, against the physical limit T (and the 1.5x target), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = summaries[0].t
    ns = [s.n for s in summaries]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    def points(key: str) -> tuple[list[int], list[float]]:
        present = [(s.n, value) for s in summaries if (value := s.derived.get(key)) is not None]
        return [p[0] for p in present], [p[1] for p in present]

    for key, label, marker in (("stop_over", "first flip true→false", "o"),
                               ("start_over", "first flip false→true", "s"),
                               ("stop_warm_over", "second flip true→false", "x"),
                               ("start_warm_over", "second flip false→true", "+")):
        xs, ys = points(key)
        if xs:
            ax.plot(xs, ys, marker=marker, label=label)
    for key, label, marker in (("stop_par_over", "flip true→false", "^"), ("start_par_over", "flip false→true", "v"),
                               ("fresh_stop_over", "fresh fleet's first flip", "D")):
        xs, ys = points(key)
        if xs:
            ax.plot(xs, ys, marker=marker, linestyle="none", markersize=9,
                    label=f"{label}, PULUMI_PARALLEL={parallel}")
    ax.axhline(t, color="black", linewidth=1, label=f"transition time T = {t:g} s (limit)")
    ax.axhline(FLIP_LIMIT_X * t, color="grey", linewidth=1, linestyle="--", label=f"target {FLIP_LIMIT_X:g}x T")
    ax.set_xlabel("notebooks in the stack (N)")
    ax.set_ylabel("up wall time − no-op up (s)")
    ax.set_title("Notebook run-state flip: time above the engine floor (medians)")
    ax.set_xticks(ns)
    highest = max([FLIP_LIMIT_X * t] + [v for s in summaries for k, v in s.derived.items()
                                        if k.endswith("_over") and "create" not in k and v is not None])
    ax.set_ylim(0, highest * 1.15)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", metadata={"Source": PLOT_SOURCE})
    plt.close(fig)
    return png.getvalue()


def markdown(facts: dict[str, str], invoked: str, effective: str, started: _dt.datetime, elapsed_s: float,
             table: str, verdict_lines: list[str], runs: int, t: float, plot_name: Optional[str],
             tree: gitstate.TreeState) -> str:
    machine = "\n".join(f"| {key} | {value} |" for key, value in facts.items())
    parts = [
        "# Benchmarks",
        "",
        *(gitstate.dirty_banner(tree) if tree.dirty else []),
        f"Measured at commit `{tree.describe()}`. {REPORT_MARKER}; do not edit by hand, "
        "run `make bench-fleet` again (what each figure means: [bench/README.md](../bench/README.md)).",
        "",
        "## Machine",
        "",
        "| fact | value |",
        "|---|---|",
        machine,
        "",
        "## Command",
        "",
        "```sh",
        invoked,
        "```",
        "",
        f"Effective: `{effective}`. Started {started.strftime('%Y-%m-%d %H:%M:%S %Z').strip()}, took "
        f"{elapsed_s / 60:.1f} min. Each cell is the median of {runs} run(s); ratios and differences are "
        f"taken within one run first. T = {t:g} s.",
        "",
        "## Results",
        "",
        table,
        "",
        "## Targets",
        "",
        *verdict_lines,
        "",
    ]
    if plot_name:
        parts += ["## Flip time vs fleet size", "", f"![flip time above the engine floor vs N]({plot_name})", ""]
    return "\n".join(parts)


# ---- main -------------------------------------------------------------------------------------


PLOT_NAME = "bench-flip.png"
REPORT_NAME = "bench-fleet.md"
# What the benchmark puts in its own report and plot: only files carrying it are replaced without --force.
REPORT_MARKER = "Generated by `bench/run.py`"
PLOT_SOURCE = "modelarts-notebooks bench/run.py"


def _own_report(data: bytes) -> bool:
    return containing(REPORT_MARKER)(data)


def _own_plot(docs_dir: Path) -> Owned:
    """The plot is ours when it carries PLOT_SOURCE, or when our own report beside it shows it."""
    def owned(data: bytes) -> bool:
        if containing(PLOT_SOURCE)(data):
            return True
        report = docs_dir / REPORT_NAME
        shown = report.is_file() and _own_report(report.read_bytes()) and f"]({PLOT_NAME})" in report.read_text()
        return shown
    return owned


def check_outputs(args: argparse.Namespace) -> None:
    """Raise FileRefused before any measuring when a file the run would write is not the benchmark's own."""
    if args.json:
        check_writable(args.json, force=args.force)
    if args.write_docs:
        check_writable(args.docs_dir / REPORT_NAME, force=args.force, owned=_own_report)
        check_writable(args.docs_dir / PLOT_NAME, force=args.force, owned=_own_plot(args.docs_dir))


def report_paths(args: argparse.Namespace) -> list[Path]:
    """What a run writes: never counted as a change to the measured tree."""
    return [args.docs_dir / REPORT_NAME, args.docs_dir / PLOT_NAME, *([args.json] if args.json else [])]


def tree_for_report(args: argparse.Namespace, before: Optional[gitstate.TreeState] = None
                    ) -> tuple[Optional[gitstate.TreeState], Optional[str]]:
    """The tree the report is stamped with, or why no report may be written.

    A dirty tree (or one that changed while the benchmark ran) writes no report
    unless BENCH_ALLOW_DIRTY=1, and then one marked as not a release figure.
    """
    tree = gitstate.tree_state(ROOT, report_paths(args))
    if before is not None and tree != before:
        if not gitstate.allow_dirty():
            return None, (f"bench: the tree changed while the benchmark ran (was {before.describe()}, now "
                          f"{tree.describe()}); no report written")
        tree = gitstate.TreeState(tree.commit, tree.changed or ("(changed during the run)",))
    if args.write_docs and tree.dirty and not gitstate.allow_dirty():
        return None, gitstate.refusal(tree)
    return tree, None


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    tree, refused = tree_for_report(args)
    if refused or tree is None:
        print(refused, file=sys.stderr)
        return 2
    try:
        check_outputs(args)
    except FileRefused as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    if args.write_docs:
        ensure_matplotlib()
    started = _dt.datetime.now().astimezone()
    clock = time.perf_counter()
    bin_dir = harness.pulumi_bin()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PULUMI_SKIP_UPDATE_CHECK": "true"}
    facts = {**harness.machine_facts(env), "commit": tree.describe()}
    invoked, effective = invoked_command(), effective_command(args)

    def progress(message: str) -> None:
        print(f"bench [{time.perf_counter() - clock:7.1f}s] {message}", file=sys.stderr, flush=True)

    progress(f"{effective}")
    emulator = Emulator(transition_seconds=args.transition_seconds,
                        extra_args=("--max-notebooks", str(max(100, args.sizes[-1] + 10))))
    runs: dict[int, list[SizeRun]] = {n: [] for n in args.sizes}
    try:
        # Repetitions outside, sizes inside: slow drift on the machine spreads over every size.
        for k in range(args.runs):
            for n in args.sizes:
                progress(f"run {k + 1}/{args.runs}, N={n}")
                runs[n].append(run_size(emulator, bin_dir, n, args.transition_seconds,
                                        parallel=args.parallel if args.parallel and n == args.parallel_size else None,
                                        progress=progress))
    except RuntimeError as error:
        # A failed or hung command: its output says why; no table from a partial run.
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        emulator.stop()
    elapsed = time.perf_counter() - clock

    return publish(args, tree, facts, (invoked, effective), started, elapsed, runs)


def publish(args: argparse.Namespace, tree: gitstate.TreeState, facts: dict[str, str], commands: tuple[str, str],
            started: _dt.datetime, elapsed: float, runs: dict[int, list[SizeRun]]) -> int:
    """Print the table and the targets; write the report if the tree still allows it."""
    invoked, effective = commands
    summaries = [SizeSummary.of(n, args.transition_seconds, runs[n]) for n in args.sizes]
    table = render_table(summaries, args.parallel)
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)
    verdict_lines = [v.line() for v in verdicts(summaries, args.parallel, args.parallel_size, nproc)]

    print()
    print(f"{effective}  (T = {args.transition_seconds:g} s, medians of {args.runs} run(s), "
          f"{facts['nproc']} cores, {elapsed / 60:.1f} min)")
    print()
    print(table)
    print()
    print("Targets")
    print("\n".join(verdict_lines))

    def report(final: gitstate.TreeState) -> str:
        return markdown({**facts, "commit": final.describe()}, invoked, effective, started, elapsed, table,
                        verdict_lines, args.runs, args.transition_seconds, PLOT_NAME, final)

    try:
        return write_outputs(args, tree, summaries, [run for n in args.sizes for run in runs[n]], report)
    except (FileRefused, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2


def write_outputs(args: argparse.Namespace, tree: gitstate.TreeState, summaries: list[SizeSummary],
                  runs: list[SizeRun], report: Callable[[gitstate.TreeState], str]) -> int:
    """The raw figures, the report and the plot, each only where the rule allows (checked again: time passed)."""
    if args.json:
        print(f"bench: {write_file(args.json, harness.dumps(runs), force=args.force)}")
    if not args.write_docs:
        return 0
    final, refused = tree_for_report(args, before=tree)
    if refused or final is None:
        print(refused, file=sys.stderr)
        return 2
    check_outputs(args)
    args.docs_dir.mkdir(parents=True, exist_ok=True)
    own_plot = _own_plot(args.docs_dir)  # judged before the report beside it changes
    wrote_plot = write_file(args.docs_dir / PLOT_NAME, plot(summaries, args.parallel), force=args.force,
                            owned=own_plot)
    wrote_report = write_file(args.docs_dir / REPORT_NAME, report(final), force=args.force, owned=_own_report)
    for line in (wrote_report, wrote_plot):
        print(f"bench: {line}" + (" (DIRTY TREE, not a release figure)" if final.dirty else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
