"""Soak: a 30-notebook stack through up, two flips and destroy, with 20% transient faults,
lost answers on every mutating route and a list that lags behind creates.

Run on demand (`make soak`, or `pytest -m soak`); several rounds in a row. After
each step the emulator's inventory must equal the stack's state: nothing
leaked, nothing duplicated.
"""

from __future__ import annotations

import os

import pytest

from testkit.emulators import Emulator
from testkit.projects import PulumiProject, notebook_spec

pytestmark = [pytest.mark.engine, pytest.mark.soak]

FLEET = int(os.environ.get("SOAK_NOTEBOOKS", "30"))
ROUNDS = int(os.environ.get("SOAK_ROUNDS", "3"))
# Transient answers a real service gives under load; each answers before any effect.
FAULTS = [
    {"method": "*", "path_regex": "/notebooks", "status": 503, "error_code": "ModelArts.6101", "probability": 0.08,
     "retry_after": 0},
    {"method": "GET", "path_regex": "/notebooks", "status": 429, "error_code": "ModelArts.6101", "probability": 0.06,
     "retry_after": 0},
    {"method": "*", "path_regex": "/notebooks/", "status": 502, "error_code": "ModelArts.0010", "probability": 0.03},
    {"method": "GET", "path_regex": "/notebooks/", "status": None, "reset_connection": True, "probability": 0.03},
]
# Answers lost after the request took effect, on every mutating route.
LOST_ANSWERS = [
    {"method": method, "path_regex": path, "status": 502, "error_code": "ModelArts.0010", "after_effect": True,
     "probability": 0.05}
    for method, path in (("POST", r"/notebooks$"), ("POST", r"/start$"), ("POST", r"/stop$"),
                         ("PUT", r"/notebooks/[^/]+$"), ("DELETE", r"/notebooks/[^/]+$"), ("PATCH", r"/lease$"))
] + [{"method": "POST", "path_regex": r"/stop$", "status": None, "reset_connection": True, "after_effect": True,
      "probability": 0.03}]


def inventory_matches_state(project: PulumiProject, emulator: Emulator, status: str) -> None:
    live = {n["id"]: n for n in emulator.notebooks()}
    recorded = {r["id"]: r for r in project.resources()}
    assert set(live) == set(recorded), "leaked or lost notebooks"
    names = [n["name"] for n in live.values()]
    assert len(names) == len(set(names)) == FLEET, "duplicated notebooks"
    assert {n["status"] for n in live.values()} == {status}
    assert {r["outputs"]["status"] for r in recorded.values()} == {status}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_fleet_converges_under_transient_faults(project: PulumiProject, emulator: Emulator, round_: int) -> None:
    emulator.configure(max_notebooks=FLEET + 10, transition_seconds=1, list_lag_seconds=2)
    rules = LOST_ANSWERS + FAULTS  # the first matching rule wins: lost answers are tried first
    emulator.session.post(f"{emulator.url}/_emulator/faults", json={"rules": rules, "seed": round_}).raise_for_status()
    project.env["PULUMI_PARALLEL"] = str(FLEET + 2)
    fleet = {f"nb{i}": notebook_spec(name=f"soak-{i}") for i in range(FLEET)}

    project.declare(**fleet)
    project.up()
    inventory_matches_state(project, emulator, "RUNNING")

    project.declare(**{k: {**v, "running": False} for k, v in fleet.items()})
    project.up()
    inventory_matches_state(project, emulator, "STOPPED")

    project.declare(**fleet)
    project.up()
    inventory_matches_state(project, emulator, "RUNNING")

    project.destroy()
    assert emulator.notebooks() == [] and project.resources() == []
    fired = sum(r["fired"] for r in emulator.session.get(f"{emulator.url}/_emulator/faults").json()["rules"])
    calls = len(emulator.requests())
    print(f"\nsoak round {round_}: {FLEET} notebooks, {calls} API calls, {fired} faults injected and survived")
    assert fired > 0
