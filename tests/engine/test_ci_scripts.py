"""The pipeline steps the CI examples run (tools/ci/preview.sh, tools/ci/deploy.sh), against the emulator.

The GitHub Actions and GitLab examples call these same scripts, so what a
pipeline runs is what these tests ran. Credentials come as the pipelines pass
them (environment variables, never stack config): the preview step uses only
the read-only pair, the deploy step only the deploying pair.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from testkit import ROOT
from testkit.emulators import ACCESS_KEY, SECRET_KEY, Emulator
from testkit.projects import PulumiProject, Result, notebook_spec
from testkit.policy_pack import shared_private_bin

pytestmark = pytest.mark.engine

# The state backend / policy pack / pipeline scripts are the subject here, not the service's readings.
READINGS = ("lenient",)


CI = ROOT / "tools" / "ci"
WRONG = "not-this-pair"


@pytest.fixture
def pipeline_project(tmp_path: Path, pulumi_bin: str, emulator: Emulator) -> PulumiProject:
    project = PulumiProject(tmp_path / "project", shared_private_bin(pulumi_bin), emulator)
    # A pipeline keeps credentials out of the stack: the steps get them from the environment.
    project.pulumi("config", "rm", "modelarts:accessKey")
    project.pulumi("config", "rm", "modelarts:secretKey")
    return project


def run_step(project: PulumiProject, script: str, readonly: tuple[str, str], deploying: tuple[str, str]) -> Result:
    env = dict(
        project.env,
        PULUMI_STACK=project.stack,
        PROJECT_DIR=str(project.dir),
        OTC_READONLY_ACCESS_KEY=readonly[0], OTC_READONLY_SECRET_KEY=readonly[1],
        OTC_ACCESS_KEY=deploying[0], OTC_SECRET_KEY=deploying[1],
    )
    done = subprocess.run([str(CI / script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return Result(done.returncode, done.stdout, done.stderr)


def test_preview_step_stops_a_violation_with_the_read_only_pair(pipeline_project: PulumiProject) -> None:
    pipeline_project.declare(gpu=notebook_spec("nb-gpu", flavor="modelarts.vm.gpu.p100",
                                                   image_id="278e88d1-5b71-4766-8502-b3ba72e824d9"))
    before = len(pipeline_project.emulator.requests())

    result = run_step(pipeline_project, "preview.sh", (ACCESS_KEY, SECRET_KEY), (WRONG, WRONG))

    assert result.returncode != 0, result.output
    message = "notebook 'gpu' (name 'nb-gpu'): auto_stop = None: accelerator flavor 'modelarts.vm.gpu.p100'"
    assert message in result.output
    assert message in (pipeline_project.dir / "preview.txt").read_text()
    assert pipeline_project.emulator.mutating(before) == []
    assert SECRET_KEY not in result.output


def test_compliant_change_previews_read_only_then_deploys(pipeline_project: PulumiProject) -> None:
    pipeline_project.declare(web=notebook_spec("nb-web", running=False))

    preview = run_step(pipeline_project, "preview.sh", (ACCESS_KEY, SECRET_KEY), (WRONG, WRONG))
    assert preview.returncode == 0, preview.output
    assert "modelarts-notebooks" in preview.output  # the pack ran
    assert pipeline_project.emulator.notebooks() == []

    deploy = run_step(pipeline_project, "deploy.sh", (WRONG, WRONG), (ACCESS_KEY, SECRET_KEY))
    assert deploy.returncode == 0, deploy.output
    assert [nb["name"] for nb in pipeline_project.emulator.notebooks()] == ["nb-web"]
    outputs = json.loads(deploy.stdout[deploy.stdout.rindex("\n{") :])
    assert outputs["web"]["running"] is False
    assert SECRET_KEY not in deploy.output


def test_steps_refuse_to_run_without_their_credentials(pipeline_project: PulumiProject) -> None:
    result = run_step(pipeline_project, "preview.sh", ("", ""), (ACCESS_KEY, SECRET_KEY))
    assert result.returncode == 2
    assert "OTC_READONLY_ACCESS_KEY and OTC_READONLY_SECRET_KEY must be set" in result.stderr
