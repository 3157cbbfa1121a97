"""The notebook's life on the real Pulumi engine, against the emulator.

Each test runs the literal commands a pipeline runs (`pulumi preview`, `up`,
`refresh`, `destroy`) in a throwaway project on a local file backend, and checks
what the engine reports, what the emulator saw, and what the state file holds.
"""

from __future__ import annotations

import json

import pytest

from tests.profiles import deleting_a_running_notebook
from testkit.emulators import ACCESS_KEY, PASSWORD, SECRET_KEY, Emulator
from testkit.projects import PulumiProject, notebook_spec

pytestmark = pytest.mark.engine

def only_notebook(emulator: Emulator) -> dict:
    notebooks = emulator.notebooks()
    assert len(notebooks) == 1, notebooks
    return notebooks[0]


def test_preview_of_a_new_stack_makes_no_mutating_call(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec())
    result = project.preview()
    assert "+ pulumi-python:dynamic/modelarts:Notebook: (create)" in result.output
    assert emulator.mutating() == []
    assert emulator.notebooks() == []


def test_up_creates_a_running_notebook_and_exports_its_outputs(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec())
    project.up()

    live = only_notebook(emulator)
    assert live["status"] == "RUNNING"
    assert emulator.calls() == ["create"]

    out = project.outputs()["nb"]
    assert out["notebook_id"] == live["id"]
    assert out["status"] == "RUNNING"
    assert out["url"] and live["id"] in out["url"]
    assert out["volume"]["category"] == "EVS" and out["volume"]["capacity"] == 5
    assert out["running"] is True

    # Nothing secret in plain text in the state: not the notebook token, not a credential.
    state = project.state_text()
    assert live["token"] not in state
    for secret in (SECRET_KEY, PASSWORD):
        assert secret not in state
    assert ACCESS_KEY not in json.dumps(project.resources())

    # Re-running converges to nothing: no mutating call at all.
    before = len(emulator.requests())
    result = project.up()
    assert emulator.mutating(before) == []
    assert "unchanged" in result.output


def test_flipping_running_stops_then_starts_in_place(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(running=True))
    project.up()
    notebook_id = only_notebook(emulator)["id"]
    first_token = only_notebook(emulator)["token"]

    project.declare(nb=notebook_spec(running=False))
    before = len(emulator.requests())
    preview = project.preview()
    assert "update" in preview.output and "replace" not in preview.output
    assert "running" in preview.output
    assert emulator.mutating(before) == []

    before = len(emulator.requests())
    project.up()
    assert emulator.calls(before) == ["stop"]
    live = only_notebook(emulator)
    assert live["id"] == notebook_id and live["status"] == "STOPPED"
    assert project.outputs()["nb"]["status"] == "STOPPED"
    assert project.outputs()["nb"]["running"] is False

    project.declare(nb=notebook_spec(running=True))
    before = len(emulator.requests())
    project.up()
    assert emulator.calls(before) == ["start"]
    live = only_notebook(emulator)
    assert live["id"] == notebook_id and live["status"] == "RUNNING"
    out = project.outputs()["nb"]
    assert out["status"] == "RUNNING"
    # The token rotates on start and the output follows it.
    assert live["token"] != first_token and out["token"] == live["token"]


def test_create_with_running_false_ends_stopped(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(running=False))
    project.up()
    assert only_notebook(emulator)["status"] == "STOPPED"
    assert emulator.calls() == ["create", "stop"]
    assert project.outputs()["nb"]["status"] == "STOPPED"


def test_refresh_records_an_out_of_band_stop_and_up_starts_it_again(
    project: PulumiProject, emulator: Emulator
) -> None:
    project.declare(nb=notebook_spec())
    project.up()
    notebook_id = only_notebook(emulator)["id"]
    emulator.force_status(notebook_id, "STOPPED")  # stopped from the console, or an expired lease

    before = len(emulator.requests())
    project.refresh()
    assert emulator.mutating(before) == []
    # Refresh rewrites resource state (stack outputs follow on the next `up`).
    [recorded] = project.resources()
    assert recorded["outputs"]["status"] == "STOPPED" and recorded["outputs"]["running"] is True

    preview = project.preview()
    assert "update" in preview.output and "replace" not in preview.output

    before = len(emulator.requests())
    project.up()
    assert emulator.calls(before) == ["start"]
    assert only_notebook(emulator)["status"] == "RUNNING"
    assert project.outputs()["nb"]["status"] == "RUNNING"


def test_refresh_drops_a_notebook_deleted_outside_and_up_recreates_it(
    project: PulumiProject, emulator: Emulator
) -> None:
    project.declare(nb=notebook_spec(running=False))
    project.up()
    old_id = only_notebook(emulator)["id"]
    emulator.reset()  # everything deleted behind the program's back

    project.refresh()
    assert project.resources() == []

    project.up()
    live = only_notebook(emulator)
    assert live["id"] != old_id and live["status"] == "STOPPED"


def test_destroy_stops_and_deletes_the_notebook(project: PulumiProject, emulator: Emulator) -> None:
    project.declare(nb=notebook_spec(running=True))
    project.up()

    before = len(emulator.requests())
    project.destroy()
    # The service refuses to delete a running notebook (6304): stop first.
    assert emulator.calls(before) == deleting_a_running_notebook(emulator)
    assert emulator.notebooks() == []
    assert project.resources() == []


def test_password_login_works_end_to_end(tmp_path, pulumi_bin: str, emulator: Emulator) -> None:
    project = PulumiProject(tmp_path / "pw", pulumi_bin, emulator, auth="password")
    project.declare(nb=notebook_spec())
    project.up()
    assert only_notebook(emulator)["status"] == "RUNNING"
    assert any(r["path"] == "/v3/auth/tokens" for r in emulator.requests())
    assert all(r["auth"] == "token" for r in emulator.requests() if r["path"].startswith("/v1/"))
    assert PASSWORD not in project.state_text()
    project.destroy()
    assert emulator.notebooks() == []


@pytest.mark.parametrize(
    "bad, field, says",
    [
        ({"volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 1}}, "volume", "5..4096"),
        ({"volume": {"category": "TAPE", "ownership": "MANAGED", "capacity": 5}}, "volume.category",
         "'EVS', 'EFS' or 'SFS'"),
        ({"name": "has space"}, "name", "A-Z a-z 0-9 _ -"),
        ({"description": "a<b"}, "description", "must not contain"),
        ({"flavor": "modelarts.vm.cpu.999u"}, "flavor", "unknown flavor 'modelarts.vm.cpu.999u'; available:"),
        ({"running": "yes"}, "running", "valid boolean"),
    ],
)
def test_bad_input_fails_at_preview_without_side_effects(
    project: PulumiProject, emulator: Emulator, bad: dict, field: str, says: str
) -> None:
    project.declare(nb={**notebook_spec(), **bad})
    result = project.preview(check=False)
    assert result.returncode != 0
    assert f"property {field}" in result.output, result.output
    assert says in result.output, result.output
    assert "Traceback" not in result.output
    assert "Resource monitor has terminated" not in result.output
    assert emulator.mutating() == []
