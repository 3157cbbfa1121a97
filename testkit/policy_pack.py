"""Support for runs with the policy pack (engine tests, `make bench-policy`).

The CLI cache is shared by every checkout of the machine, and each checkout's
set-up script rewrites the launchers beside the cached binary. These tests need
this checkout's language host (it is what starts the pack), so they run the
cached binary from a private folder, with this checkout's launchers beside it.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

from . import ROOT

POLICY_PACK = ROOT / "policy"
LAUNCHERS = ("pulumi-resource-pulumi-python", "pulumi-language-python", "find_python.sh")
HOST_FILES = ("language_host.py", "language_runtime.py", "plugin_runner.py")


def private_bin(shared_bin: str, into: Path) -> str:
    """A folder with the cached `pulumi` (a hard link when possible) and this checkout's launchers."""
    into.mkdir(parents=True, exist_ok=True)
    binary = into / "pulumi"
    if not binary.exists():
        try:
            os.link(Path(shared_bin) / "pulumi", binary)
        except OSError:
            shutil.copy2(Path(shared_bin) / "pulumi", binary)
    for name in LAUNCHERS:
        shutil.copy2(ROOT / "tools" / "launchers" / name, into / name)
    for name in HOST_FILES:
        shutil.copy2(ROOT / "tools" / name, into / name)
    return str(into)


@functools.cache
def shared_private_bin(shared_bin: str) -> str:
    """One private folder per test session (the binary is copied when it cannot be linked)."""
    folder = Path(tempfile.mkdtemp(prefix="policy-bin-"))
    atexit.register(shutil.rmtree, folder, True)
    return private_bin(shared_bin, folder / "bin")
