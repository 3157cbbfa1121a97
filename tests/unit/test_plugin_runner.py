"""`RunPlugin` of the project's language host: how the engine starts a policy pack.

A stand-in pack behaves as the policy framework does: it writes its port without
a flush and serves until SIGINT. Its "virtualenv" is a folder whose bin/python
is this interpreter, so no real venv has to be built.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import language_host
import plugin_runner

PACK = """
import os, sys, time
sys.stdout.buffer.write(b"4242\\n")  # no flush, as the policy framework writes it
with open(os.path.join(os.environ["PACK_MARKER_DIR"], "pid"), "w") as marker:
    marker.write(f"{os.getpid()} {os.getcwd()} {sys.executable} {' '.join(sys.argv[1:])}")
try:
    while True:
        time.sleep(0.05)
except KeyboardInterrupt:
    sys.stderr.write("pack stopped\\n")
"""


def make_pack(root: Path, venv: str = "venv") -> Path:
    pack = root / "pack"
    (pack / venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, pack / venv / "bin" / "python")
    (pack / "__main__.py").write_text(PACK)
    return pack


def plugin_request(pack: Path, pwd: Path, marker_dir: Path, **options: str) -> language_pb2.RunPluginRequest:
    info = language_pb2.ProgramInfo(root_directory=str(pack), program_directory=str(pack), entry_point=".")
    if options:
        fields = {k: struct_pb2.Value(string_value=v) for k, v in options.items()}
        info.options.CopyFrom(struct_pb2.Struct(fields=fields))
    return language_pb2.RunPluginRequest(
        pwd=str(pwd), args=["127.0.0.1:1234"], env=[f"PACK_MARKER_DIR={marker_dir}"], info=info, kind="analyzer",
    )


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> Iterator[language_pb2_grpc.LanguageRuntimeStub]:
    # The host, not the caller's environment, must make the pack's output unbuffered.
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    server, servicer, port = language_host.start_server("127.0.0.1:1", max_plugins=2)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield language_pb2_grpc.LanguageRuntimeStub(channel)
    finally:
        servicer.plugins.stop_all()
        channel.close()
        server.stop(0)


def wait_for(path: Path, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} never written")


def is_running(pid: int) -> bool:
    # The process may end, and be reaped, between the two looks.
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def test_pack_runs_with_its_own_venv_and_streams_its_port_unflushed(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    pack = make_pack(tmp_path)
    stream = host.RunPlugin(plugin_request(pack, tmp_path, tmp_path), timeout=30)
    first = next(stream)
    assert first.stdout == b"4242\n"
    pid, cwd, python, args = wait_for(tmp_path / "pid").split(" ", 3)
    assert (cwd, python, args) == (str(tmp_path), str(pack / "venv" / "bin" / "python"), "127.0.0.1:1234")
    stream.cancel()
    deadline = time.monotonic() + 10
    while is_running(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(int(pid)), "the pack outlived the cancelled stream"


def test_virtualenv_option_is_relative_to_the_pack(host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, venv="env-elsewhere")
    stream = host.RunPlugin(plugin_request(pack, tmp_path, tmp_path, virtualenv="env-elsewhere"), timeout=30)
    assert next(stream).stdout == b"4242\n"
    stream.cancel()


def test_missing_pack_venv_is_a_clear_error(host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "__main__.py").write_text(PACK)
    with pytest.raises(grpc.RpcError) as raised:
        next(host.RunPlugin(plugin_request(pack, tmp_path, tmp_path), timeout=30))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    details = raised.value.details() or ""
    assert f"virtualenv {pack / 'venv'} is missing" in details
    assert "make policy-venv" in details


def test_running_packs_leave_workers_for_the_program(
        host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    streams = []
    for i in range(2):
        marker = tmp_path / f"m{i}"
        marker.mkdir()
        streams.append(host.RunPlugin(plugin_request(pack, tmp_path, marker), timeout=30))
        assert next(streams[-1]).stdout == b"4242\n"
    with pytest.raises(grpc.RpcError) as raised:
        next(host.RunPlugin(plugin_request(pack, tmp_path, tmp_path), timeout=30))
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # With every pack slot taken, the calls that run the program are still answered.
    for _ in range(language_host.PROGRAM_WORKERS + 1):
        host.GetPluginInfo(empty_pb2.Empty(), timeout=5)
    for stream in streams:
        stream.cancel()


def test_plugin_python_rejects_other_toolchains(tmp_path: Path) -> None:
    with pytest.raises(plugin_runner.PluginError, match="toolchain 'uv' is not supported"):
        plugin_runner.plugin_python(tmp_path, {"toolchain": "uv"})


def test_a_second_stop_that_finds_the_pack_gone_midway_has_nothing_left_to_do(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A pack deaf to SIGINT outlives its grace; meanwhile the other stopper (the stream's cancel
    # callback or the host's own stop) kills and reaps it.
    deaf = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(flush=True); time.sleep(60)"
    plugin = plugin_runner.RunningPlugin([sys.executable, "-c", deaf], dict(os.environ), os.getcwd())
    assert next(plugin.responses()).stdout == b"\n"
    wait = plugin.process.wait

    def killed_by_the_other_stopper(timeout: float | None = None) -> int:
        if timeout is None:
            return wait()
        os.killpg(plugin.process.pid, signal.SIGKILL)
        wait()
        raise subprocess.TimeoutExpired(plugin.process.args, timeout)

    monkeypatch.setattr(plugin.process, "wait", killed_by_the_other_stopper)
    plugin.stop()
    assert plugin.process.returncode == -signal.SIGKILL
