"""Every command of the project that writes files leaves a file it did not write byte-identical,
says why (the path and the flag that would replace it), and replaces its own earlier output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT / "tools", ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import policy as bench_policy  # noqa: E402
import record_state_fixture  # noqa: E402
import run as bench_run  # noqa: E402
import stack_fleet  # noqa: E402

from provider.files import FileRefused  # noqa: E402

THEIRS = b"written by someone else\n"


def theirs(path: Path) -> Path:
    path.write_bytes(THEIRS)
    return path


def refused_here(said: str, path: Path, flag: str) -> bool:
    return f"{path} already exists" in said and flag in said


def never(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the command went on to work although it had refused to write")


# ---- tools/stack_fleet.py --report -------------------------------------------------------------


def one_stack(*_args: Any, **_kwargs: Any) -> list[stack_fleet.StackReport]:
    return [stack_fleet.StackReport("team-a", ok=True, started=1.0, finished=2.5)]


def test_the_fleet_driver_refuses_a_foreign_report_file_before_any_stack(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    report = theirs(tmp_path / "report.json")
    monkeypatch.setattr(stack_fleet, "run_fleet", never)
    assert stack_fleet.main(["--stack", "team-a", "--report", str(report)]) == 2
    assert report.read_bytes() == THEIRS and refused_here(capsys.readouterr().err, report, "--force")


def test_the_fleet_driver_replaces_its_own_report_and_a_foreign_one_only_when_forced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(stack_fleet, "run_fleet", one_stack)
    report = tmp_path / "report.json"
    assert stack_fleet.main(["--stack", "team-a", "--report", str(report)]) == 0
    assert stack_fleet.main(["--stack", "team-a", "--report", str(report)]) == 0  # a nightly job, same name
    assert f"replaced {report}" in capsys.readouterr().err
    assert json.loads(report.read_text())[0]["stack"] == "team-a"
    theirs(report)
    assert stack_fleet.main(["--stack", "team-a", "--report", str(report), "--force"]) == 0
    assert json.loads(report.read_text())[0]["seconds"] == 1.5


# ---- tools/record_state_fixture.py --------------------------------------------------------------


def test_the_fixture_recorder_keeps_a_recorded_fixture_unless_forced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(record_state_fixture, "FIXTURES", tmp_path)
    monkeypatch.setattr(record_state_fixture, "record", never)
    recorded = tmp_path / record_state_fixture.__version__
    recorded.mkdir()
    stack = theirs(recorded / "stack.json")
    assert record_state_fixture.main([]) == 2
    assert stack.read_bytes() == THEIRS and refused_here(capsys.readouterr().err, stack, "--force")
    assert not (recorded / "inventory.json").exists()

    monkeypatch.setattr(record_state_fixture, "record", lambda: ({"stack": 1}, {"inventory": 2}))
    assert record_state_fixture.main(["--force"]) == 0
    assert json.loads(stack.read_text()) == {"stack": 1}
    said = capsys.readouterr().err
    assert f"replaced {stack}" in said and f"wrote {recorded / 'inventory.json'}" in said


# ---- bench/run.py: report, plot, --json ---------------------------------------------------------


def bench_args(tmp_path: Path, *extra: str) -> Any:
    return bench_run.parse_args(["--docs-dir", str(tmp_path), *extra])


def test_the_benchmark_refuses_a_foreign_report_or_plot_before_measuring(tmp_path: Path) -> None:
    report = theirs(tmp_path / bench_run.REPORT_NAME)
    with pytest.raises(FileRefused, match="--force") as refused:
        bench_run.check_outputs(bench_args(tmp_path))
    assert str(report) in str(refused.value) and report.read_bytes() == THEIRS
    bench_run.check_outputs(bench_args(tmp_path, "--force"))

    report.write_text(f"# Benchmarks\n\n{bench_run.REPORT_MARKER}; do not edit by hand\n")
    plot = theirs(tmp_path / bench_run.PLOT_NAME)
    with pytest.raises(FileRefused, match=bench_run.PLOT_NAME):
        bench_run.check_outputs(bench_args(tmp_path))
    assert plot.read_bytes() == THEIRS


def test_the_benchmark_recognises_its_own_report_and_plot(tmp_path: Path) -> None:
    report = tmp_path / bench_run.REPORT_NAME
    report.write_text(f"# Benchmarks\n\n{bench_run.REPORT_MARKER}; do not edit by hand\n")
    plot = tmp_path / bench_run.PLOT_NAME
    plot.write_bytes(b"\x89PNG\r\n\x1a\n....tEXtSource\x00" + bench_run.PLOT_SOURCE.encode())
    bench_run.check_outputs(bench_args(tmp_path))
    # A plot without the text, but shown by the benchmark's own report beside it (the figures of a release).
    plot.write_bytes(b"\x89PNG\r\n\x1a\n")
    report.write_text(report.read_text() + f"\n![flip time]({bench_run.PLOT_NAME})\n")
    bench_run.check_outputs(bench_args(tmp_path))


def test_the_benchmark_stops_at_once_when_its_json_file_exists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raw = theirs(tmp_path / "raw.json")
    monkeypatch.setattr(bench_run, "Emulator", never)
    assert bench_run.main(["--docs-dir", str(tmp_path), "--no-write-docs", "--json", str(raw)]) == 2
    assert raw.read_bytes() == THEIRS and refused_here(capsys.readouterr().err, raw, "--force")


# ---- bench/policy.py --json --------------------------------------------------------------------


def test_the_policy_benchmark_stops_at_once_when_its_json_file_exists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raw = theirs(tmp_path / "walls.json")
    monkeypatch.setattr(bench_policy, "Emulator", never)
    assert bench_policy.main(["--json", str(raw)]) == 2
    assert raw.read_bytes() == THEIRS and refused_here(capsys.readouterr().err, raw, "--force")


# ---- tools/ci/preview.sh ------------------------------------------------------------------------


def stub_bin(tmp_path: Path) -> Path:
    """A `pulumi` that records its calls and prints a preview."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "calls"}\necho "Previewing update (ci)"\n')
    pulumi.chmod(0o755)
    return bin_dir


