"""`make bench-plugin`: the provider plugin against the dynamic resource, on the real engine.

Both front ends run the same core, from Python programs (the plugin through the
SDK generated from its schema, the dynamic resource through `provider.Notebook`),
so the difference is the front end and its process: the plugin's own gRPC server
and interpreter versus the SDK's dynamic-provider server.

Per front end, `--runs` repetitions of one notebook's create (`up`), flip
(`running` true -> false, `up`) and destroy, each timed as the whole CLI command,
and the medians printed. Then, through the plugin, a fleet of `--fleet` notebooks
is created and flipped with `PULUMI_PARALLEL` set (`--parallel`): each flip's wall
time, and above the stack's no-op `up`, as a multiple of the emulator's transition
time T (1.0x is every transition overlapping). The figures are reported, never
asserted. The tarball and SDKs come from the same cache the tests use.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulator.testing import PulumiStack  # noqa: E402
from testkit import VENV_PYTHON  # noqa: E402
from testkit.emulators import CPU_FLAVOR, IMAGE_ID, Emulator  # noqa: E402
from testkit.plugins import Built, PluginStack, built_plugin  # noqa: E402
from testkit.projects import PulumiProject, pulumi_bin_dir  # noqa: E402

PLUGIN_PROGRAM = '''
import pulumi
import pulumi_modelarts as modelarts

for key, spec in pulumi.Config().require_object("notebooks").items():
    nb = modelarts.Notebook(key, **spec)
    pulumi.export(key, {"id": nb.notebook_id, "status": nb.status})
'''


def spec(name: str, running: bool) -> dict:
    return {"name": name, "flavor": CPU_FLAVOR, "image_id": IMAGE_ID,
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}, "running": running}


def fleet(prefix: str, n: int, running: bool) -> str:
    return json.dumps({f"nb{i:02d}": spec(f"{prefix}-{i:02d}", running) for i in range(n)})


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def plugin_stack(work: Path, bin_dir: str, emulator: Emulator, built: Built) -> PluginStack:
    project = work / "project"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text(
        "name: bench-plugin\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {VENV_PYTHON.parent.parent}\n")
    (project / "__main__.py").write_text(PLUGIN_PROGRAM)
    return PluginStack(project, work, bin_dir, emulator, built, env={"PYTHONPATH": str(built.python_site)})


def one_notebook(stack: PulumiStack, name: str, runs: int, emulator: Emulator, t: float) -> dict[str, float]:
    """Medians of create, flip true -> false and destroy of one notebook."""
    figures: dict[str, list[float]] = {"create": [], "flip": [], "destroy": []}
    for run in range(runs):
        emulator.reset(transition_seconds=t, max_notebooks=50)
        stack.config("notebooks", fleet(f"{name}{run}", 1, True))
        figures["create"].append(timed(stack.up))
        stack.config("notebooks", fleet(f"{name}{run}", 1, False))
        figures["flip"].append(timed(stack.up))
        figures["destroy"].append(timed(stack.destroy))
    return {key: statistics.median(values) for key, values in figures.items()}


def fleet_flip(stack: PluginStack, n: int, parallel: int) -> dict[str, float]:
    """A fleet of N through the plugin with PULUMI_PARALLEL: create, no-op up, both flips."""
    stack.env["PULUMI_PARALLEL"] = str(parallel)
    stack.config("notebooks", fleet("fleet", n, True))
    figures = {"create": timed(stack.up), "noop": timed(stack.up)}
    stack.config("notebooks", fleet("fleet", n, False))
    figures["flip true->false"] = timed(stack.up)
    stack.config("notebooks", fleet("fleet", n, True))
    figures["flip false->true"] = timed(stack.up)
    stack.destroy()
    return figures


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/plugin.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the one-notebook figures (default 3)")
    parser.add_argument("--transition-seconds", type=float, default=5.0, help="T, each transient status (default 5)")
    parser.add_argument("--fleet", type=int, default=30, help="notebooks in the fleet flip (default 30; 0 skips it)")
    parser.add_argument("--parallel", type=int, default=64, help="PULUMI_PARALLEL of the fleet flip (default 64)")
    args = parser.parse_args(argv)
    bin_dir, built = pulumi_bin_dir(), built_plugin()
    t = args.transition_seconds
    emulator = Emulator(transition_seconds=t, clock="wall")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-plugin-") as tmp:
            work = Path(tmp)
            plugin = one_notebook(plugin_stack(work / "plugin", bin_dir, emulator, built), "pl", args.runs, emulator, t)
            dynamic_stack = PulumiProject(work / "dynamic" / "project", bin_dir, emulator)
            dynamic = one_notebook(dynamic_stack, "dy", args.runs, emulator, t)
            fleet_figures: dict[str, float] = {}
            if args.fleet:
                emulator.reset(transition_seconds=t, max_notebooks=args.fleet + 10)
                fleet_stack = plugin_stack(work / "fleet", bin_dir, emulator, built)
                fleet_figures = fleet_flip(fleet_stack, args.fleet, args.parallel)
    finally:
        emulator.stop()
    print(f"one notebook, medians of {args.runs}, T = {t:g} s (wall time of the CLI command)")
    print(f"{'':10}{'plugin':>10}{'dynamic':>10}{'ratio':>8}")
    for key in ("create", "flip", "destroy"):
        print(f"{key:10}{plugin[key]:9.2f}s{dynamic[key]:9.2f}s{plugin[key] / dynamic[key]:7.2f}x")
    if fleet_figures:
        noop = fleet_figures["noop"]
        print(f"\n{args.fleet} notebooks through the plugin, PULUMI_PARALLEL={args.parallel}, one run")
        for key, seconds in fleet_figures.items():
            above = "" if key == "noop" else (
                f"   ({(seconds - noop) / t:.2f}x T above the no-op up, {seconds / t:.2f}x T)")
            print(f"{key:18}{seconds:7.2f}s{above}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
