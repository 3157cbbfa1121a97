"""Record the state-compatibility fixture of this release: a stack brought up by the
real engine against the emulator, saved as `pulumi stack export` plus the emulator's
inventory it refers to, into tests/fixtures/state/<version>/.

    venv/bin/python tools/record_state_fixture.py [--force]

Run it once per release (the release steps are in docs/releasing.md); the fixtures of
earlier releases stay, and tests/engine/test_state_compat.py loads every one. A
fixture already recorded for this version is left as it is unless `--force`
says to record it again.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from provider import __version__  # noqa: E402
from provider.files import FileRefused, check_writable, write_file  # noqa: E402
from testkit.emulators import Emulator  # noqa: E402
from testkit.projects import PulumiProject, pulumi_bin_dir  # noqa: E402
from testkit.state_fixture import DECLARED, FIXTURES  # noqa: E402


FILES = ("stack.json", "inventory.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="record again over this version's fixture")
    args = parser.parse_args(argv)
    out = FIXTURES / __version__
    try:
        for name in FILES:  # before anything runs: a refusal costs nothing
            check_writable(out / name, force=args.force)
    except FileRefused as error:
        print(f"record_state_fixture: {error}", file=sys.stderr)
        return 2
    stack, inventory = record()
    out.mkdir(parents=True, exist_ok=True)
    for name, data in zip(FILES, (stack, inventory), strict=True):
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        print(f"record_state_fixture: {write_file(out / name, text, force=args.force)}", file=sys.stderr)
    return 0


def record() -> tuple[dict, dict]:
    """The stack export and the emulator inventory of a fresh `up` of the declared notebooks."""
    emulator = Emulator()
    try:
        emulator.reset()
        with tempfile.TemporaryDirectory() as work:
            project = PulumiProject(Path(work) / "project", pulumi_bin_dir(), emulator)
            project.declare(**DECLARED)
            project.up()
            state = json.loads(project.state_text())
        for resource in state["deployment"]["resources"]:
            # Where the program declared it, on this machine: not part of the layout.
            resource.pop("sourcePosition", None)
            resource.pop("stackTrace", None)
        return state, emulator.save_inventory()
    finally:
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
