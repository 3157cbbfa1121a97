"""Throwaway Pulumi projects driven by the real `pulumi` CLI, running this checkout's code,
and the programs they run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from emulator.control import stack_config
from emulator.testing import PulumiResult, PulumiStack

from . import ROOT, VENV_PYTHON
from .emulators import CPU_FLAVOR, IMAGE_ID, Emulator

Result = PulumiResult


def pulumi_bin_dir() -> str:
    """The CLI directory from the project's own set-up script (cached after the first build)."""
    result = subprocess.run([str(ROOT / "tools" / "ensure-pulumi.sh")], capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


# One Notebook per entry of the `notebooks` config, every output exported.
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

# The program takes `running` from the stack's config when set: what a nightly stop flips.
FLEET_PROGRAM = '''
import pulumi
from provider import Notebook

config = pulumi.Config()
running = config.get_bool("running")
for key, kwargs in config.require_object("notebooks").items():
    if running is not None:
        kwargs = {**kwargs, "running": running}
    notebook = Notebook(key, **kwargs)
    pulumi.export(key, notebook.status)
'''


class PulumiProject(PulumiStack):
    """A throwaway Pulumi project on a local file backend, driven by the real `pulumi` CLI,
    running this checkout's code from the harness's venv."""

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
    """The keyword arguments of a small CPU notebook, with `extra` on top."""
    spec = {
        "name": name,
        "flavor": CPU_FLAVOR,
        "image_id": IMAGE_ID,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
        "running": running,
    }
    spec.update(extra)
    return spec
