"""Offline tests for your own Pulumi programs: run `pulumi preview` / `up` of a
program directory against the emulator, on a throwaway local state backend.

    from emulator.testing import PulumiStack

    def test_preview(modelarts_emulator, tmp_path):
        stack = PulumiStack.copy_of(Path("infra"), tmp_path, config=modelarts_emulator.config)
        created = stack.preview_creates()
        assert [r["inputs"]["name"] for r in created] == ["team-notebook"]

The fixture `modelarts_emulator` comes with the package's pytest plugin
(`pip install "modelarts-notebooks[emulator]"`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from .control import SECRET_KEYS, EmulatorControl, stack_config
from .process import EmulatorProcess

NOTEBOOK_TYPE_SUFFIX = "modelarts:Notebook"
# Left behind when a program directory is copied: its venv, caches and stack files.
_NOT_COPIED = shutil.ignore_patterns("venv", ".venv", ".git", "__pycache__", ".pytest_cache", "Pulumi.*.yaml")
_VIRTUALENV = re.compile(r"^(\s*virtualenv:\s*)(\S+)\s*$", re.MULTILINE)


def copy_project(project_dir: Path, dest: Path) -> Path:
    """Copy a Pulumi project to `dest` so a test never writes stack files into it;
    a relative `virtualenv` option is made absolute, so the copy runs with the project's venv."""
    source = Path(project_dir).resolve()
    shutil.copytree(source, dest, ignore=_NOT_COPIED)
    manifest = dest / "Pulumi.yaml"

    def absolute(match: re.Match[str]) -> str:
        venv = Path(match.group(2).strip("\"'"))
        return f"{match.group(1)}{venv if venv.is_absolute() else source / venv}"

    manifest.write_text(_VIRTUALENV.sub(absolute, manifest.read_text()))
    return dest


class DrivenClock:
    """A client-side clock for tests against a driven emulator: sleeping moves the emulator's
    time instead of waiting, so a client's waits, polls and back-offs take no wall time and
    see exactly the transitions they drive. It has the `now()`/`sleep()` of the provider's
    clock (`provider.core.clock.Clock`)."""

    def __init__(self, control: EmulatorControl) -> None:
        self._control = control
        self._now = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._now += seconds
        self._control.advance(seconds)


class RunningEmulator(EmulatorControl):
    """An emulator process on a free loopback port, with its support routes at hand.

    `config` is the `modelarts:*` stack configuration that points a program at it.
    """

    def __init__(self, transition_seconds: Optional[float] = None, extra_args: Sequence[str] = (),
                 auth: str = "aksk", clock: str = "wall") -> None:
        self._process = EmulatorProcess([*extra_args, "--clock", clock], transition_seconds=transition_seconds)
        self.process = self._process.process
        self.port = self._process.port
        self._dir = self._process.log_dir
        super().__init__(self._process.url)
        self.config = stack_config(self.url, auth=auth)

    def log_text(self) -> str:
        return self._process.log_text()

    def driven_clock(self) -> DrivenClock:
        """A clock for the code under test whose sleeps drive this emulator's time."""
        return DrivenClock(self)

    def stop(self) -> None:
        self._process.stop()


@dataclass
class PulumiResult:
    """What one CLI command returned and printed."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class PulumiStack:
    """One stack of the Pulumi project in `project_dir`, its state kept under `work_dir`.

    The stack's configuration file is written into `project_dir`; `copy_of` runs
    a copy instead, for a project directory a test must not change.

    The CLI runs with a private PULUMI_HOME, a file backend, a fixed passphrase
    and no update checks, so nothing outside `work_dir` is read or written.
    `config` is set on the stack (keys in `SECRET_KEYS` as secrets).
    """

    PASSPHRASE = "offline-test-passphrase"

    def __init__(self, project_dir: Path, work_dir: Path, *, config: Mapping[str, str], stack: str = "test",
                 env: Optional[Mapping[str, str]] = None) -> None:
        self.dir = Path(project_dir)
        self.stack = stack
        state = Path(work_dir) / "state"
        state.mkdir(parents=True, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PULUMI_"))}
        base.update(
            PULUMI_HOME=str(Path(work_dir) / "home"),
            PULUMI_BACKEND_URL=f"file://{state}",
            PULUMI_CONFIG_PASSPHRASE=self.PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        )
        base.update(env or {})
        self.env = base
        self.pulumi("stack", "init", stack)
        for key, value in config.items():
            self.config(key, value, secret=key in SECRET_KEYS)

    @classmethod
    def copy_of(cls, project_dir: Path, work_dir: Path, **kwargs: Any) -> "PulumiStack":
        """A stack of a copy of `project_dir` made under `work_dir` (the original is left untouched)."""
        return cls(copy_project(project_dir, Path(work_dir) / "project"), work_dir, **kwargs)

    def pulumi(self, *args: str, check: bool = True, timeout: float = 300) -> PulumiResult:
        """Run `pulumi <args> --non-interactive`; a failure raises with the CLI's output."""
        completed = subprocess.run(
            ["pulumi", *args, "--non-interactive"], cwd=self.dir, env=self.env,
            capture_output=True, text=True, timeout=timeout,
        )
        result = PulumiResult(completed.returncode, completed.stdout, completed.stderr)
        if check and completed.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({completed.returncode}):\n{result.output}")
        return result

    def config(self, key: str, value: str, secret: bool = False) -> None:
        self.pulumi("config", "set", *(["--secret"] if secret else []), key, value)

    def preview(self, *args: str, check: bool = True) -> PulumiResult:
        return self.pulumi("preview", "--diff", *args, check=check)

    def preview_steps(self) -> list[dict]:
        """The steps `pulumi preview --json` plans: each with `op` and the resource's `newState`."""
        return json.loads(self.pulumi("preview", "--json").stdout).get("steps", [])

    def preview_creates(self, type_suffix: str = NOTEBOOK_TYPE_SUFFIX) -> list[dict]:
        """The resources of type `type_suffix` the preview would create, as `{"urn", "inputs"}`."""
        return [{"urn": step["urn"], "inputs": step.get("newState", {}).get("inputs", {})}
                for step in self.preview_steps()
                if step.get("op") == "create" and step.get("newState", {}).get("type", "").endswith(type_suffix)]

    def up(self, *args: str, check: bool = True) -> PulumiResult:
        return self.pulumi("up", "--yes", "--skip-preview", *args, check=check)

    def refresh(self, *args: str, check: bool = True) -> PulumiResult:
        return self.pulumi("refresh", "--yes", "--skip-preview", *args, check=check)

    def destroy(self, check: bool = True) -> PulumiResult:
        return self.pulumi("destroy", "--yes", "--skip-preview", check=check)

    def outputs(self) -> dict:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout)

    def state_text(self) -> str:
        return self.pulumi("stack", "export").stdout

    def resources(self, type_suffix: str = NOTEBOOK_TYPE_SUFFIX) -> list[dict]:
        deployment = json.loads(self.state_text())["deployment"]
        return [r for r in deployment.get("resources", []) if r["type"].endswith(type_suffix)]
