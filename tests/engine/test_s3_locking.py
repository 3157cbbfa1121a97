"""Many pipelines on one bucket: the backend's locks, on a real S3-compatible server.

Two `up` of one stack at once: one runs, the other is refused with the lock
message, and nothing is lost. Different stacks run side by side. A runner killed
mid-`up` leaves its lock behind; the recovery is the documented one: read the
lock, make sure its process is gone, then `pulumi cancel`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from testkit.emulators import Emulator
from testkit.projects import notebook_spec
from testkit.s3 import S3Project, S3Server
from testkit.runners import kill_runner_when

pytestmark = pytest.mark.engine

# The state backend / policy pack / pipeline scripts are the subject here, not the service's readings.
READINGS = ("lenient",)


LOCKED = "the stack is currently locked by 1 lock(s)"


def run_together(*projects: S3Project) -> list[tuple[int, str]]:
    """`up` of each project started at the same moment; (exit code, output) of each."""
    runners = [p.popen("up", "--yes", "--skip-preview") for p in projects]
    return [(r.wait(300), r.stdout.read() if r.stdout else "") for r in runners]


def second_checkout(first: S3Project, tmp_path: Path, name: str) -> S3Project:
    """Another runner's checkout of the same stack: same backend prefix, same stack, its own folder."""
    other = object.__new__(S3Project)
    other.__dict__.update(first.__dict__)
    other.dir = tmp_path / name
    other.dir.mkdir()
    for item in ("Pulumi.yaml", "__main__.py", f"Pulumi.{first.stack}.yaml"):
        (other.dir / item).write_text((first.dir / item).read_text())
    other.env = dict(first.env, PULUMI_HOME=str(other.dir / "home"))
    return other


def test_two_ups_of_one_stack_one_runs_the_other_is_refused(
    s3_project: S3Project, emulator: Emulator, tmp_path: Path
) -> None:
    s3_project.declare(nb=notebook_spec())
    other = second_checkout(s3_project, tmp_path, "runner-2")
    results = run_together(s3_project, other)
    succeeded = [out for code, out in results if code == 0]
    refused = [out for code, out in results if code != 0]
    assert len(succeeded) <= 1, "two updates of one stack ran at once"
    assert refused and all(LOCKED in out for out in refused), refused
    if not succeeded:  # both saw the other's lock: allowed, and the next run proceeds
        s3_project.up()
    # Nothing lost: one notebook, recorded once, and the next `up` has nothing to do.
    assert len(emulator.notebooks()) == 1
    [recorded] = s3_project.resources()
    assert recorded["id"] == emulator.notebooks()[0]["id"]
    before = len(emulator.requests())
    s3_project.up()
    assert emulator.mutating(before) == [] and s3_project.lock_keys() == []


def test_different_stacks_in_one_bucket_run_in_parallel(
    tmp_path: Path, pulumi_bin: str, emulator: Emulator, s3_server: S3Server, s3_prefix: str
) -> None:
    stacks = [S3Project(tmp_path / name, pulumi_bin, emulator, s3=s3_server, prefix=s3_prefix, stack=name)
              for name in ("team-a", "team-b")]
    for project in stacks:
        project.declare(nb=notebook_spec(name=f"nb-{project.stack}"))
    results = run_together(*stacks)
    assert [code for code, _ in results] == [0, 0], results
    assert sorted(nb["name"] for nb in emulator.notebooks()) == ["nb-team-a", "nb-team-b"]
    keys = s3_server.objects(s3_prefix)
    for name in ("team-a", "team-b"):
        assert f"{s3_prefix}/.pulumi/stacks/nbtest/{name}.json" in keys


def lock_owner_is_gone(project: S3Project) -> bool:
    """The documented check before `pulumi cancel`: every lock is this host's and its process has ended."""
    locks = [json.loads(project.s3.objects(key)[key]) for key in project.lock_keys()]
    assert locks, "no lock to inspect"
    for lock in locks:
        if lock["hostname"] != socket.gethostname():
            return False
        try:
            os.kill(int(lock["pid"]), 0)
            return False  # still running: cancelling would let a second update run beside it
        except ProcessLookupError:
            continue
    return True


def test_a_killed_up_leaves_its_lock_and_recovery_checks_it_first(s3_project: S3Project, emulator: Emulator) -> None:
    emulator.configure(transition_seconds=4)
    # The recovery adopts the killed run's notebook and watches the list for create_lookup seconds for later
    # duplicates (provider/core/census.py): short here, on the runner's wall clock.
    s3_project.declare(nb=notebook_spec(timeouts={"create_lookup": 2}))
    kill_runner_when(s3_project, ["up", "--yes", "--skip-preview"],
                     lambda: [n["status"] for n in emulator.notebooks()] == ["CREATING"])

    assert len(s3_project.lock_keys()) == 1
    refused = s3_project.up(check=False)
    assert refused.returncode != 0 and LOCKED in refused.output
    assert lock_owner_is_gone(s3_project)
    s3_project.pulumi("cancel", "--yes")
    assert s3_project.lock_keys() == []

    s3_project.up()
    [live] = emulator.notebooks()
    assert live["status"] == "RUNNING"
    [recorded] = s3_project.resources()
    assert recorded["id"] == live["id"]


def test_the_lock_check_sees_a_live_update(s3_project: S3Project, emulator: Emulator) -> None:
    emulator.configure(transition_seconds=3)
    s3_project.declare(nb=notebook_spec())
    runner = s3_project.popen("up", "--yes", "--skip-preview")
    try:
        while not s3_project.lock_keys():
            assert runner.poll() is None, "the update ended before its lock was seen"
            time.sleep(0.05)
        assert not lock_owner_is_gone(s3_project)
    finally:
        assert runner.wait(120) == 0