def preview(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PREVIEW_"))}
    bin_dir = tmp_path / "bin" if (tmp_path / "bin").exists() else stub_bin(tmp_path)
    base.update(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                PULUMI_STACK="ci", PROJECT_DIR=str(project), CI_SKIP_SETUP="1", POLICY_PACK="none",
                OTC_READONLY_ACCESS_KEY="ak", OTC_READONLY_SECRET_KEY="sk", **env)
    return subprocess.run([str(ROOT / "tools" / "ci" / "preview.sh")], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=60)


def test_the_preview_step_leaves_an_existing_output_file_alone(tmp_path: Path) -> None:
    output = theirs(tmp_path / "preview.txt")
    result = preview(tmp_path, PREVIEW_OUTPUT=str(output))
    assert result.returncode == 2 and refused_here(result.stderr, output, "PREVIEW_FORCE=1")
    assert output.read_bytes() == THEIRS
    assert "preview" not in (tmp_path / "calls").read_text()  # refused before previewing

    forced = preview(tmp_path, PREVIEW_OUTPUT=str(output), PREVIEW_FORCE="1")
    assert forced.returncode == 0, forced.stderr
    assert output.read_text() == "Previewing update (ci)\n"


# ---- make up: the stack file ---------------------------------------------------------------------


def make_stack_file(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The `stack-file` guard of `make up`, run in `folder` (`-o venv`: the test's Python is the venv)."""
    return subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(folder), "-o", "venv",
                           "stack-file", f"PY={sys.executable}", *args], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True, timeout=60)


def test_make_up_never_writes_into_a_stack_file_it_did_not_make(tmp_path: Path) -> None:
    assert make_stack_file(tmp_path).returncode == 0  # none yet: `make up` creates it
    stack_file = theirs(tmp_path / "Pulumi.dev.yaml")
    refused = make_stack_file(tmp_path)
    assert refused.returncode != 0 and refused_here(refused.stderr, Path("Pulumi.dev.yaml"), "FORCE=1")
    assert stack_file.read_bytes() == THEIRS
    assert make_stack_file(tmp_path, "FORCE=1").returncode == 0
    stack_file.write_text("config:\n  modelarts:endpoint: http://127.0.0.1:8443\n")  # an earlier `make up`'s
    assert make_stack_file(tmp_path).returncode == 0
