"""A runner killed in the middle of `pulumi up` leaves no orphan and no duplicate.

The runner dies with everything it started (the CLI, the language host and the
dynamic-provider process, which would otherwise finish its call on its own).
The next pipeline run does what a person would: `pulumi cancel` to release the
lock, then `pulumi up` again.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.profiles import PROFILES, wait_out_list_lag
from testkit.emulators import Emulator
from testkit.projects import PulumiProject, notebook_spec
from testkit.runners import kill_runner_when

pytestmark = pytest.mark.engine
# Interrupted runs meet the readings where they differ (a lagging list): every reading.
READINGS = PROFILES


def statuses(emulator: Emulator) -> list[str]:
    return [n["status"] for n in emulator.notebooks()]


# An adopted leftover is watched for `create_lookup` seconds for later duplicates (provider/core/census.py):
# short here, the runner's wall clock.
ADOPTING: dict[str, Any] = {"timeouts": {"create_lookup": 2}}


def test_killed_during_create_then_up_adopts_the_notebook(project: PulumiProject, emulator: Emulator) -> None:
    emulator.configure(transition_seconds=4)
    project.declare(nb=notebook_spec(**ADOPTING))
    kill_runner_when(project, ["up", "--yes", "--skip-preview"], lambda: statuses(emulator) == ["CREATING"])

    locked = project.up(check=False)
    assert locked.returncode != 0 and "locked" in locked.output
    project.pulumi("cancel", "--yes")

    # The next run, once the list shows the notebook, adopts it (inside the lag: the test below).
    wait_out_list_lag(emulator)
    before = len(emulator.requests())
    project.up()
    assert [m for m in emulator.mutating(before) if m[0] == "POST" and m[1].endswith("/notebooks")] == []
    [live] = emulator.notebooks()
    assert live["status"] == "RUNNING"
    [recorded] = project.resources()
    assert recorded["id"] == live["id"] and recorded["outputs"]["status"] == "RUNNING"


def test_killed_during_start_then_up_converges_without_a_second_start(
    project: PulumiProject, emulator: Emulator
) -> None:
    project.declare(nb=notebook_spec(running=False))
    project.up()
    emulator.configure(transition_seconds=4)
    project.declare(nb=notebook_spec(running=True))
    kill_runner_when(project, ["up", "--yes", "--skip-preview"], lambda: statuses(emulator) == ["STARTING"])
    project.pulumi("cancel", "--yes")

    project.up()
    starts = [m for m in emulator.mutating() if m[1].endswith("/start")]
    assert len(starts) == 1
    [live] = emulator.notebooks()
    assert live["status"] == "RUNNING"
    [recorded] = project.resources()
    assert recorded["id"] == live["id"] and recorded["outputs"]["status"] == "RUNNING"


def test_killed_during_create_then_refresh_and_up_leave_one_notebook(
    project: PulumiProject, emulator: Emulator
) -> None:
    emulator.configure(transition_seconds=4)
    project.declare(nb=notebook_spec(**ADOPTING))
    kill_runner_when(project, ["up", "--yes", "--skip-preview"], lambda: statuses(emulator) == ["CREATING"])
    project.pulumi("cancel", "--yes")

    project.refresh("--clear-pending-creates")
    wait_out_list_lag(emulator)  # as in the test above: the next run comes after the list shows it
    project.up()
    [live] = emulator.notebooks()
    assert live["status"] == "RUNNING"
    [recorded] = project.resources()
    assert recorded["id"] == live["id"]


@pytest.mark.parametrize("lag", [3.0, 8.0])
def test_killed_create_and_an_up_at_once_inside_the_list_lag_end_with_one_notebook(
    project: PulumiProject, emulator: Emulator, lag: float
) -> None:
    # Each API request moves the emulator's time by an eighth of the lag: the lag holds for 8 requests,
    # a create for 20 (the runner is killed while it waits).
    tick = lag / 8
    emulator.configure(list_lag_seconds=lag, transition_seconds=20 * tick)
    emulator.set_clock(tick_seconds=tick)
    project.declare(nb=notebook_spec())
    kill_runner_when(project, ["up", "--yes", "--skip-preview"], lambda: len(emulator.notebooks()) == 1)
    [orphan] = emulator.notebooks()
    project.pulumi("cancel", "--yes")

    emulator.configure(transition_seconds=tick)
    project.up()  # at once: the list does not show the orphan yet
    [live] = emulator.notebooks()
    [recorded] = project.resources()
    assert live["id"] == recorded["id"] != orphan["id"]
    assert live["status"] == "RUNNING" and recorded["outputs"]["identity_confirmed"] is True

    project.destroy()
    assert emulator.notebooks() == [] and project.resources() == []
