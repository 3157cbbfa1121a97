"""The package as a team gets it: the wheel built from this checkout, installed into
a fresh venv outside the checkout. Built once per test process and shared."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
_CACHE = Path(tempfile.gettempdir()) / f"modelarts-notebooks-wheel-{os.getuid()}"


def _run(args: list[str], cwd: Path, timeout: float = 600) -> str:
    completed = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if completed.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    return completed.stdout


@functools.cache
def built_wheel() -> Path:
    """The wheel `make dist` builds (from a copy of the tracked files, so nothing is written into the checkout)."""
    out = Path(tempfile.mkdtemp(prefix="wheel-", dir=_ensure(_CACHE)))
    _run(["bash", str(ROOT / "tools" / "build-dist.sh"), str(out), sys.executable], cwd=out)
    [wheel] = out.glob("modelarts_notebooks-*.whl")
    return wheel


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def fresh_venv(where: Path, *requirements: str, python: str = sys.executable) -> Path:
    """A new venv at `where` with `requirements` installed by pip; returns its python."""
    _run([python, "-m", "venv", str(where)], cwd=where.parent)
    vpython = where / "bin" / "python"
    _run([str(vpython), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
         cwd=where.parent)
    return vpython


def run_in(vpython: Path, *args: str, cwd: Path) -> str:
    """Run the venv's python with `args` from `cwd` (never the checkout), no PYTHONPATH."""
    return _run([str(vpython), *args], cwd=cwd)


__all__ = ["ROOT", "built_wheel", "fresh_venv", "run_in"]
