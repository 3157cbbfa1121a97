"""The project's Python language host: entry-point resolution, quiet failures, the plugin handshake."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from pulumi.errors import RunError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import language_host


def test_entry_point_defaults_to_main_file(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("")
    assert language_host.resolve_entry_point(str(tmp_path), "") == tmp_path / "__main__.py"
    assert language_host.resolve_entry_point(str(tmp_path), ".") == tmp_path / "__main__.py"


def test_entry_point_may_name_a_file_or_a_folder(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text("")
    (tmp_path / "main.py").write_text("")
    assert language_host.resolve_entry_point(str(tmp_path), "app") == tmp_path / "app" / "__main__.py"
    assert language_host.resolve_entry_point(str(tmp_path), "main.py") == tmp_path / "main.py"


def test_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no Pulumi program"):
        language_host.resolve_entry_point(str(tmp_path), "")


def test_monitor_shutdown_is_recognised() -> None:
    assert language_host.is_monitor_shutdown(RunError("Resource monitor has terminated, shutting down"))
    assert not language_host.is_monitor_shutdown(RunError("something else"))
    assert not language_host.is_monitor_shutdown(ValueError("x"))

    class Unavailable(grpc.RpcError):
        def code(self) -> grpc.StatusCode:
            return grpc.StatusCode.UNAVAILABLE

    assert language_host.is_monitor_shutdown(Unavailable())


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


def test_program_traceback_starts_at_the_program(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text("def declare():\n    raise ValueError('bad flavor')\n\ndeclare()\n")
    import runpy

    try:
        runpy.run_path(str(program), run_name="__main__")
    except ValueError as error:
        text = language_host.program_traceback(error)
    assert text.startswith("Traceback (most recent call last):")
    assert str(program) in text and "ValueError: bad flavor" in text
    assert '"<frozen runpy>"' not in text and language_host.__file__ not in text
