"""Changes to an existing notebook on the real engine: restarts, storage, SSH, auto-stop,
drift policy, failure states, replacements, OBS mounts, adoption and timeouts.

Each scenario asserts on the emulator's request log that the right calls were
made in the right order and no other mutating call was.
"""

from __future__ import annotations

from pydantic import SecretStr

from provider.core.auth import AkSkAuth
from provider.core.client import ModelArtsClient
from provider.core.models import CreateNotebookRequest, VolumeRequest
from tests.profiles import deleting_a_running_notebook, in_place
from testkit.emulators import ACCESS_KEY, BIG_CPU_FLAVOR, IMAGE_ID, PROJECT_ID, SECRET_KEY, Emulator
from testkit.projects import PulumiProject, notebook_spec

import pytest

pytestmark = pytest.mark.engine

# pytorch1.8-cuda10.2: runs on CPU and GPU flavors.
CPU_AND_GPU_IMAGE = "278e88d1-5b71-4766-8502-b3ba72e824d9"
SSH = {"service": "SSH", "key_pair_names": ["team-key"], "allowed_access_ips": ["80.158.1.10"]}


def live(emulator: Emulator) -> dict:
    [notebook] = emulator.notebooks()
    return notebook


def mark(emulator: Emulator) -> int:
    return len(emulator.requests())


def test_flavor_change_restarts_a_running_notebook_and_says_so_in_preview(
    project: PulumiProject, emulator: Emulator
) -> None:
    project.declare(nb=notebook_spec())
    project.up()

    project.declare(nb=notebook_spec(flavor=BIG_CPU_FLAVOR))
    before = mark(emulator)
    preview = project.preview()
    assert "warning" in preview.output and "stopped and started again" in preview.output
    assert "nb-test" in preview.output
    assert emulator.mutating(before) == []

    before = mark(emulator)
    project.up()
    assert emulator.calls(before) == ["stop", "update", "start"]
    assert live(emulator)["flavor"] == BIG_CPU_FLAVOR and live(emulator)["status"] == "RUNNING"


def test_flavor_change_of_a_stopped_notebook_keeps_it_stopped(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(running=False))
    project.up()
    project.declare(nb=notebook_spec(running=False, flavor=BIG_CPU_FLAVOR))
    before = mark(emulator)
    project.up()
    assert emulator.calls(before) == ["update"]
    assert live(emulator)["status"] == "STOPPED"


def test_unswitchable_flavor_fails_before_stopping(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(image_id=CPU_AND_GPU_IMAGE))
    project.up()
    project.declare(nb=notebook_spec(image_id=CPU_AND_GPU_IMAGE, flavor="modelarts.vm.gpu.v100"))
    before = mark(emulator)
    result = project.up(check=False)
    assert result.returncode != 0
    assert "cannot switch to flavor 'modelarts.vm.gpu.v100'; it can switch to" in result.output
    assert emulator.mutating(before) == []
    assert live(emulator)["status"] == "RUNNING"


def test_allow_restart_false_turns_a_restart_into_a_preview_error(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(allow_restart=False))
    project.up()
    project.declare(nb=notebook_spec(allow_restart=False, flavor=BIG_CPU_FLAVOR))
    before = mark(emulator)
    result = project.preview(check=False)
    assert result.returncode != 0
    assert "changing flavor restarts the running notebook 'nb-test' and allow_restart is false" in result.output
    assert emulator.mutating(before) == []


def test_storage_grows_in_place_in_steps_and_shrinking_replaces(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec())
    project.up()
    notebook_id = live(emulator)["id"]

    project.declare(nb=notebook_spec(volume={"category": "EVS", "ownership": "MANAGED", "capacity": 150}))
    before = mark(emulator)
    project.up()
    # +100 GB, then the rest, while running; where the service refuses that, the announced restart.
    assert emulator.calls(before) == in_place(emulator, ["update", "update"])
    assert live(emulator)["volume"]["capacity"] == 150 and live(emulator)["status"] == "RUNNING"
    assert live(emulator)["id"] == notebook_id

    project.declare(nb=notebook_spec(volume={"category": "EVS", "ownership": "MANAGED", "capacity": 50}))
    preview = project.preview()
    assert "replace" in preview.output and "work directory's data destroyed" in preview.output


def test_ssh_endpoint_is_exposed_and_updated_in_place(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(endpoints=[SSH]))
    project.up()
    [state] = project.resources()
    assert state["outputs"]["ssh_address"]

    rotated = {**SSH, "key_pair_names": ["new-key"], "allowed_access_ips": ["80.158.0.0/24"]}
    project.declare(nb=notebook_spec(endpoints=[rotated]))
    before = mark(emulator)
    project.up()
    assert emulator.calls(before) == in_place(emulator, ["update"])
    ssh = next(e for e in live(emulator)["endpoints"] if (e.get("service") or e.get("dev_service")) == "SSH")
    assert ssh["ssh_keys"] == ["new-key"] and ssh["allowed_access_ips"] == ["80.158.0.0/24"]


def test_auto_stop_is_desired_state(project: PulumiProject, emulator: Emulator) -> None:
    two_hours = {"duration": 7_200_000, "type": "timing"}
    project.declare(nb=notebook_spec(auto_stop=two_hours))
    project.up()
    [state] = project.resources()
    assert state["outputs"]["auto_stop_at"]
    lease = live(emulator)["lease"]
    assert lease["create_at"] + lease["duration"] - lease["update_at"] == 7_200_000

    project.declare(nb=notebook_spec(auto_stop={"duration": 10_800_000, "type": "timing"}))
    before = mark(emulator)
    project.up()
    assert emulator.calls(before) == ["lease"]
    lease = live(emulator)["lease"]
    assert lease["create_at"] + lease["duration"] - lease["update_at"] == 10_800_000

    # The service stops the notebook when the lease expires; the next up starts it again.
    emulator.session.post(f"{emulator.url}/_emulator/notebooks/{live(emulator)['id']}/lease-expire").raise_for_status()
    project.refresh()
    assert project.resources()[0]["outputs"]["status"] in ("STOPPING", "STOPPED")
    before = mark(emulator)
    project.up("--refresh")
    assert emulator.calls(before) == ["start"]
    assert live(emulator)["status"] == "RUNNING"


