"""The project's own test harness, shared by `tests/`, `bench/` and `tools/`.

It builds on what users get with the wheel (`emulator.testing`, `emulator.control`)
and adds what only this repository needs: the emulator on driven time, throwaway
projects running this checkout, the S3-compatible state server, the policy pack's
private CLI folder, the recorded-state fixture and the runner-kill helpers.
It is not installed with the wheel (see `pyproject.toml`'s package list).

- `emulators`: the emulator process on driven time and the service's test constants.
- `projects`: Pulumi projects driven by the real CLI, the programs they run, `notebook_spec`.
- `s3`: a versitygw server on loopback and projects whose state lives in its bucket.
- `state_fixture`: what each release's recorded stack declared.
- `policy_pack`: the CLI with this checkout's launchers, for runs with the policy pack.
- `runners`: kill a CLI run with every plugin process it started.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The interpreter of the venv that runs the harness: the projects' programs run with it too.
VENV_PYTHON = Path(sys.executable)
