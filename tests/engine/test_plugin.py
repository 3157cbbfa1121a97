"""The provider plugin on the real engine, from programs in other languages than the dynamic
resource's: a Pulumi YAML program, a Python program on the generated SDK, the TypeScript and
Go SDKs compiled, and a TypeScript program where a Node.js language host is installed.

One scenario per kind of program: create, a flavor change and its restart at
`preview --diff`, stop with `running: false`, `pulumi import` of a notebook made
elsewhere (the next preview quiet), an unknown id refused clearly, destroy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from testkit import VENV_PYTHON
from testkit.emulators import BIG_CPU_FLAVOR, CPU_FLAVOR, IMAGE_ID, SECRET_KEY, Emulator
from testkit.plugins import Built, PluginStack, built_plugin, seed_notebook, yaml_program

pytestmark = pytest.mark.engine

# The service's readings are the dynamic resource's tests' subject; the front end is this one's.
READINGS = ("lenient",)

MADE_ELSEWHERE = "5e1f0c2a-9d7b-4c3e-8a61-0b2d4f6e8a10"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
RESTART_NOTE = "changing flavor needs a stopped notebook: it will be stopped and started again"


@pytest.fixture(scope="module")
def built() -> Built:
    return built_plugin()


def notebook(name: str, running: bool = True, flavor: str = CPU_FLAVOR) -> dict[str, Any]:
    """A notebook's properties as YAML and the TypeScript SDK name them (camelCase)."""
    return {"name": name, "flavor": flavor, "imageId": IMAGE_ID, "volume": {"category": "EVS", "capacity": 5},
            "running": running}


def only(emulator: Emulator, name: str) -> dict:
    [live] = [n for n in emulator.notebooks() if n["name"] == name]
    return live


def assert_unknown_id_refused(stack: PluginStack) -> None:
    result = stack.import_notebook("ghost", UNKNOWN_ID, "--generate-code=false", check=False)
    assert result.returncode != 0
    assert f"no notebook with id '{UNKNOWN_ID}'" in result.output and "nothing to import" in result.output
    assert "Traceback" not in result.output and "ghost" not in json.dumps(stack.resources("modelarts:index:Notebook"))


def test_yaml_program_lifecycle_and_import(tmp_path: Path, pulumi_bin: str, emulator: Emulator, built: Built) -> None:
    project = tmp_path / "project"
    project.mkdir()

    def declare(**resources: Any) -> None:
        (project / "Pulumi.yaml").write_text(yaml_program(resources, {"status": "${nb.status}"}))

    declare(nb={"type": "modelarts:index:Notebook", "properties": notebook("yaml-nb")})
    stack = PluginStack(project, tmp_path, pulumi_bin, emulator, built)
    stack.up()
    live = only(emulator, "yaml-nb")
    assert live["status"] == "RUNNING" and stack.outputs() == {"status": "RUNNING"}
    state = stack.state_text()
    assert live["token"] not in state and SECRET_KEY not in state

    declare(nb={"type": "modelarts:index:Notebook", "properties": notebook("yaml-nb", flavor=BIG_CPU_FLAVOR)})
    since = len(emulator.requests())
    preview = stack.preview().output
    assert f'~ flavor: "{CPU_FLAVOR}" => "{BIG_CPU_FLAVOR}"' in preview and RESTART_NOTE in preview
    assert emulator.mutating(since) == []

    declare(nb={"type": "modelarts:index:Notebook", "properties": notebook("yaml-nb", running=False)})
    stack.up()
    assert only(emulator, "yaml-nb")["status"] == "STOPPED"

    seed_notebook(emulator, MADE_ELSEWHERE, "made-elsewhere", "STOPPED", description="from the console")
    stack.import_notebook("imported", MADE_ELSEWHERE, "--out", str(tmp_path / "imported.yaml"))
    generated = yaml.safe_load((tmp_path / "imported.yaml").read_text())["resources"]["imported"]
    assert generated["properties"]["running"] is False and generated["options"]["protect"] is True
    declare(nb={"type": "modelarts:index:Notebook", "properties": notebook("yaml-nb", running=False)},
            imported=generated)
    stack.assert_no_changes()
    assert_unknown_id_refused(stack)

    stack.unprotect_all()
    stack.destroy()
    assert emulator.notebooks() == []


PYTHON_PROGRAM = '''
import pulumi
import pulumi_modelarts as modelarts

for key, spec in pulumi.Config().require_object("notebooks").items():
    protect = spec.pop("protect", False)
    nb = modelarts.Notebook(key, opts=pulumi.ResourceOptions(protect=protect), **spec)
    pulumi.export(key, {"id": nb.notebook_id, "status": nb.status, "token": nb.token})
'''


