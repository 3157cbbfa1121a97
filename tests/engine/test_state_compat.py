"""Upgrades never strand state: the stack each release recorded (tests/fixtures/state/<version>/,
made by tools/record_state_fixture.py) is previewed with no diff, refreshed, updated and
destroyed by the current code, and so is the same state stripped of the outputs that a
release older than the fixture would not have written."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from testkit.emulators import Emulator
from testkit.projects import PulumiProject
from testkit.state_fixture import DECLARED, FIXTURES

pytestmark = pytest.mark.engine

RELEASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "stack.json").is_file())
# Outputs a notebook's state may lack: each was added after the first layout, and the
# provider must treat its absence as "not known yet", never as a change.
LATER_OUTPUTS = ("timings", "action_progress", "auto_stop_at", "create_at", "image", "lease", "endpoints")


def older_layout(state: dict) -> dict:
    """The recorded state as an older release would have written it."""
    state = copy.deepcopy(state)
    for resource in state["deployment"]["resources"]:
        if resource["type"].endswith("modelarts:Notebook"):
            for key in LATER_OUTPUTS:
                resource["outputs"].pop(key, None)
    return state


def pointed_at(state: dict, url: str) -> str:
    """The state as text, its recorded endpoint replaced by this emulator's (the port differs per
    run; a real endpoint does not), since refresh reads the provider configuration from state."""
    [provider] = [r for r in state["deployment"]["resources"] if r["type"] == "pulumi:providers:pulumi-python"]
    return json.dumps(state).replace(provider["inputs"]["modelarts:endpoint"], url)


def imported_stack(tmp_path: Path, pulumi_bin: str, emulator: Emulator, state: dict, release: str) -> PulumiProject:
    emulator.load_inventory(json.loads((FIXTURES / release / "inventory.json").read_text()))
    project = PulumiProject(tmp_path / "project", pulumi_bin, emulator)
    project.declare(**DECLARED)
    state_file = tmp_path / "state.json"
    state_file.write_text(pointed_at(state, emulator.url))
    project.pulumi("stack", "import", "--file", str(state_file))
    return project


def changed_steps(project: PulumiProject) -> list[tuple[str, str]]:
    steps = json.loads(project.pulumi("preview", "--json").stdout).get("steps", [])
    return [(s["op"], s["urn"].rsplit("::", 1)[-1]) for s in steps if s["op"] != "same"]


@pytest.mark.parametrize("layout", ["recorded", "older"])
@pytest.mark.parametrize("release", RELEASES)
def test_recorded_state_previews_refreshes_updates_and_destroys(
        tmp_path: Path, pulumi_bin: str, emulator: Emulator, release: str, layout: str) -> None:
    recorded = json.loads((FIXTURES / release / "stack.json").read_text())
    state = recorded if layout == "recorded" else older_layout(recorded)
    project = imported_stack(tmp_path, pulumi_bin, emulator, state, release)
    start = len(emulator.requests())

    assert changed_steps(project) == []
    project.refresh()
    assert changed_steps(project) == []
    assert emulator.calls(start) == []

    project.declare(**{**DECLARED, "beta": {**DECLARED["beta"], "running": True}})
    project.up()
    assert emulator.calls(start) == ["start"]
    assert {n["name"]: n["status"] for n in emulator.notebooks()} == {"compat-alpha": "RUNNING",
                                                                      "compat-beta": "RUNNING"}
    project.destroy()
    assert emulator.notebooks() == []


def test_fixture_of_this_release_is_committed() -> None:
    from provider import __version__

    assert __version__ in RELEASES, "record it: venv/bin/python tools/record_state_fixture.py"