def test_run_state_drift_ignore_keeps_previews_quiet(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(run_state_drift="ignore"))
    project.up()
    emulator.force_status(live(emulator)["id"], "STOPPED")
    project.refresh()
    preview = project.preview()
    assert "update" not in preview.output.split("Resources:")[-1]
    before = mark(emulator)
    project.up()
    assert emulator.mutating(before) == []
    assert live(emulator)["status"] == "STOPPED"


def test_failed_states_are_handled_on_the_next_up(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec())
    project.up()
    notebook_id = live(emulator)["id"]

    emulator.force_status(notebook_id, "START_FAILED", "no resources in the pool")
    before = mark(emulator)
    project.up("--refresh")
    assert emulator.calls(before) == ["start"] and live(emulator)["status"] == "RUNNING"

    emulator.force_status(notebook_id, "FROZEN", "arrears")
    result = project.up("--refresh", check=False)
    assert result.returncode != 0
    assert "ended in FROZEN" in result.output and "top it up" in result.output
    assert "Traceback" not in result.output  # the provider's own errors are shown as their message

    emulator.force_status(notebook_id, "CREATE_FAILED", "image pull failed")
    project.refresh()
    preview = project.preview()
    assert "replace" in preview.output and "CREATE_FAILED" in preview.output
    project.up()
    assert live(emulator)["id"] != notebook_id and live(emulator)["status"] == "RUNNING"


def test_fixed_fields_are_replacements_with_the_reason(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec())
    project.up()
    old_id = live(emulator)["id"]
    project.declare(nb=notebook_spec(workspace_id="ws-analytics"))
    preview = project.preview()
    assert "replace" in preview.output and "workspace_id cannot change on an existing notebook" in preview.output
    before = mark(emulator)
    project.up()
    assert emulator.calls(before) == [*deleting_a_running_notebook(emulator), "create"]
    assert live(emulator)["id"] != old_id


def test_obs_mounts_follow_the_declaration(project: PulumiProject, emulator: Emulator) -> None:
    data = {"uri": "obs://team-bucket/datasets/", "mount_path": "/data/datasets/"}
    project.declare(nb=notebook_spec(obs_mounts=[data]))
    project.up()
    assert "mount" in emulator.calls()
    mounts = live(emulator)["data_volumes"]
    assert [(m["uri"], m["mount_path"], m["status"]) for m in mounts] == [
        ("obs://team-bucket/datasets/", "/data/datasets/", "MOUNTED")
    ]

    project.declare(nb=notebook_spec(obs_mounts=[]))
    before = mark(emulator)
    project.up()
    assert emulator.calls(before) == ["unmount"]


def test_an_existing_notebook_is_adopted_not_duplicated(project: PulumiProject, emulator: Emulator) -> None:
    client = ModelArtsClient(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY)))
    existing = client.create_notebook(CreateNotebookRequest(
        name="console-made", flavor="modelarts.vm.cpu.2u", image_id=IMAGE_ID,
        volume=VolumeRequest(category="EVS", capacity=5)))
    project.declare(nb=notebook_spec(name="console-made", adopt_id=existing.id))
    before = mark(emulator)
    project.up()
    assert "create" not in emulator.calls(before)
    assert project.resources()[0]["id"] == existing.id
    assert len(emulator.notebooks()) == 1

    project.destroy()
    assert emulator.notebooks() == []


def test_adoption_refuses_a_notebook_that_does_not_match(project: PulumiProject, emulator: Emulator) -> None:
    client = ModelArtsClient(emulator.url, PROJECT_ID, AkSkAuth(ACCESS_KEY, SecretStr(SECRET_KEY)))
    existing = client.create_notebook(CreateNotebookRequest(
        name="console-made", flavor="modelarts.vm.cpu.2u", image_id=IMAGE_ID,
        volume=VolumeRequest(category="EFS", capacity=50)))
    project.declare(nb=notebook_spec(name="console-made", adopt_id=existing.id))
    result = project.up(check=False)
    assert result.returncode != 0 and "volume.category is EFS, declared EVS" in result.output
    assert len(emulator.notebooks()) == 1


def test_timeouts_say_what_the_notebook_was_doing(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(running=False))
    project.up()
    emulator.configure(transition_seconds=5)
    project.declare(nb=notebook_spec(running=True, timeouts={"start": 1}))
    result = project.up(check=False)
    assert result.returncode != 0
    assert "was still STARTING after 1s while starting" in result.output
    assert "nothing was rolled back" in result.output


def test_an_image_named_in_the_program_is_resolved_at_preview(project: PulumiProject, emulator: Emulator) -> None:
    spec = {k: v for k, v in notebook_spec().items() if k != "image_id"}
    project.declare(nb={**spec, "image_name": "pytorch_1_8"})
    result = project.preview(check=False)
    assert result.returncode != 0 and "property image_name" in result.output  # three images share the name
    assert emulator.mutating() == []

    project.declare(nb={**spec, "image_name": "mindspore1.7.0-py3.7-ubuntu18.04"})
    project.up()
    assert live(emulator)["image"]["id"] == "c0b31f09-1490-4555-9b8b-ab0b2de35b20"
