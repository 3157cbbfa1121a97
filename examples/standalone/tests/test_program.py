"""Offline checks of this project's program: previewed against the local emulator
that comes with `modelarts-notebooks[emulator]`, no cloud account needed.

Run with `pytest` from the project directory (the Pulumi CLI must be on PATH).
"""

from pathlib import Path

from modelarts_emulator.testing import PulumiStack

import emulator  # this project's own package: the product's is modelarts_emulator

PROJECT = Path(__file__).resolve().parent.parent


def test_the_projects_own_packages_are_its_own():
    assert Path(emulator.__file__).resolve().parent == PROJECT / "emulator"


def test_preview_creates_one_notebook_per_analyst(modelarts_emulator, tmp_path):
    stack = PulumiStack.copy_of(PROJECT, tmp_path, config=modelarts_emulator.config)
    stack.config("analysts", '["ada", "grace", "linus"]')

    created = {n["inputs"]["name"]: n["inputs"] for n in stack.preview_creates()}

    assert sorted(created) == ["ds-ada", "ds-grace", "ds-linus"]
    assert {n["flavor"] for n in created.values()} == {"modelarts.vm.cpu.2u"}
    assert all(n["running"] for n in created.values())
    assert modelarts_emulator.notebooks() == []  # a preview creates nothing


def test_stopped_team_previews_stopped_notebooks(modelarts_emulator, tmp_path):
    stack = PulumiStack.copy_of(PROJECT, tmp_path, config=modelarts_emulator.config)
    stack.config("running", "false")

    created = stack.preview_creates()

    assert len(created) == 2
    assert not any(n["inputs"]["running"] for n in created)
