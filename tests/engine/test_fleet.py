"""A fleet of notebooks flips together, not four at a time."""

from __future__ import annotations

from itertools import pairwise

import pytest

from testkit.emulators import Emulator
from testkit.projects import PulumiProject, notebook_spec

pytestmark = pytest.mark.engine
FLEET = 8


def most_at_once(emulator: Emulator, transient: str) -> int:
    """The largest number of notebooks that were in `transient` at the same moment."""
    events = []
    for notebook in emulator.notebooks():
        history = notebook["history"]
        for entry, following in pairwise(history):
            if entry["status"] == transient:
                events += [(entry["at_ms"], 1), (following["at_ms"], -1)]
    current = best = 0
    for _at, change in sorted(events, key=lambda e: (e[0], e[1])):
        current += change
        best = max(best, current)
    return best


def test_a_fleet_flips_in_one_round(project: PulumiProject, emulator: Emulator) -> None:
    emulator.configure(max_notebooks=20)
    project.env["PULUMI_PARALLEL"] = "32"
    fleet = {f"nb{i}": notebook_spec(name=f"fleet-{i}") for i in range(FLEET)}
    project.declare(**fleet)
    project.up()
    assert [n["status"] for n in emulator.notebooks()] == ["RUNNING"] * FLEET

    # Long enough transitions that every stop is in flight before the first ends. The subject is how many
    # calls run at once in real time, so here the emulator's time is the wall clock.
    emulator.set_clock(mode="wall")
    emulator.configure(transition_seconds=3)
    project.declare(**{key: {**spec, "running": False} for key, spec in fleet.items()})
    project.up()
    assert [n["status"] for n in emulator.notebooks()] == ["STOPPED"] * FLEET
    # The SDK's provider server runs 4 calls at a time unless the provider widens it.
    assert most_at_once(emulator, "STOPPING") > 4
