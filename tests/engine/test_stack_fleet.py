"""Many stacks from one pipeline: `tools/stack_fleet.py` runs `up` on 4 stacks kept in
the S3-compatible bucket, a bounded number at once, reports each, carries on past a
failing stack and exits non-zero because of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from testkit import ROOT
from testkit.emulators import Emulator
from testkit.projects import FLEET_PROGRAM, notebook_spec
from testkit.s3 import S3Project, S3Server

pytestmark = pytest.mark.engine

# The state backend / policy pack / pipeline scripts are the subject here, not the service's readings.
READINGS = ("lenient",)
STACKS = ("team-a", "team-b", "team-c", "team-d")


def fleet_stacks(workdir: Path, pulumi_bin: str, emulator: Emulator, s3: S3Server, prefix: str) -> list[S3Project]:
    """Four stacks of one project in one folder, each declaring one notebook."""
    projects = []
    for name in STACKS:
        project = S3Project(workdir, pulumi_bin, emulator, program=FLEET_PROGRAM, stack=name, s3=s3, prefix=prefix)
        project.declare(nb=notebook_spec(name=f"nb-{name}"))  # the stack just created is the selected one
        projects.append(project)
    return projects


def run_driver(project: S3Project, report: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "tools" / "stack_fleet.py"), "--work-dir", str(project.dir),
               *[part for name in STACKS for part in ("--stack", name)], "--report", str(report), *args]
    project.pulumi("whoami")  # brings the project's environment up to date with the bucket backend
    return subprocess.run(command, env=project.env, capture_output=True, text=True, timeout=600)


def most_at_once(reports: list[dict]) -> int:
    spans = [(r["started"], r["finished"]) for r in reports]
    return max(sum(1 for s, f in spans if s <= start < f) for start, _ in spans)


def test_nightly_stop_of_four_stacks_bounded_and_reported(
    tmp_path: Path, pulumi_bin: str, emulator: Emulator, s3_server: S3Server, s3_prefix: str
) -> None:
    projects = fleet_stacks(tmp_path / "fleet", pulumi_bin, emulator, s3_server, s3_prefix)
    report = tmp_path / "report.json"
    created = run_driver(projects[0], report, "--parallel", "2")
    assert created.returncode == 0, created.stdout + created.stderr
    assert "4 of 4 stacks updated, 0 failed" in created.stdout
    assert most_at_once(json.loads(report.read_text())) == 2
    assert sorted(n["status"] for n in emulator.notebooks()) == ["RUNNING"] * 4

    before = len(emulator.requests())
    stopped = run_driver(projects[0], report, "--parallel", "4", "--set", "running=false")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert emulator.calls(before) == ["stop"] * 4
    assert [n["status"] for n in emulator.notebooks()] == ["STOPPED"] * 4
    assert all(r["ok"] and r["changes"].get("update") == 1 for r in json.loads(report.read_text()))


def test_a_failing_stack_does_not_stop_the_others(
    tmp_path: Path, pulumi_bin: str, emulator: Emulator, s3_server: S3Server, s3_prefix: str
) -> None:
    projects = fleet_stacks(tmp_path / "fleet", pulumi_bin, emulator, s3_server, s3_prefix)
    broken = projects[1]
    broken.pulumi("stack", "select", broken.stack)
    broken.declare(nb=notebook_spec(name="nb-broken", flavor="modelarts.vm.no-such-flavor"))
    report = tmp_path / "report.json"
    result = run_driver(projects[0], report, "--parallel", "4")
    assert result.returncode == 1, result.stdout + result.stderr
    outcome = {r["stack"]: r for r in json.loads(report.read_text())}
    assert [name for name, r in outcome.items() if not r["ok"]] == ["team-b"]
    assert "no-such-flavor" in outcome["team-b"]["error"]
    assert "3 of 4 stacks updated, 1 failed" in result.stdout and "team-b  FAILED" in result.stdout
    assert sorted(n["name"] for n in emulator.notebooks()) == ["nb-team-a", "nb-team-c", "nb-team-d"]
