"""On the real engine, under every reading of the service: no orphan, no mistaken
replacement, no action against the declared run state, no failure after a lost answer."""

from __future__ import annotations

import pytest

from testkit.emulators import Emulator
from testkit.projects import PulumiProject, notebook_spec
from tests.profiles import PROFILES

pytestmark = pytest.mark.engine
# The readings are this module's subject: every scenario runs under each.
READINGS = PROFILES

DEDICATED = {"category": "EFS", "ownership": "DEDICATED", "capacity": 100,
             "uri": "192.168.0.10:/share-01/team", "id": "8f6bd2f5-1c1d-4a8c-9d6e-0a1b2c3d4e5f"}


def live(emulator: Emulator) -> dict:
    [notebook] = emulator.notebooks()
    return notebook


def mark(emulator: Emulator) -> int:
    return len(emulator.requests())


@pytest.mark.parametrize("key, value, setting", [
    ("modelarts:projectId", "ffffffffffffffffffffffffffffffff", "modelarts:projectId"),
    ("modelarts:endpoint", "{url}/modelarts", "modelarts:endpoint"),
])
def test_a_wrong_setting_never_drops_a_notebook_from_state(
    project: PulumiProject, emulator: Emulator, key: str, value: str, setting: str
) -> None:
    project.declare(nb=notebook_spec())
    project.up()
    project.config(key, value.format(url=emulator.url))

    refreshed = project.pulumi("refresh", "--yes", "--skip-preview", "--run-program", check=False)
    assert refreshed.returncode != 0 and setting in refreshed.output
    destroyed = project.destroy(check=False)
    assert destroyed.returncode != 0 and setting in destroyed.output
    assert len(project.resources()) == 1 and live(emulator)["status"] == "RUNNING"


def test_ignored_drift_survives_an_unrelated_change(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(run_state_drift="ignore"))
    project.up()
    emulator._post(f"notebooks/{live(emulator)['id']}/lease-expire")
    emulator.advance(1.0)  # the stop the expiry started runs its course
    assert live(emulator)["status"] == "STOPPED"
    project.declare(nb=notebook_spec(run_state_drift="ignore", description="documented now"))
    before = mark(emulator)
    project.up("--refresh")
    assert emulator.calls(before) == ["update"] and live(emulator)["status"] == "STOPPED"


def test_a_dedicated_volume_is_not_replaced_by_rerunning_up(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(volume=DEDICATED))
    project.up()
    notebook_id = live(emulator)["id"]
    before = mark(emulator)
    preview = project.preview("--refresh")
    assert "replace" not in preview.output.lower()
    project.up("--refresh")
    assert emulator.calls(before) == [] and live(emulator)["id"] == notebook_id


def test_an_error_notebook_is_started_or_the_failure_names_the_remedy(
    project: PulumiProject, emulator: Emulator, profile: str
) -> None:
    project.declare(nb=notebook_spec())
    project.up()
    emulator.force_status(live(emulator)["id"], "ERROR", fail_reason="disk failure")
    result = project.up("--refresh", check=False)
    if profile == "lenient":
        assert result.returncode == 0 and live(emulator)["status"] == "RUNNING"
    else:
        assert result.returncode != 0 and "refused to start it" in result.output and "--replace" in result.output
        assert "disk failure" in result.output and live(emulator)["status"] == "ERROR"
    assert len(project.resources()) == 1


def test_lost_answers_of_update_and_delete_are_read_back(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(running=False))
    project.up()
    faults = [{"method": "PUT", "path_regex": r"/notebooks/[^/]+$", "after_effect": True, "times": 1, "status": 502},
              {"method": "DELETE", "path_regex": r"/notebooks/[^/]+$", "after_effect": True, "times": 1,
               "reset_connection": True}]
    emulator.session.post(f"{emulator.url}/_emulator/faults", json={"rules": faults}).raise_for_status()
    project.declare(nb=notebook_spec(running=False, description="documented now"))
    before = mark(emulator)
    project.up()
    project.destroy()
    assert emulator.calls(before) == ["update", "delete"] and emulator.notebooks() == []
