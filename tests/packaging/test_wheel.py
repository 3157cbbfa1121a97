"""The wheel installs on its own: outside the checkout, in a fresh venv, with its
declared dependencies only, and every import package loads from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packaging.wheel import ROOT, built_wheel, fresh_venv, run_in

pytestmark = pytest.mark.packaging

IMPORTS = """
import json, sys
import modelarts_emulator, modelarts_notebooks
import modelarts_notebooks.components as components
import modelarts_emulator.pytest_plugin, modelarts_emulator.testing
from modelarts_emulator import create_app
from modelarts_notebooks.notebook import NotebookProvider
from importlib.metadata import distribution, entry_points, version
from importlib.resources import files
plugins = [e.value for e in entry_points(group="pytest11")]
top = sorted({f.parts[0] for f in distribution("modelarts-notebooks").files if f.suffix == ".py" and len(f.parts) > 1})
print(json.dumps({"files": [m.__file__ for m in (components, modelarts_emulator, modelarts_notebooks)],
                  "version": version("modelarts-notebooks"), "module_version": modelarts_notebooks.__version__,
                  "plugins": plugins, "top": top, "team": components.TeamWorkspace.__module__,
                  "data": [str(p.name) for p in files("modelarts_emulator").joinpath("data").iterdir()]}))
"""


def test_wheel_installs_and_imports_outside_the_checkout(tmp_path: Path) -> None:
    import json

    wheel = built_wheel()
    vpython = fresh_venv(tmp_path / "venv", f"{wheel}[emulator]")
    facts = json.loads(run_in(vpython, "-c", IMPORTS, cwd=tmp_path))
    for path in facts["files"]:
        assert not Path(path).resolve().is_relative_to(ROOT), f"{path} was imported from the checkout"
    assert facts["version"] == facts["module_version"]
    assert "modelarts_emulator.pytest_plugin" in facts["plugins"]
    assert facts["top"] == ["modelarts_emulator", "modelarts_notebooks"], "every installed import name is distinctive"
    assert facts["team"] == "modelarts_notebooks.components.team_workspace"
    assert {"flavors.json", "images.json"} <= set(facts["data"])
    run_in(vpython, "-m", "pip", "check", cwd=tmp_path)
