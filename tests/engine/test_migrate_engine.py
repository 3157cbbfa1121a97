"""From Terraform to Pulumi on the real engine: the program `provider.migrate` writes
for the shared Terraform state adopts the emulator's notebooks of the same ids with
no stop, start, restart or replacement; at most the provider's description marker
is written. Run in a project folder, the command never replaces the program there
unless told to.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from provider.core.identity import resource_identity
from testkit import ROOT
from testkit.emulators import Emulator
from testkit.projects import PulumiProject

pytestmark = pytest.mark.engine

# The state backend / policy pack / pipeline scripts are the subject here, not the service's readings.
READINGS = ("lenient",)


STATE = Path(__file__).resolve().parent.parent / "fixtures" / "terraform" / "terraform.tfstate"
USER_PROGRAM = "# the user's program, written before the migration\n"


def seed_from_state(emulator: Emulator, document: dict) -> dict[str, str]:
    """Put every Terraform notebook into the emulator with its id; returns id -> status."""
    seeded = {}
    for resource in document["resources"]:
        if resource["type"] != "huaweicloud_modelarts_notebook":
            continue
        attrs = resource["instances"][0]["attributes"]
        [volume] = attrs["volume"]
        body = {
            "id": attrs["id"], "status": attrs["status"], "name": attrs["name"], "description": attrs["description"],
            "flavor": attrs["flavor_id"], "image_id": attrs["image_id"],
            "volume": {"category": volume["type"], "ownership": volume["ownership"], "capacity": volume["size"]},
        }
        response = emulator.session.post(f"{emulator.url}/_emulator/seed/notebooks", json=body, timeout=10)
        assert response.status_code == 200, response.text
        seeded[attrs["id"]] = attrs["status"]
    return seeded


def migrate_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m provider.migrate` run as a user runs it, in their project folder."""
    return subprocess.run([sys.executable, "-m", "provider.migrate", str(STATE), *args], cwd=folder,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)}, timeout=60)


def test_first_up_adopts_terraform_notebooks_with_only_the_marker_written(
    tmp_path: Path, pulumi_bin: str, emulator: Emulator
) -> None:
    document = json.loads(STATE.read_text())
    seeded = seed_from_state(emulator, document)
    assert len(seeded) == 2
    project = PulumiProject(tmp_path / "migrated", pulumi_bin, emulator, program=USER_PROGRAM)
    program_file = project.dir / "__main__.py"

    refused = migrate_in(project.dir, "--out", "__main__.py")
    assert refused.returncode == 2 and "__main__.py already exists" in refused.stderr and "--force" in refused.stderr
    assert program_file.read_text() == USER_PROGRAM
    printed = migrate_in(project.dir)
    assert printed.returncode == 0 and "Notebook(" in printed.stdout
    assert program_file.read_text() == USER_PROGRAM
    replaced = migrate_in(project.dir, "--out", "__main__.py", "--force")
    assert replaced.returncode == 0 and program_file.read_text() == printed.stdout

    before = len(emulator.requests())
    project.up()
    # At most the description marker's update per notebook: no stop, start, create or delete.
    assert [call for call in emulator.calls(before) if call != "update"] == []
    updates = [r for r in emulator.requests()[before:] if r["mutating"]]
    assert all(r["method"] == "PUT" and r["path"].rsplit("/", 1)[-1] in seeded for r in updates)
    updated = {r["path"].rsplit("/", 1)[-1] for r in updates}
    assert len(updated) == len(updates)  # one update at most per notebook
    live = {nb["id"]: nb for nb in emulator.notebooks()}
    assert {nid: nb["status"] for nid, nb in live.items()} == seeded
    resources = project.resources()
    assert sorted(r["id"] for r in resources) == sorted(seeded)
    # Each description is Terraform's, and an update wrote exactly this resource's marker after it.
    terraform = {r["instances"][0]["attributes"]["id"]: r["instances"][0]["attributes"]["description"]
                 for r in document["resources"] if r["type"] == "huaweicloud_modelarts_notebook"}
    for resource in resources:
        notebook_id, name = resource["id"], resource["urn"].rsplit("::", 1)[-1]
        marker = f" [managed-by:{resource_identity('nbtest', 'test', name)}]" if notebook_id in updated else ""
        assert live[notebook_id]["description"] == terraform[notebook_id] + marker, name

    before = len(emulator.requests())
    project.up()
    assert emulator.mutating(before) == []
