"""One stack, notebooks in two projects (and regions) of the emulator, on the real engine.

Each project's requests must carry that project's id in the path and credentials
naming that same project (AK/SK's X-Project-Id, or a token scoped to it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from testkit.emulators import PROJECT_ID, Emulator, running_emulator
from testkit.projects import PulumiProject, notebook_spec

OTHER = "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def two_projects() -> Iterator[Emulator]:
    with running_emulator("--extra-project", f"{OTHER}:eu-nl") as emulator:
        yield emulator


def _by_project(emulator: Emulator) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for nb in emulator.notebooks():
        found.setdefault(nb["project_id"], []).append(nb["name"])
    return found


@pytest.mark.parametrize("auth", ["aksk", "password"])
def test_one_stack_two_projects(tmp_path: Path, pulumi_bin: str, two_projects: Emulator, auth: str) -> None:
    emulator = two_projects
    emulator.reset()
    project = PulumiProject(tmp_path / "project", pulumi_bin, emulator, auth=auth)
    elsewhere = {"project_id": OTHER, "region": "eu-nl"}
    project.declare(main=notebook_spec("nb-main"), other=notebook_spec("nb-other", **elsewhere))
    project.up()
    assert _by_project(emulator) == {PROJECT_ID: ["nb-main"], OTHER: ["nb-other"]}

    project.declare(main=notebook_spec("nb-main", running=False),
                    other=notebook_spec("nb-other", running=False, **elsewhere))
    project.up()
    assert {nb["project_id"]: nb["status"] for nb in emulator.notebooks()} == {PROJECT_ID: "STOPPED", OTHER: "STOPPED"}

    # Moving a notebook to another project replaces it, and preview says so without a call.
    before = len(emulator.requests())
    project.declare(main=notebook_spec("nb-main", running=False),
                    other=notebook_spec("nb-other", running=False, project_id=OTHER, region="eu-de"))
    moved = project.preview().output
    assert "replace" in moved and "region" in moved, moved
    assert emulator.mutating(before) == []

    project.declare(main=notebook_spec("nb-main", running=False),
                    other=notebook_spec("nb-other", running=False, **elsewhere))
    project.destroy()
    assert emulator.notebooks() == []

    calls = [r for r in emulator.requests() if r["path"].startswith("/v1/")]
    kind = "aksk" if auth == "aksk" else "token"
    for place in (PROJECT_ID, OTHER):
        mine = [r for r in calls if r["path"].startswith(f"/v1/{place}/")]
        assert {r["method"] for r in mine} >= {"POST", "DELETE"}, place
        assert {(r["auth"], r["credential_project"]) for r in mine} == {(kind, place)}
        assert not [r for r in mine if r["status"] in (401, 403)]  # never refused for its credentials
