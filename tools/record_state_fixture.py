"""Record the state-compatibility fixture of this release: a stack brought up by the
real engine against the emulator, saved as `pulumi stack export` plus the emulator's
inventory it refers to, into tests/fixtures/state/<version>/.

    venv/bin/python tools/record_state_fixture.py

Run it once per release (the release steps are in docs/releasing.md); the fixtures of
earlier releases stay, and tests/engine/test_state_compat.py loads every one.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from provider import __version__  # noqa: E402
from testkit.emulators import Emulator  # noqa: E402
from testkit.projects import PulumiProject, pulumi_bin_dir  # noqa: E402
from testkit.state_fixture import DECLARED, FIXTURES  # noqa: E402


def main() -> int:
    out = FIXTURES / __version__
    out.mkdir(parents=True, exist_ok=True)
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
        (out / "stack.json").write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        (out / "inventory.json").write_text(json.dumps(emulator.save_inventory(), indent=2, sort_keys=True) + "\n")
    finally:
        emulator.stop()
    print(f"recorded {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
