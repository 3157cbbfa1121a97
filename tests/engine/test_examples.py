"""The programs under examples/ run as they are: `pulumi preview`, `up` and `destroy`
against the emulator, each from a throwaway copy of its directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from testkit import ROOT, VENV_PYTHON
from testkit.emulators import Emulator
from testkit.projects import PulumiProject

pytestmark = pytest.mark.engine

EXAMPLES = ROOT / "examples"
VENV_LINE = "virtualenv: ../../venv"


class ExampleProject(PulumiProject):
    """A PulumiProject whose files are the example's own, with the virtualenv made absolute."""

    def __init__(self, example: Path, workdir: Path, bin_dir: str, emulator: Emulator) -> None:
        self.example = example
        super().__init__(workdir, bin_dir, emulator, program=(example / "__main__.py").read_text())

    def pulumi(self, *args: str, **kwargs):
        if args[:2] == ("stack", "init"):
            self._install_example()
        return super().pulumi(*args, **kwargs)

    def _install_example(self) -> None:
        for item in self.example.iterdir():
            if item.is_file():
                shutil.copy(item, self.dir / item.name)
        text = (self.example / "Pulumi.yaml").read_text()
        assert VENV_LINE in text, "examples use the repository's venv"
        (self.dir / "Pulumi.yaml").write_text(text.replace(VENV_LINE, f"virtualenv: {VENV_PYTHON.parent.parent}"))


@pytest.mark.parametrize("example", ["team-workspace", "nightly-schedule"])
def test_every_example_has_a_runnable_layout(example: str) -> None:
    directory = EXAMPLES / example
    pulumi_yaml = (directory / "Pulumi.yaml").read_text()
    assert f"name: {example}" in pulumi_yaml and "name: python" in pulumi_yaml and "toolchain: pip" in pulumi_yaml
    assert VENV_LINE in pulumi_yaml
    assert "PYTHONPATH" in (directory / "__main__.py").read_text()


def test_team_workspace_example(tmp_path: Path, pulumi_bin: str, emulator: Emulator) -> None:
    project = ExampleProject(EXAMPLES / "team-workspace", tmp_path / "example", pulumi_bin, emulator)
    project.config("members", json.dumps(["anna", "ben"]))

    preview = project.preview()
    assert "+ 4 to create" in preview.output  # the stack, the component and two notebooks
    assert emulator.mutating() == []
    # The image and the flavor were looked up by name and size, read-only.
    assert any(r["path"].endswith("/images") and r["query"].get("name") == "conda3-ubuntu18.04"
               for r in emulator.requests())

    project.up()
    notebooks = {nb["name"]: nb for nb in emulator.notebooks()}
    assert sorted(notebooks) == ["team-anna", "team-ben"]
    assert {nb["flavor"] for nb in notebooks.values()} == {"modelarts.vm.cpu.2u"}
    assert {nb["image"]["id"] for nb in notebooks.values()} == {"27542a4a-3b37-404d-add9-a7d2d2ce6893"}
    assert project.outputs()["statuses"] == {"anna": "RUNNING", "ben": "RUNNING"}

    project.destroy()
    assert emulator.notebooks() == []


def test_nightly_schedule_example(tmp_path: Path, pulumi_bin: str, emulator: Emulator) -> None:
    project = ExampleProject(EXAMPLES / "nightly-schedule", tmp_path / "example", pulumi_bin, emulator)
    project.config("now", "2024-06-04T22:00:00+02:00")  # a Tuesday night in Berlin

    preview = project.preview()
    assert "+ 3 to create" in preview.output
    assert emulator.mutating() == []

    project.up()
    notebooks = {nb["name"]: nb for nb in emulator.notebooks()}
    assert sorted(notebooks) == ["nightly-etl", "nightly-reporting"]
    assert {nb["status"] for nb in notebooks.values()} == {"STOPPED"}
    out = project.outputs()
    assert out["running"] is False and out["statuses"] == {"etl": "STOPPED", "reporting": "STOPPED"}

    project.destroy()
    assert emulator.notebooks() == []
