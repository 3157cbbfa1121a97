"""Test support: the emulator as a real process, and Pulumi projects run by the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from emulator.control import stack_config
from emulator.testing import PulumiResult, PulumiStack, RunningEmulator

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = Path(sys.executable)
PROJECT_ID = "0123456789abcdef0123456789abcdef"
ACCESS_KEY = "emulator-ak"
SECRET_KEY = "emulator-sk"
USERNAME = "emulator-user"
PASSWORD = "emulator-password"
DOMAIN = "emulator-domain"
CPU_FLAVOR = "modelarts.vm.cpu.2u"
BIG_CPU_FLAVOR = "modelarts.vm.cpu.8u"
IMAGE_ID = "e1a07296-22a8-4f05-8bc8-e936c8e54090"
# How far each API request moves the emulator's driven time when the code under test
# runs on the wall clock (the engine's provider process, scripts): one transition, so
# an action is complete at the first poll after it (progression by reads).
REQUEST_TICK_SECONDS = 0.3


class Emulator(RunningEmulator):
    """`python -m emulator` on a free loopback port, on driven time, controlled through /_emulator/."""

    profile = "lenient"  # the reading it plays (tests/profiles.py sets it per test)

    def __init__(self, transition_seconds: float = 0.3, extra_args: tuple[str, ...] = ()) -> None:
        super().__init__(transition_seconds=transition_seconds, extra_args=extra_args, clock="driven")

    def reset(self, *, tick_seconds: Optional[float] = REQUEST_TICK_SECONDS, **config: Any) -> None:
        """As started, with the test defaults; each API request moves time by `tick_seconds`
        (0: time moves only when a test or a `driven_clock()` says so)."""
        super().reset(tick_seconds=tick_seconds, **config)


@contextmanager
def running_emulator(*extra_args: str) -> Iterator[Emulator]:
    emulator = Emulator(extra_args=extra_args)
    try:
        yield emulator
    finally:
        emulator.stop()


def pulumi_bin_dir() -> str:
    """The CLI directory from the project's own set-up script (cached after the first build)."""
    result = subprocess.run([str(ROOT / "tools" / "ensure-pulumi.sh")], capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


Result = PulumiResult


ENGINE_PROGRAM = '''
import pulumi
from provider import Notebook

config = pulumi.Config()
for key, kwargs in config.require_object("notebooks").items():
    notebook = Notebook(key, **kwargs)
    pulumi.export(key, {
        "notebook_id": notebook.notebook_id, "status": notebook.status, "url": notebook.url,
        "volume": notebook.volume, "running": notebook.running, "flavor": notebook.flavor,
        "token": notebook.token, "lease": notebook.lease,
    })
'''


class PulumiProject(PulumiStack):
    """A throwaway Pulumi project on a local file backend, driven by the real `pulumi` CLI,
    running this checkout's code from the test venv."""

    PASSPHRASE = PulumiStack.PASSPHRASE

    def __init__(self, workdir: Path, bin_dir: str, emulator: Emulator, *, auth: str = "aksk",
                 program: str = ENGINE_PROGRAM, stack: str = "test") -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "Pulumi.yaml").write_text(
            "name: nbtest\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
            f"    virtualenv: {VENV_PYTHON.parent.parent}\n"
        )
        (workdir / "__main__.py").write_text(program)
        self.emulator = emulator
        super().__init__(workdir, workdir, config=stack_config(emulator.url, auth=auth), stack=stack,
                         env={"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT)})

    def declare(self, **notebooks: dict) -> None:
        """Set the program's notebooks: resource name -> Notebook keyword arguments."""
        self.config("notebooks", json.dumps(notebooks))


def notebook_spec(name: str = "nb-test", running: object = True, **extra: Any) -> dict:
    spec = {
        "name": name,
        "flavor": CPU_FLAVOR,
        "image_id": IMAGE_ID,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
        "running": running,
    }
    spec.update(extra)
    return spec