def python_spec(name: str, running: bool = True, flavor: str = CPU_FLAVOR) -> dict[str, Any]:
    return {"name": name, "flavor": flavor, "image_id": IMAGE_ID, "volume": {"category": "EVS", "capacity": 5},
            "running": running}


def test_python_program_on_the_generated_sdk(tmp_path: Path, pulumi_bin: str, emulator: Emulator,
                                             built: Built) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: plugin-python\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {VENV_PYTHON.parent.parent}\n")
    (project / "__main__.py").write_text(PYTHON_PROGRAM)
    # The SDK as a team installs it (its wheel); not the checkout: the plugin brings the provider.
    stack = PluginStack(project, tmp_path, pulumi_bin, emulator, built, env={"PYTHONPATH": str(built.python_site)})

    def declare(**notebooks: dict[str, Any]) -> None:
        stack.config("notebooks", json.dumps(notebooks))

    declare(nb=python_spec("py-nb"))
    stack.up()
    live = only(emulator, "py-nb")
    out = stack.outputs()["nb"]
    assert out["id"] == live["id"] and out["status"] == "RUNNING" and out["token"] == live["token"]
    assert live["token"] not in stack.state_text()

    declare(nb=python_spec("py-nb", flavor=BIG_CPU_FLAVOR))
    preview = stack.preview().output
    assert f'~ flavor: "{CPU_FLAVOR}" => "{BIG_CPU_FLAVOR}"' in preview and RESTART_NOTE in preview

    declare(nb=python_spec("py-nb", running=False))
    stack.up()
    assert only(emulator, "py-nb")["status"] == "STOPPED"

    # The project's language host cannot print Python code for the import: the recorded inputs are the code.
    seed_notebook(emulator, MADE_ELSEWHERE, "made-elsewhere", "RUNNING")
    stack.import_notebook("imported", MADE_ELSEWHERE, "--generate-code=false")
    [recorded] = [r["inputs"] for r in stack.resources("modelarts:index:Notebook") if r["id"] == MADE_ELSEWHERE]
    assert recorded == {"name": "made-elsewhere", "flavor": CPU_FLAVOR, "imageId": IMAGE_ID, "running": True,
                        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}}
    imported = {"name": "made-elsewhere", "flavor": CPU_FLAVOR, "image_id": IMAGE_ID, "running": True,
                "volume": recorded["volume"], "protect": True}
    declare(nb=python_spec("py-nb", running=False), imported=imported)
    stack.assert_no_changes()

    stack.unprotect_all()
    stack.destroy()
    assert emulator.notebooks() == []


def test_typescript_and_go_sdks_compile(built: Built) -> None:
    nodejs, go = built.sdk / "nodejs", built.sdk / "go"
    tsc = subprocess.run(["node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit"], cwd=nodejs,
                         capture_output=True, text=True, timeout=300)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
    assert "class Notebook extends pulumi.CustomResource" in (nodejs / "bin" / "notebook.d.ts").read_text()
    build = subprocess.run(["go", "build", "./..."], cwd=go, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"})
    assert build.returncode == 0, build.stdout + build.stderr


TYPESCRIPT_PROGRAM = '''
import * as pulumi from "@pulumi/pulumi";
import * as modelarts from "{sdk}";

const nb = new modelarts.Notebook("nb", {{
    name: "ts-nb", flavor: "{flavor}", imageId: "{image}", volume: {{ category: "EVS", capacity: 5 }},
    running: new pulumi.Config().requireBoolean("running"),
}});
export const status = nb.status;
'''


def test_typescript_program(tmp_path: Path, pulumi_bin: str, emulator: Emulator, built: Built) -> None:
    host = shutil.which("pulumi-language-nodejs", path=f"{pulumi_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    if host is None:
        pytest.skip("no Node.js language host (pulumi-language-nodejs) on PATH: its Go module cannot be fetched "
                    "from the module proxy, so a TypeScript program cannot run here; the SDK's compile is tested")
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: plugin-ts\nruntime: nodejs\n")
    (project / "package.json").write_text(json.dumps({"name": "plugin-ts", "main": "index.ts"}))
    (project / "index.ts").write_text(TYPESCRIPT_PROGRAM.format(
        sdk=built.sdk / "nodejs" / "bin", flavor=CPU_FLAVOR, image=IMAGE_ID))
    (project / "node_modules").symlink_to((built.sdk / "nodejs" / "node_modules").resolve())
    stack = PluginStack(project, tmp_path, pulumi_bin, emulator, built)
    stack.config("running", "true")
    stack.up()
    assert only(emulator, "ts-nb")["status"] == "RUNNING"
    stack.config("running", "false")
    stack.up()
    assert only(emulator, "ts-nb")["status"] == "STOPPED"
    stack.destroy()
    assert emulator.notebooks() == []
