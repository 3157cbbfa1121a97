"""Killing a pipeline runner the way a CI job's cancel or a lost machine does.

The runner dies with everything it started: the CLI's process group, and the
engine's plugins (the language host and the dynamic-provider process), which run
in the project's folder and would otherwise finish their calls on their own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Any, Callable, Union

from .projects import PulumiProject


def processes_in(directory: Path) -> list[int]:
    """Processes whose working directory is the project: the engine's plugins."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == directory:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def start_runner(project: PulumiProject, args: list[str],
                 output: Union[int, IO[Any]] = subprocess.DEVNULL) -> subprocess.Popen:
    """`pulumi <args>` in a session of its own, so its whole process group can be killed;
    what it prints goes to `output` (discarded unless given)."""
    return subprocess.Popen(
        ["pulumi", *args, "--non-interactive"], cwd=project.dir, env=project.env,
        stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
    )


def kill_runner(runner: subprocess.Popen, project: PulumiProject) -> None:
    """SIGKILL the runner's process group and every process left in the project's folder."""
    try:
        os.killpg(runner.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid in processes_in(project.dir.resolve()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    runner.wait(10)


def kill_runner_when(project: PulumiProject, args: list[str], ready: Callable[[], bool], limit: float = 60) -> None:
    """Start `pulumi <args>` and kill it with its plugins as soon as `ready()` holds."""
    runner = start_runner(project, args)
    deadline = time.monotonic() + limit
    while not ready():
        assert runner.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the run never reached the point to interrupt"
        time.sleep(0.05)
    kill_runner(runner, project)
