"""The wheel installs on its own: outside the checkout, in a fresh venv, with its
declared dependencies only, and every import package loads from it."""

from __future__ import annotations

from pathlib import Path

from tests.packaging.wheel import ROOT, built_wheel, fresh_venv, run_in

IMPORTS = """
import json, sys
import components, emulator, provider
import emulator.pytest_plugin, emulator.testing
from emulator import create_app
from provider.notebook import NotebookProvider
from importlib.metadata import entry_points, version
plugins = [e.value for e in entry_points(group="pytest11")]
print(json.dumps({"files": [m.__file__ for m in (components, emulator, provider)], "version": version("modelarts-notebooks"),
                  "module_version": provider.__version__, "plugins": plugins,
                  "data": [str(p.name) for p in __import__("importlib.resources").resources.files("emulator").joinpath("data").iterdir()]}))
"""


def test_wheel_installs_and_imports_outside_the_checkout(tmp_path: Path) -> None:
    import json

    wheel = built_wheel()
    vpython = fresh_venv(tmp_path / "venv", f"{wheel}[emulator]")
    facts = json.loads(run_in(vpython, "-c", IMPORTS, cwd=tmp_path))
    for path in facts["files"]:
        assert not Path(path).resolve().is_relative_to(ROOT), f"{path} was imported from the checkout"
    assert facts["version"] == facts["module_version"]
    assert "emulator.pytest_plugin" in facts["plugins"]
    assert {"flavors.json", "images.json"} <= set(facts["data"])
    run_in(vpython, "-m", "pip", "check", cwd=tmp_path)
