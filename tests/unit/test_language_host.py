"""The project's Python language host: entry-point resolution, quiet failures, the plugin handshake,
and the calls it answers before importing the SDK."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from pulumi.errors import RunError
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import language_host
import language_runtime


def test_entry_point_defaults_to_main_file(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("")
    assert language_runtime.resolve_entry_point(str(tmp_path), "") == tmp_path / "__main__.py"
    assert language_runtime.resolve_entry_point(str(tmp_path), ".") == tmp_path / "__main__.py"


def test_entry_point_may_name_a_file_or_a_folder(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text("")
    (tmp_path / "main.py").write_text("")
    assert language_runtime.resolve_entry_point(str(tmp_path), "app") == tmp_path / "app" / "__main__.py"
    assert language_runtime.resolve_entry_point(str(tmp_path), "main.py") == tmp_path / "main.py"


def test_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no Pulumi program"):
        language_runtime.resolve_entry_point(str(tmp_path), "")


def test_monitor_shutdown_is_recognised() -> None:
    assert language_runtime.is_monitor_shutdown(RunError("Resource monitor has terminated, shutting down"))
    assert not language_runtime.is_monitor_shutdown(RunError("something else"))
    assert not language_runtime.is_monitor_shutdown(ValueError("x"))

    class Unavailable(grpc.RpcError):
        def code(self) -> grpc.StatusCode:
            return grpc.StatusCode.UNAVAILABLE

    assert language_runtime.is_monitor_shutdown(Unavailable())


def test_plugin_handshake_prints_port_and_exits_quietly_on_sigint() -> None:
    process = subprocess.Popen(
        [sys.executable, "-u", language_host.__file__, "127.0.0.1:1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        port = int(process.stdout.readline())
        assert 0 < port < 65536
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        process.kill()


# The kernel hands a signal sent to a process to any thread that does not block it; tgkill picks one.
TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine())


@pytest.mark.skipif(sys.platform != "linux" or TGKILL is None, reason="tgkill is a Linux system call")
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_taken_by_a_grpc_thread_still_ends_the_host(stop_signal: signal.Signals) -> None:
    import ctypes

    process = subprocess.Popen([sys.executable, "-u", language_host.__file__, "127.0.0.1:1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    try:
        int(process.stdout.readline())
        threads = sorted(int(t) for t in os.listdir(f"/proc/{process.pid}/task") if int(t) != process.pid)
        assert threads, "the host serves from threads of its own"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(TGKILL, process.pid, threads[-1], int(stop_signal)) == 0, ctypes.get_errno()
        assert process.wait(10) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        process.kill()


def test_program_traceback_starts_at_the_program(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text("def declare():\n    raise ValueError('bad flavor')\n\ndeclare()\n")
    import runpy

    try:
        runpy.run_path(str(program), run_name="__main__")
    except ValueError as error:
        text = language_runtime.program_traceback(error)
    assert text.startswith("Traceback (most recent call last):")
    assert str(program) in text and "ValueError: bad flavor" in text
    assert '"<frozen runpy>"' not in text and language_runtime.__file__ not in text


def test_about_and_the_package_lists_are_answered_without_importing_the_sdk(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    env = {**os.environ, "MODELARTS_NOTEBOOKS_TRACE": str(trace)}
    process = subprocess.Popen([sys.executable, "-u", language_host.__file__, "127.0.0.1:1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{int(process.stdout.readline())}")
        stub = language_pb2_grpc.LanguageRuntimeStub(channel)
        about = stub.About(language_pb2.AboutRequest(), timeout=10)
        assert about == language_pb2.AboutResponse(executable=sys.executable, version=platform.python_version())
        assert stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(), timeout=10) == (
            language_pb2.GetRequiredPackagesResponse())
        with pytest.raises(grpc.RpcError) as refused:
            stub.Handshake(language_pb2.LanguageHandshakeRequest(), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
        channel.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    finally:
        process.kill()
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [e["name"] for e in events if e["event"] == "rpc"] == ["About", "GetRequiredPackages"]
    assert not any(e.get("module") == "language-runtime" for e in events)  # the SDK was never imported


def test_the_first_call_that_needs_the_sdk_loads_it() -> None:
    server, host, port = language_host.start_server("127.0.0.1:1", max_plugins=1)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = language_pb2_grpc.LanguageRuntimeStub(channel)
        with pytest.raises(grpc.RpcError) as answered:  # the SDK's servicer does not implement it
            stub.GetProgramDependencies(language_pb2.GetProgramDependenciesRequest(), timeout=30)
        assert answered.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert host._runtime is not None and host._runtime[1].engine_address == "127.0.0.1:1"
    finally:
        channel.close()
        host.stop()
        server.stop(0)
