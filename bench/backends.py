"""`make bench-backends`: the state backend's cost, file folder vs S3-compatible bucket,
and a nightly stop of 4 stacks through `tools/stack_fleet.py` vs one stack after another.

Starts its own emulator and versitygw on loopback (the same ones the engine tests
use), times each command with the real CLI and prints medians over `--runs`.
The figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.emulators import Emulator  # noqa: E402
from testkit.projects import FLEET_PROGRAM, PulumiProject, notebook_spec, pulumi_bin_dir  # noqa: E402
from testkit.s3 import S3Project, S3Server, versitygw_binary  # noqa: E402

FLEET_STACKS = ("team-a", "team-b", "team-c", "team-d")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(runs: int, action: Callable[[], object]) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def backend_figures(project: PulumiProject, runs: int) -> tuple[float, float]:
    """(no-op up, preview) medians for a stack of one running notebook."""
    project.declare(nb=notebook_spec(name=f"bench-{project.stack}"))
    project.up()
    return median_of(runs, project.up), median_of(runs, project.preview)


def set_running(projects: Sequence[S3Project], running: bool) -> None:
    for project in projects:
        project.pulumi("config", "set", "running", str(running).lower(), "--stack", project.stack)


def sequential_flip(projects: Sequence[S3Project], running: bool) -> None:
    """What a pipeline without the driver does: one stack after another."""
    set_running(projects, running)
    for project in projects:
        project.pulumi("up", "--yes", "--skip-preview", "--stack", project.stack)


def driver_flip(projects: Sequence[S3Project], running: bool) -> None:
    stacks = [part for p in projects for part in ("--stack", p.stack)]
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "stack_fleet.py"), "--work-dir", str(projects[0].dir), *stacks,
         "--parallel", str(len(projects)), "--set", f"running={str(running).lower()}"],
        env=projects[0].env, check=True, capture_output=True, text=True,
    )


def fleet_figures(workdir: Path, bin_dir: str, emulator: Emulator, s3: S3Server, runs: int) -> tuple[float, float]:
    """(driver, sequential) medians of a nightly stop of 4 stacks of one notebook each."""
    projects = []
    for name in FLEET_STACKS:
        project = S3Project(workdir, bin_dir, emulator, program=FLEET_PROGRAM, stack=name, s3=s3, prefix="fleet")
        project.declare(nb=notebook_spec(name=f"nb-{name}"))
        projects.append(project)
    sequential_flip(projects, True)
    driver, sequential = [], []
    for _ in range(runs):
        driver.append(timed(lambda: driver_flip(projects, False)))
        driver_flip(projects, True)
        sequential.append(timed(lambda: sequential_flip(projects, False)))
        driver_flip(projects, True)
    return statistics.median(driver), statistics.median(sequential)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/backends.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (default 3)")
    parser.add_argument("--transition-seconds", type=float, default=2.0, help="length of each transient status")
    args = parser.parse_args(argv)
    bin_dir, gateway = pulumi_bin_dir(), versitygw_binary()
    emulator, s3 = Emulator(transition_seconds=args.transition_seconds, clock="wall"), S3Server(gateway, "bench-state")
    try:
        emulator.reset(transition_seconds=args.transition_seconds, max_notebooks=20)
        with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
            work = Path(tmp)
            file_project = PulumiProject(work / "file", bin_dir, emulator, stack="file")
            file_up, file_preview = backend_figures(file_project, args.runs)
            s3_project = S3Project(work / "s3", bin_dir, emulator, stack="s3", s3=s3, prefix="backends")
            s3_up, s3_preview = backend_figures(s3_project, args.runs)
            driver, sequential = fleet_figures(work / "fleet", bin_dir, emulator, s3, args.runs)
    finally:
        s3.stop()
        emulator.stop()
    print(f"medians of {args.runs}, one notebook per stack, T = {args.transition_seconds:g} s")
    print(f"{'':32}{'file':>8}{'s3':>8}")
    print(f"{'no-op up':32}{file_up:7.2f}s{s3_up:7.2f}s")
    print(f"{'preview':32}{file_preview:7.2f}s{s3_preview:7.2f}s")
    print(f"nightly stop of {len(FLEET_STACKS)} stacks (S3): driver {driver:.2f}s, one after another {sequential:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
