"""A TeamWorkspace places its notebooks in a project and region of its own; members may differ."""

from __future__ import annotations

import pytest

from components.team_workspace import TeamWorkspace, TeamWorkspaceArgs, TeamWorkspaceError, plan_members
from tests.components.test_components_mocks import SHARED

OTHER = "fedcba9876543210fedcba9876543210"


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
