"""The Terraform migration: state (v4 or `show -json`) in, an adopting program and a report out."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provider.migrate import MigrationError, migrate, read_resources, render_program, render_report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "terraform"
STATE = json.loads((FIXTURES / "terraform.tfstate").read_text())
SHOW = json.loads((FIXTURES / "tofu-show.json").read_text())
ROOT = Path(__file__).resolve().parent.parent.parent


def args_by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item.resource_name: item.args for item in migrate(read_resources(document))}


def test_the_shared_state_file_maps_every_notebook() -> None:
    found = args_by_name(STATE)
    assert found == {
        "analysis": {
            "name": "team_analysis", "flavor": "modelarts.vm.cpu.8u",
            "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54090",
            "description": "analysis notebook of the data team",
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 50},
            "running": True, "adopt_id": "9176e07e-bb38-44ed-b37c-ade866bdf197",
        },
        "training": {
            "name": "team_training", "flavor": "modelarts.vm.cpu.2u",
            "image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54090",
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
            "running": True, "adopt_id": "5c7d18c0-45b0-462b-a721-827dd6034f91",
        },
    }


def test_show_json_output_gives_the_same_notebooks() -> None:
    assert args_by_name(SHOW) == args_by_name(STATE)


def test_the_report_names_what_is_not_carried() -> None:
    report = render_report(migrate(read_resources(STATE)))
    assert report.count("auto_stop_enabled=false") == 2
    assert "huaweicloud_modelarts_notebook.analysis -> Notebook 'analysis'" in report


def with_extras() -> dict[str, Any]:
    """The shared state plus SSH settings, a stopped notebook, tags, a mount and an unknown attribute."""
    document = copy.deepcopy(STATE)
    analysis, training = (r["instances"][0]["attributes"] for r in document["resources"])
    analysis.update(key_pair="team-key", allowed_access_ips=["203.0.113.7"], tags={"team": "data"})
    training.update(status="STOPPED", enable_force_new="true", workspace_id="ws-1")
    document["resources"].append({
        "mode": "managed", "type": "huaweicloud_modelarts_notebook_mount_storage", "name": "datasets",
        "instances": [{"attributes": {
            "id": f"{analysis['id']}/m-1", "notebook_id": analysis["id"],
            "storage_path": "obs://team-bucket/datasets/", "local_mount_directory": "/data/datasets/",
        }}],
    })
    document["resources"].append(
        {"mode": "data", "type": "huaweicloud_modelarts_notebook", "name": "x", "instances": []}
    )
    return document


def test_ssh_mounts_status_and_workspace_are_carried() -> None:
    found = args_by_name(with_extras())
    assert found["analysis"]["endpoints"] == [
        {"service": "SSH", "key_pair_names": ["team-key"], "allowed_access_ips": ["203.0.113.7"]}
    ]
    assert found["analysis"]["obs_mounts"] == [{"uri": "obs://team-bucket/datasets/", "mount_path": "/data/datasets/"}]
    assert found["training"]["running"] is False and found["training"]["workspace_id"] == "ws-1"
    report = render_report(migrate(read_resources(with_extras())))
    assert 'tags {"team": "data"}' in report and 'enable_force_new="true"' in report


def test_indexed_and_module_notebooks_get_distinct_names() -> None:
    document = copy.deepcopy(STATE)
    first = document["resources"][0]
    first["module"] = "module.team"
    first["instances"] = [dict(first["instances"][0], index_key=k) for k in (0, 1)]
    names = sorted(args_by_name(document))
    assert names == ["team-analysis-0", "team-analysis-1", "training"]


def test_the_program_is_valid_python_that_declares_each_notebook() -> None:
    program = render_program(migrate(read_resources(with_extras())), "terraform.tfstate")
    tree = ast.parse(program)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Notebook"]
    assert len(calls) == 2
    keywords = {kw.arg: ast.literal_eval(kw.value) for kw in calls[0].keywords}
    assert keywords["adopt_id"] == "9176e07e-bb38-44ed-b37c-ade866bdf197" and keywords["volume"]["capacity"] == 50


def test_other_documents_are_refused_with_a_reason() -> None:
    with pytest.raises(MigrationError, match="version 4"):
        read_resources({"version": 3, "modules": []})


def run_migrate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "provider.migrate", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT)})


def test_the_program_goes_to_standard_output_and_the_report_to_standard_error(tmp_path: Path) -> None:
    result = run_migrate(str(FIXTURES / "terraform.tfstate"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ast.parse(result.stdout)
    assert "adopt_id='5c7d18c0-45b0-462b-a721-827dd6034f91'" in result.stdout
    assert "auto_stop_enabled" in result.stderr and "auto_stop_enabled" not in result.stdout
    assert "wrote the program to standard output: 2 notebooks" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written beside it


def test_the_command_writes_new_files_and_says_so(tmp_path: Path) -> None:
    out, report = tmp_path / "__main__.py", tmp_path / "report.txt"
    result = run_migrate(str(FIXTURES / "terraform.tfstate"), "--out", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert "adopt_id='5c7d18c0-45b0-462b-a721-827dd6034f91'" in out.read_text()
    assert "auto_stop_enabled" in report.read_text() and result.stdout == ""
    assert f"wrote {out}" in result.stderr and f"wrote {report}" in result.stderr
    empty = tmp_path / "empty.tfstate"
    empty.write_text(json.dumps({"version": 4, "resources": []}))
    failed = run_migrate(str(empty), cwd=tmp_path)
    assert failed.returncode == 1 and "no huaweicloud_modelarts_notebook" in failed.stderr


USER_PROGRAM = b"import pulumi\n# the user's own program\n"


@pytest.mark.parametrize("flag", ["--out", "--report"])
def test_an_existing_file_is_left_untouched_and_the_refusal_says_why(tmp_path: Path, flag: str) -> None:
    mine = tmp_path / "__main__.py"
    mine.write_bytes(USER_PROGRAM)
    other = "--report" if flag == "--out" else "--out"
    result = run_migrate(str(FIXTURES / "terraform.tfstate"), flag, "__main__.py", other, "new.txt", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert mine.read_bytes() == USER_PROGRAM
    assert not (tmp_path / "new.txt").exists()  # nothing at all is written
    assert "__main__.py already exists" in result.stderr and "--force" in result.stderr


def test_force_replaces_an_existing_file(tmp_path: Path) -> None:
    mine = tmp_path / "__main__.py"
    mine.write_bytes(USER_PROGRAM)
    result = run_migrate(str(FIXTURES / "terraform.tfstate"), "--out", "__main__.py", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "adopt_id=" in mine.read_text() and "replaced __main__.py" in result.stderr
