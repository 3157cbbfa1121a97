"""The emulator as a child process: the one launcher used by `make up`, the tests,
the benchmarks and the pytest plugin.

The child binds port 0 and reports the port it got through a file, so two
launchers never race for a port; it counts as started only once
`/_emulator/health` answers. Its output goes to a log file that is shown when
it fails to start.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Optional, Sequence

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
HOST = "127.0.0.1"
# `emulator` in a checkout, `modelarts_emulator` when installed from the wheel.
PACKAGE = __package__ or "emulator"


class EmulatorStartError(RuntimeError):
    """The emulator exited or never answered its health check; the message holds its log."""


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    """True when an emulator answers its health check at `url`."""
    try:
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=timeout) as response:
            return bool(json.load(response).get("ok"))
    except (OSError, ValueError, urllib.error.URLError):
        return False


class EmulatorProcess:
    """`python -m emulator` (`modelarts_emulator` when installed) on a loopback port, started on construction.

    `port=0` picks a free port. `detached=True` puts the child in its own session
    and keeps its log, so it outlives the launcher (`make up`); otherwise the
    log directory is removed on `stop()`.
    """

    def __init__(self, extra_args: Sequence[str] = (), *, port: int = 0, transition_seconds: Optional[float] = None,
                 log_dir: Optional[Path] = None, detached: bool = False,
                 start_timeout: float = START_TIMEOUT_SECONDS) -> None:
        self._own_dir = log_dir is None
        self.log_dir = Path(tempfile.mkdtemp(prefix="emulator-")) if log_dir is None else log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_dir / "log"
        port_file = self.log_dir / "port"
        port_file.unlink(missing_ok=True)
        args = [sys.executable, "-m", PACKAGE, "--host", HOST, "--port", str(port), "--port-file", str(port_file)]
        if transition_seconds is not None:
            args += ["--transition-seconds", str(transition_seconds)]
        with self.log_path.open("ab") as log:
            # The emulator package is found wherever it is installed or, from a
            # checkout, beside this file.
            self.process = subprocess.Popen(
                [*args, *extra_args], cwd=Path(__file__).resolve().parent.parent, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=detached,
            )
        try:
            self.port = self._wait_for_port(port_file, start_timeout)
            self.url = f"http://{HOST}:{self.port}"
            self._wait_until_healthy(start_timeout)
        except BaseException:
            self.stop()
            raise

    def _fail(self, why: str) -> EmulatorStartError:
        return EmulatorStartError(f"emulator {why}; its log:\n{self.log_text()[-4000:]}")

    def _wait_for_port(self, port_file: Path, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while not port_file.exists():
            if self.process.poll() is not None:
                raise self._fail(f"exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                raise self._fail(f"did not bind a port within {timeout:.0f} s")
            time.sleep(0.05)
        return int(port_file.read_text())

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not is_healthy(self.url):
            if self.process.poll() is not None:
                raise self._fail(f"exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                raise self._fail(f"did not answer its health check within {timeout:.0f} s")
            time.sleep(0.05)

    def log_text(self) -> str:
        """Everything the emulator printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """End the child (SIGTERM, then SIGKILL after a grace period) and drop a temporary log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._own_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> "EmulatorProcess":
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.stop()


def stop_pid(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """End a detached emulator started earlier by `EmulatorProcess(detached=True)`."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
