"""`make bench-policy` (part of `make bench`): what the policy pack adds to a fleet's preview.

One stack of N notebooks (30 by default) is created once; then `pulumi preview
--diff` of the unchanged fleet runs `--runs` times without the pack and with it
(`--policy-pack policy`, quota raised for the fleet through
`--policy-pack-config`), alternating which goes first, so slow drift on the
machine falls on both. Prints the medians, the difference and the ratio. The
figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402
from harness import BenchProject, Emulator  # noqa: E402

from provider.files import FileRefused, check_writable, write_file  # noqa: E402
from testkit.policy_pack import POLICY_PACK, private_bin  # noqa: E402


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/policy.py", description=__doc__.splitlines()[0])
    p.add_argument("--notebooks", type=int, default=30, help="fleet size (default 30)")
    p.add_argument("--runs", type=int, default=5, help="previews of each kind (default 5)")
    p.add_argument("--json", type=Path, help="write the raw timings to this file (a new one)")
    p.add_argument("--force", action="store_true", help="replace the --json file if it exists")
    return p.parse_args(argv)


def pack_args(work: Path, notebooks: int) -> list[str]:
    config = work / "policy-config.json"
    config.write_text(json.dumps({"notebook-stack-limits": {"max_notebooks": max(10, notebooks)}}))
    return ["--policy-pack", str(POLICY_PACK), "--policy-pack-config", str(config)]


def measure(project: BenchProject, with_pack: list[str], runs: int) -> dict[str, list[float]]:
    walls: dict[str, list[float]] = {"without": [], "with": []}
    for k in range(runs):
        order = [("without", []), ("with", with_pack)]
        for label, extra in order if k % 2 == 0 else reversed(order):
            op = project.timed(f"preview-{label}", ["preview", "--diff", *extra])
            walls[label].append(op.wall_s)
            print(f"bench-policy: run {k + 1}/{runs} {label:7s} pack: {op.wall_s:.2f} s", file=sys.stderr, flush=True)
    return walls


def report(walls: dict[str, list[float]], notebooks: int) -> str:
    without, with_pack = statistics.median(walls["without"]), statistics.median(walls["with"])
    deltas = sorted(w - wo for w, wo in zip(walls["with"], walls["without"], strict=True))
    return "\n".join([
        f"| preview of {notebooks} unchanged notebooks (median of {len(walls['with'])}) | wall |",
        "|---|---|",
        f"| without the policy pack | {without:.2f} s |",
        f"| with `--policy-pack policy` | {with_pack:.2f} s |",
        f"| added by the pack: median of the paired differences | {statistics.median(deltas):+.2f} s |",
        f"| added, difference of the medians | {with_pack - without:+.2f} s ({with_pack / without:.2f}x) |",
        f"| paired differences, min..max | {deltas[0]:+.2f} .. {deltas[-1]:+.2f} s |",
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        if args.json:  # before measuring: a refusal costs nothing
            check_writable(args.json, force=args.force)
    except FileRefused as error:
        print(f"bench-policy: {error}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-policy-"))
    bin_dir = private_bin(harness.pulumi_bin(), work / "bin")
    emulator = Emulator(transition_seconds=0.3, extra_args=("--max-notebooks", str(max(100, args.notebooks + 10))))
    try:
        project = BenchProject(work / "project", bin_dir, emulator)
        project.declare(**harness.notebook_fleet(args.notebooks, running=False))
        started = time.perf_counter()
        project.timed("up", ["up", "--yes", "--skip-preview"], timeout=900)
        print(f"bench-policy: created {args.notebooks} notebooks in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        # One uncounted preview of each kind: the first runs pay for cold caches.
        measure(project, pack_args(work, args.notebooks), 1)
        walls = measure(project, pack_args(work, args.notebooks), args.runs)
    except RuntimeError as error:
        print(f"bench-policy: {error}", file=sys.stderr)
        return 1
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(report(walls, args.notebooks))
    if args.json:
        try:
            print(f"bench-policy: {write_file(args.json, json.dumps(walls, indent=2), force=args.force)}")
        except (FileRefused, OSError) as error:
            print(f"bench-policy: {error}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
