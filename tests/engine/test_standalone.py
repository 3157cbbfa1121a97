"""A team's own repository (examples/standalone/), with packages of its own named
`provider`, `components`, `emulator` and `policy`: the built wheel installed into the
project's own venv, no PYTHONPATH, the program and its own offline tests run by the
real engine. The product's names (`modelarts_notebooks`, `modelarts_emulator`) never
shadow the project's, and the dynamic-provider process finds the product's provider
in the installed package."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from emulator.testing import PulumiStack
from testkit import ROOT
from testkit.emulators import Emulator
from tests.packaging.wheel import built_wheel, fresh_venv, run_in

pytestmark = pytest.mark.engine

STANDALONE = ROOT / "examples" / "standalone"
CHECKOUT_REQUIREMENT = "../..[emulator]"


def install_standalone(dest: Path) -> Path:
    """Copy the project, point its requirement at the built wheel, make its venv; returns its python."""
    shutil.copytree(STANDALONE, dest, ignore=shutil.ignore_patterns("venv", "__pycache__", "Pulumi.*.yaml"))
    requirements = dest / "requirements.txt"
    text = requirements.read_text()
    assert CHECKOUT_REQUIREMENT in text.splitlines(), "the example names the package by relative path"
    requirements.write_text(text.replace(CHECKOUT_REQUIREMENT, f"{built_wheel()}[emulator]"))
    return fresh_venv(dest / "venv", "-r", str(requirements))


def test_standalone_project_lifecycle_and_its_own_tests(tmp_path: Path, pulumi_bin: str, emulator: Emulator,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)
    project = tmp_path / "standalone"
    vpython = install_standalone(project)
    where = run_in(vpython, "-c", "import modelarts_notebooks.notebook as m; print(m.__file__)", cwd=tmp_path).strip()
    assert Path(where).is_relative_to(project / "venv"), where
    own = run_in(vpython, "-c", "import components, provider; print(components.__file__, provider.__file__)",
                 cwd=project).split()
    assert [Path(p).parent for p in own] == [project / "components", project / "provider"], own

    path = f"{pulumi_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    stack = PulumiStack(project, tmp_path / "work", config=emulator.config, env={"PATH": path})
    assert "PYTHONPATH" not in stack.env
    assert sorted(n["inputs"]["name"] for n in stack.preview_creates()) == ["ds-ada", "ds-grace"]
    stack.up()
    assert sorted((n["name"], n["status"]) for n in emulator.notebooks()) == [("ds-ada", "RUNNING"),
                                                                             ("ds-grace", "RUNNING")]
    stack.config("running", "false")
    stack.up()
    assert {n["status"] for n in emulator.notebooks()} == {"STOPPED"}
    stack.refresh()
    assert {step["op"] for step in stack.preview_steps()} == {"same"}
    stack.destroy()
    assert emulator.notebooks() == []

    # The project's own offline tests, through the plugin the package installs.
    monkeypatch.setenv("PATH", path)
    report = run_in(vpython, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert "3 passed" in report, report
