"""A TeamWorkspace on the real Pulumi engine against the emulator.

One stack goes through a team's week: three notebooks come up during office
hours, the schedule stops them at night, a member leaves, and one member's
override keeps a notebook running at night. The program computes
`running=schedule.running_at(<instant>)` with the instant taken from stack
configuration, so every step is deterministic.
"""

from __future__ import annotations

import json

import pytest

from testkit.emulators import CPU_FLAVOR, IMAGE_ID, Emulator
from testkit.projects import PulumiProject

pytestmark = pytest.mark.engine

PROGRAM = f'''
import pulumi
from components import RunSchedule, TeamWorkspace, parse_instant

config = pulumi.Config()
schedule = RunSchedule(timezone="Europe/Berlin", days=["mon-fri"], start="08:00", stop="19:00")
workspace = TeamWorkspace(
    "team",
    members=config.require_object("members"),
    notebook={{
        "flavor": "{CPU_FLAVOR}",
        "image_id": "{IMAGE_ID}",
        "volume": {{"category": "EVS", "ownership": "MANAGED", "capacity": 5}},
    }},
    overrides=config.get_object("overrides") or {{}},
    running=schedule.running_at(parse_instant(config.require("now"))),
)
pulumi.export("urls", workspace.urls)
pulumi.export("statuses", workspace.statuses)
pulumi.export("notebook_ids", workspace.notebook_ids)
pulumi.export("volumes", workspace.volumes)
'''

MONDAY_MORNING = "2024-06-03T10:00:00+02:00"
MONDAY_NIGHT = "2024-06-03T21:30:00Z"  # 23:30 in Berlin


def kinds(emulator: Emulator, since: int) -> list[tuple[str, str]]:
    """(operation, notebook id) of every mutating call since request `since`."""
    result = []
    for method, path in emulator.mutating(since):
        parts = path.split("/")
        if path.endswith("/notebooks"):
            result.append(("create", ""))
        elif parts[-1] in ("start", "stop"):
            result.append((parts[-1], parts[-2]))
        elif method == "DELETE":
            result.append(("delete", parts[-1]))
        else:
            result.append((f"{method}", parts[-1]))
    return sorted(result)


def live(emulator: Emulator) -> dict[str, dict]:
    return {nb["name"]: nb for nb in emulator.notebooks()}


def test_a_team_workspace_through_a_week(tmp_path, pulumi_bin: str, emulator: Emulator) -> None:
    project = PulumiProject(tmp_path / "team", pulumi_bin, emulator, program=PROGRAM)
    project.config("members", json.dumps(["anna", "ben", "chris"]))
    project.config("now", MONDAY_MORNING)

    # Monday morning: three notebooks come up, running, named after workspace and member.
    project.up()
    notebooks = live(emulator)
    assert sorted(notebooks) == ["team-anna", "team-ben", "team-chris"]
    assert {nb["status"] for nb in notebooks.values()} == {"RUNNING"}
    assert kinds(emulator, 0) == [("create", "")] * 3
    ids = {member: notebooks[f"team-{member}"]["id"] for member in ("anna", "ben", "chris")}
    out = project.outputs()
    assert out["notebook_ids"] == ids
    assert out["statuses"] == {"anna": "RUNNING", "ben": "RUNNING", "chris": "RUNNING"}
    assert set(out["urls"]) == {"anna", "ben", "chris"} and ids["ben"] in out["urls"]["ben"]
    assert out["volumes"]["chris"]["capacity"] == 5
    assert sorted(r["urn"].rsplit("::", 1)[1] for r in project.resources()) == ["team-anna", "team-ben", "team-chris"]
    assert all("modelarts:components:TeamWorkspace$" in r["urn"] for r in project.resources())

    # Monday night: the schedule stops all three, in place.
    project.config("now", MONDAY_NIGHT)
    before = len(emulator.requests())
    project.up()
    assert kinds(emulator, before) == sorted(("stop", i) for i in ids.values())
    assert {nb["status"] for nb in emulator.notebooks()} == {"STOPPED"}
    assert project.outputs()["statuses"] == {"anna": "STOPPED", "ben": "STOPPED", "chris": "STOPPED"}

    # Ben leaves: only his notebook is deleted; the others are not touched.
    project.config("members", json.dumps(["anna", "chris"]))
    before = len(emulator.requests())
    preview = project.preview()
    assert "Notebook::team-ben]" in preview.output
    assert "- 1 to delete" in preview.output and "4 unchanged" in preview.output  # the stack, component, anna, chris
    assert emulator.mutating(before) == []
    project.up()
    assert kinds(emulator, before) == [("delete", ids["ben"])]
    notebooks = live(emulator)
    assert sorted(notebooks) == ["team-anna", "team-chris"]
    assert notebooks["team-anna"]["id"] == ids["anna"] and notebooks["team-chris"]["id"] == ids["chris"]
    assert project.outputs()["notebook_ids"] == {"anna": ids["anna"], "chris": ids["chris"]}

    # Anna has a long training run: her override keeps her notebook running at night.
    project.config("overrides", json.dumps({"anna": {"running": True}}))
    before = len(emulator.requests())
    preview = project.preview()
    assert "~ 1 to update" in preview.output and "Notebook::team-anna]" in preview.output
    assert "team-chris]" not in preview.output
    project.up()
    assert kinds(emulator, before) == [("start", ids["anna"])]
    notebooks = live(emulator)
    assert notebooks["team-anna"]["status"] == "RUNNING" and notebooks["team-chris"]["status"] == "STOPPED"
    assert project.outputs()["statuses"] == {"anna": "RUNNING", "chris": "STOPPED"}

    # Converged: another run changes nothing.
    before = len(emulator.requests())
    project.up()
    assert emulator.mutating(before) == []

    project.destroy()
    assert emulator.notebooks() == []
    assert project.resources(type_suffix="") == []
