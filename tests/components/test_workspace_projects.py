"""A TeamWorkspace places its notebooks in a project and region of its own; members may differ."""

from __future__ import annotations

from typing import Iterator

import pytest

from components.team_workspace import TeamWorkspace, TeamWorkspaceArgs, TeamWorkspaceError, plan_members
from provider.lookups import LookupFailedError, clear_cache, flavor_id, image_id
from tests.components.test_components_mocks import SHARED
from testkit.emulators import ACCESS_KEY, PROJECT_ID, SECRET_KEY, Emulator, running_emulator

OTHER = "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running_emulator("--extra-project", f"{OTHER}:eu-nl") as emulator:
        yield emulator


def test_the_workspace_placement_reaches_every_member_unless_overridden() -> None:
    args = TeamWorkspaceArgs(members=["anna", "ben", "chris"], notebook=SHARED, project_id=OTHER, region="eu-nl",
                             overrides={"ben": {"project_id": None, "region": None},
                                        "chris": {"region": "eu-de"}})
    specs = plan_members("team", args)
    assert (specs["anna"]["project_id"], specs["anna"]["region"]) == (OTHER, "eu-nl")
    assert "project_id" not in specs["ben"] and "region" not in specs["ben"]  # the stack's defaults
    assert (specs["chris"]["project_id"], specs["chris"]["region"]) == (OTHER, "eu-de")


def test_the_notebook_mapping_may_place_them_too() -> None:
    specs = plan_members("team", TeamWorkspaceArgs(members=["anna"], notebook={**SHARED, "project_id": OTHER},
                                                   region="eu-nl"))
    assert (specs["anna"]["project_id"], specs["anna"]["region"]) == (OTHER, "eu-nl")


def test_args_and_placement_keywords_do_not_mix() -> None:
    with pytest.raises(TeamWorkspaceError, match="not both"):
        TeamWorkspace("team", TeamWorkspaceArgs(members=["anna"], notebook=SHARED), region="eu-nl")


def test_program_lookups_ask_the_notebooks_own_project(emulator: Emulator) -> None:
    clear_cache()
    values = {"modelarts:endpoint": emulator.url, "modelarts:region": "eu-de", "modelarts:projectId": PROJECT_ID,
              "modelarts:accessKey": ACCESS_KEY, "modelarts:secretKey": SECRET_KEY}
    get = values.get
    assert image_id("conda3-ubuntu18.04", config_get=get, environ={}, project_id=OTHER, region="eu-nl")
    assert flavor_id(category="CPU", smallest=True, config_get=get, environ={}, project_id=OTHER, region="eu-nl")
    paths = {r["path"].split("/")[2] for r in emulator.requests()}
    assert paths == {OTHER}
    with pytest.raises(LookupFailedError, match="region"):
        image_id("conda3-ubuntu18.04", config_get=get, environ={}, project_id=OTHER, region="xx-nowhere")
    clear_cache()
