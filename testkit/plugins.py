"""The provider plugin as programs get it: the tarball `make plugin` builds and the SDKs
`make sdks` generates, built once per content of what goes into them and kept in the
per-user cache, so a second test session (or another checkout at the same commit) reuses them.

Each test installs the tarball into its own PULUMI_HOME with `pulumi plugin install`.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from emulator.testing import PulumiResult, PulumiStack
from testkit import ROOT
from testkit.emulators import Emulator

VERSION = next(line.split('"')[1] for line in (ROOT / "provider" / "__init__.py").read_text().splitlines()
               if line.startswith("__version__"))
NOTEBOOK_TYPE = "modelarts:index:Notebook"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "modelarts-notebooks" / "plugin-builds"
PRUNE_AFTER_SECONDS = 86400.0
# What the tarball and the SDKs are made of: a change to any of these makes a new build.
SOURCES = ("provider", "components", "emulator", "pyproject.toml", "requirements.txt", "tools/build-dist.sh",
           "tools/build-plugin.sh", "tools/build-sdks.sh", "tools/plugin", "tools/sdkgen", "tools/ensure-sdkgen.sh")


@dataclass(frozen=True)
class Built:
    tarball: Path
    sdk: Path  # dist/sdk as `make sdks` lays it out
    python_site: Path  # the Python SDK's wheel installed here (PYTHONPATH for a program)


def content_key() -> str:
    """A hash of every file `git` knows (tracked or new, not ignored) under SOURCES."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *SOURCES],
                            cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    digest = hashlib.sha256()
    for name in sorted(n for n in listed if n):
        path = ROOT / name.decode()
        if path.is_file():
            digest.update(name + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _run(args: list[str]) -> None:
    completed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    if completed.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")


@functools.cache
def built_plugin() -> Built:
    """`make plugin` and `make sdks` of this checkout's content, from the cache when built before."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = content_key()
    done = CACHE / key
    with open(CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session building the same content: wait for it
        if not (done / ".complete").exists():
            work = CACHE / f"{key}.building"
            shutil.rmtree(work, ignore_errors=True)
            _run(["bash", str(ROOT / "tools" / "build-plugin.sh"), str(work / "plugin"), sys.executable])
            _run(["bash", str(ROOT / "tools" / "build-sdks.sh"), str(work / "sdk"), sys.executable])
            [wheel] = (work / "sdk").glob("pulumi_modelarts-*.whl")
            _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                  "--target", str(work / "python-site"), str(wheel)])
            (work / ".complete").touch()
            shutil.rmtree(done, ignore_errors=True)
            work.rename(done)
        done.touch()  # in use: the last to be pruned
        _prune(keep=done)
    [tarball] = (done / "plugin").glob("pulumi-resource-modelarts-*.tar.gz")
    return Built(tarball, done / "sdk", done / "python-site")


def _prune(keep: Path, older_than: float = PRUNE_AFTER_SECONDS) -> None:
    """Builds of other contents not used for a day (a test session never lasts that long)."""
    now = time.time()
    for entry in CACHE.iterdir():
        if entry != keep and entry.is_dir() and now - entry.stat().st_mtime > older_than:
            shutil.rmtree(entry, ignore_errors=True)
            (CACHE / f"{entry.name}.lock").unlink(missing_ok=True)


class PluginStack(PulumiStack):
    """A stack of a program that uses the plugin (YAML, or Python on the generated SDK), the
    plugin installed into the stack's own PULUMI_HOME from the tarball."""

    def __init__(self, project_dir: Path, work_dir: Path, bin_dir: str, emulator: Emulator, built: Built,
                 env: Optional[Mapping[str, str]] = None) -> None:
        path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        super().__init__(project_dir, work_dir, config=emulator.config, env={"PATH": path, **(env or {})})
        self.pulumi("plugin", "install", "resource", "modelarts", VERSION, "--file", str(built.tarball))

    def import_notebook(self, name: str, notebook_id: str, *args: str, check: bool = True) -> PulumiResult:
        return self.pulumi("import", NOTEBOOK_TYPE, name, notebook_id, "--yes", *args, check=check)

    def unprotect_all(self) -> None:
        self.pulumi("state", "unprotect", "--all", "--yes")

    def assert_no_changes(self) -> None:
        """The next preview plans nothing (the CLI fails `--expect-no-changes` otherwise)."""
        self.pulumi("preview", "--diff", "--expect-no-changes")


def yaml_program(resources: Mapping[str, Any], outputs: Optional[Mapping[str, str]] = None) -> str:
    return yaml.safe_dump({"name": "plugin-yaml", "runtime": "yaml", "resources": dict(resources),
                           "outputs": dict(outputs or {})}, sort_keys=False)


def seed_notebook(emulator: Emulator, notebook_id: str, name: str, status: str, **fields: Any) -> None:
    """A notebook made elsewhere (not by this stack), put into the emulator with a chosen id."""
    body = {"id": notebook_id, "status": status, "name": name, "flavor": "modelarts.vm.cpu.2u",
            "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54090",
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}, **fields}
    response = emulator.session.post(f"{emulator.url}/_emulator/seed/notebooks", json=body, timeout=10)
    response.raise_for_status()
