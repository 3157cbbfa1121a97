"""Running the account tools as `make acceptance` / `make sweep` do, with the OS_* account pointed at the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Optional

from testkit import ROOT
from testkit.emulators import ACCESS_KEY, PROJECT_ID, SECRET_KEY, Emulator

# What a user's shell may hold that must not reach a test run.
ACCOUNT_PREFIXES = ("OS_", "MODELARTS_", "ACCEPTANCE_")


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(ACCOUNT_PREFIXES)}


def account(emulator: Emulator, **extra: str) -> dict[str, str]:
    """The variables a user with an account sets, aimed at the emulator."""
    return {**clean_environment(), "OS_ACCESS_KEY": ACCESS_KEY, "OS_SECRET_KEY": SECRET_KEY,
            "OS_PROJECT_ID": PROJECT_ID, "OS_REGION_NAME": "eu-de", "MODELARTS_ENDPOINT": emulator.url, **extra}


def run_tool(script: str, env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def inject(emulator: Emulator, *rules: dict) -> None:
    emulator.session.post(f"{emulator.url}/_emulator/faults", json={"rules": list(rules)}).raise_for_status()


def seed(emulator: Emulator, name: str, notebook_id: Optional[str] = None) -> str:
    notebook_id = notebook_id or f"seeded-{name}"
    body = {"id": notebook_id, "status": "STOPPED", "name": name, "flavor": "modelarts.vm.cpu.2u",
            "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54090",
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}}
    emulator.session.post(f"{emulator.url}/_emulator/seed/notebooks", json=body, timeout=10).raise_for_status()
    return notebook_id
