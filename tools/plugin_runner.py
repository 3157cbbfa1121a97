"""`RunPlugin` for the project's language host: how the engine starts a Python policy pack.

The engine asks the language host of the pack's runtime to run the pack as a
plugin and reads the plugin's output from the response stream (the first
stdout line is the pack's port). As the official host does, the pack runs with
its own virtualenv (named by `PulumiPolicy.yaml`'s runtime options, `venv` by
default, relative to the pack), with the pack's directory as the program, the
engine's working directory and environment, and output passed on as soon as it
is written. The engine stops the pack by cancelling the stream.

Each running pack holds one of the host's gRPC worker threads for its whole
life, so packs get their own bounded share of workers (`MAX_PLUGINS`) and never
starve the calls that run the program.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

import grpc
from pulumi.runtime.proto import language_pb2

# Packs that may run at once; the host sizes its worker pool with this on top.
MAX_PLUGINS = 8
# After SIGINT (the pack's own way to stop), how long before it is killed.
STOP_GRACE_SECONDS = 5.0
_CHUNK = 65536


class PluginError(Exception):
    """A pack that cannot be started; the message tells the user what to do."""


def plugin_python(program_directory: Path, options: dict[str, Any]) -> Path:
    """The interpreter of the pack's own virtualenv (never the project's: their pins differ)."""
    toolchain = str(options.get("toolchain") or "pip")
    if toolchain != "pip":
        raise PluginError(f"policy pack at {program_directory}: toolchain {toolchain!r} is not supported here, use pip")
    venv = Path(str(options.get("virtualenv") or "venv"))
    if not venv.is_absolute():
        venv = program_directory / venv
    python = venv / "bin" / "python"
    if not python.is_file():
        raise PluginError(
            f"the policy pack's virtualenv {venv} is missing (no bin/python): create it with "
            f"`make policy-venv`, or `python3 -m venv {venv} && {venv}/bin/pip install -r "
            f"{program_directory}/requirements.txt`"
        )
    return python


def plugin_command(request: Any) -> tuple[list[str], dict[str, str], str]:
    """argv, environment and working directory for the pack, as the official host builds them."""
    info = request.info
    program_directory = Path(info.program_directory or info.root_directory or request.program or request.pwd or ".")
    options = dict(info.options) if info.HasField("options") else {}
    python = plugin_python(program_directory.resolve(), options)
    entry = info.entry_point
    target = program_directory if entry in ("", ".") else program_directory / entry
    if not (target / "__main__.py").is_file() and not target.is_file():
        raise PluginError(f"policy pack at {program_directory}: no __main__.py to run")
    env = dict(os.environ)
    env.update(item.split("=", 1) for item in request.env if "=" in item)
    venv = python.parent.parent
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1")
    env.pop("PYTHONHOME", None)
    return [str(python), "-u", str(target), *request.args], env, request.pwd or str(program_directory)


class RunningPlugin:
    """One pack process whose stdout and stderr become the response stream."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str) -> None:
        self.process = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._chunks: "queue.Queue[Optional[tuple[str, bytes]]]" = queue.Queue()
        self._open = 2
        for name, stream in (("stdout", self.process.stdout), ("stderr", self.process.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()

    def _pump(self, name: str, stream: Any) -> None:
        """Forward what the pack writes as it writes it: its port line comes without a flush."""
        fd = stream.fileno()
        while chunk := os.read(fd, _CHUNK):
            self._chunks.put((name, chunk))
        stream.close()
        self._chunks.put(None)

    def responses(self) -> Iterator[language_pb2.RunPluginResponse]:
        while self._open:
            item = self._chunks.get()
            if item is None:
                self._open -= 1
                continue
            name, chunk = item
            yield (language_pb2.RunPluginResponse(stdout=chunk) if name == "stdout"
                   else language_pb2.RunPluginResponse(stderr=chunk))
        yield language_pb2.RunPluginResponse(exitcode=self.process.wait())

    def stop(self) -> None:
        """SIGINT first (the pack serves until KeyboardInterrupt), then kill.

        The stream's cancel callback and the host's own stop may both stop one pack: whichever
        comes second finds the group gone, at any point, and has nothing left to do."""
        if self.process.poll() is not None:
            return
        if self._signal_group(signal.SIGINT):
            try:
                self.process.wait(STOP_GRACE_SECONDS)
                return
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
        self.process.wait()

    def _signal_group(self, signum: int) -> bool:
        """Send to the pack's process group; False when the group is already gone."""
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            return False
        return True


class PluginRunner:
    """Serves `RunPlugin` calls within the share of workers set aside for packs."""

    def __init__(self, max_plugins: int = MAX_PLUGINS) -> None:
        self._slots = threading.BoundedSemaphore(max_plugins)
        self._running: set[RunningPlugin] = set()
        self._lock = threading.Lock()

    def run(self, request: Any, context: Any) -> Iterator[language_pb2.RunPluginResponse]:
        try:
            argv, env, cwd = plugin_command(request)
        except PluginError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        if not self._slots.acquire(blocking=False):
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many policy packs running at once")
        try:
            plugin = RunningPlugin(argv, env, cwd)
        except OSError as error:
            self._slots.release()
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"cannot start the policy pack: {error}")
        with self._lock:
            self._running.add(plugin)
        context.add_callback(plugin.stop)
        try:
            yield from plugin.responses()
        finally:
            self._slots.release()
            with self._lock:
                self._running.discard(plugin)

    def stop_all(self) -> None:
        """When the host itself is stopped, no pack outlives it."""
        with self._lock:
            running = list(self._running)
        for plugin in running:
            plugin.stop()
