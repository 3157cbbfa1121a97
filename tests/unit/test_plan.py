"""The plan's decisions on plain state (no service): what a change of inputs will do.

The states are written the way `state.record_state` writes them, so a plan is
judged on what a real run would hand it.
"""

from __future__ import annotations

from typing import Any, Optional

from provider.core.models import NotebookInfo
from provider.core.plan import Grow, RenewLease, Start, Stop, SyncMounts, Update, plan
from provider.core.state import record_state
from testkit.projects import notebook_spec

TWO_HOURS = {"enabled": True, "duration": 7_200_000, "type": "timing"}
THREE_HOURS = {"enabled": True, "duration": 10_800_000, "type": "timing"}
DATA = [{"uri": "obs://team-bucket/datasets/", "mount_path": "/data/datasets/"}]


def spec(**overrides: Any) -> dict[str, Any]:
    return notebook_spec(**overrides)


def recorded(inputs: dict[str, Any], status: str, capacity: Optional[int] = None) -> dict[str, Any]:
    """The state after a run that declared `inputs` and found the notebook `status` (with `capacity` GB)."""
    volume = {**inputs["volume"], "capacity": capacity or inputs["volume"]["capacity"]}
    live = NotebookInfo.model_validate({
        "id": "nb-1", "name": inputs["name"], "flavor": inputs["flavor"], "status": status,
        "image": {"id": inputs["image_id"]}, "volume": volume,
    })
    return record_state(inputs, live)


# ---- the volume ------------------------------------------------------------------------


def test_a_volume_grown_outside_the_program_is_neither_replaced_nor_shrunk() -> None:
    # Declared 5 GB, grown to 50 GB in the console: the live capacity is recorded, the declaration kept.
    state = {**recorded(spec(), "RUNNING", capacity=50), "declared": {"volume_capacity": 5}}
    planned = plan(state, spec())
    assert planned.replaces == () and planned.steps == () and not planned.changes
    assert any("grown outside the program to 50 GB" in note for note in planned.notes)


def test_a_declared_shrink_replaces_and_says_the_work_directory_is_lost() -> None:
    state = recorded(spec(volume={"category": "EVS", "ownership": "MANAGED", "capacity": 50}), "RUNNING")
    planned = plan(state, spec())
    assert planned.replaces == ("volume",) and planned.steps == ()
    assert any("cannot shrink (50 -> 5 GB)" in note and "destroyed" in note for note in planned.notes)


def test_a_declared_growth_is_one_grow_step() -> None:
    state = recorded(spec(), "RUNNING")
    planned = plan(state, spec(volume={"category": "EVS", "ownership": "MANAGED", "capacity": 250}))
    assert planned.steps == (Grow(250, may_restart=True),) and planned.replaces == ()


# ---- auto-stop ---------------------------------------------------------------------------


def test_a_changed_auto_stop_renews_the_lease_of_a_running_notebook() -> None:
    state = recorded(spec(auto_stop=TWO_HOURS), "RUNNING")
    assert plan(state, spec(auto_stop=THREE_HOURS)).steps == (RenewLease(),)


def test_a_changed_auto_stop_of_a_stopped_notebook_waits_for_its_next_start() -> None:
    # Declared stopped: only recorded (a setting), taken at the next start.
    stopped = recorded(spec(running=False, auto_stop=TWO_HOURS), "STOPPED")
    planned = plan(stopped, spec(running=False, auto_stop=THREE_HOURS))
    assert planned.steps == () and planned.settings
    # Declared running but stopped outside, the drift ignored: nothing to renew on a stopped notebook.
    ignored = recorded(spec(run_state_drift="ignore", auto_stop=TWO_HOURS), "STOPPED")
    planned = plan(ignored, spec(run_state_drift="ignore", auto_stop=THREE_HOURS))
    assert planned.steps == () and planned.settings
    # Started by the same run: the start carries the new lease, no renewal after it.
    assert plan(stopped, spec(auto_stop=THREE_HOURS)).steps == (Start(),)


# ---- OBS mounts ----------------------------------------------------------------------------


def test_mounts_declared_while_stopped_are_mounted_at_the_next_start() -> None:
    stopped = recorded(spec(running=False), "STOPPED")
    declared = plan(stopped, spec(running=False, obs_mounts=DATA))
    assert declared.steps == () and declared.settings  # nothing to mount on a stopped notebook
    # The next run records them as declared; starting the notebook mounts them.
    after = recorded(spec(running=False, obs_mounts=DATA), "STOPPED")
    assert plan(after, spec(obs_mounts=DATA)).steps == (Start(), SyncMounts())


def test_mounts_are_synced_after_a_restart_and_on_a_change_only() -> None:
    running = recorded(spec(obs_mounts=DATA), "RUNNING")
    assert plan(running, spec(obs_mounts=DATA)).steps == ()
    assert plan(running, spec(obs_mounts=[])).steps == (SyncMounts(),)
    restarted = plan(running, spec(obs_mounts=DATA, flavor="modelarts.vm.cpu.8u"))
    assert restarted.steps == (Stop(), Update({"flavor": "modelarts.vm.cpu.8u"}), Start(), SyncMounts())
