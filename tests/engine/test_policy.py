"""The policy pack on the real engine: `pulumi preview/up --policy-pack policy` against the emulator.

Each violation stops the preview with its message before any mutating call; a
compliant program passes and the description remediation reaches the created
notebook; `--policy-pack-config` moves a limit and an enforcement level; the
stack policy counts notebooks. The secret key, which the policies receive with
the default provider's inputs, never shows in the output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit.emulators import SECRET_KEY, Emulator
from testkit.projects import PulumiProject, notebook_spec
from testkit.policy_pack import POLICY_PACK, shared_private_bin

pytestmark = pytest.mark.engine

# The state backend / policy pack / pipeline scripts are the subject here, not the service's readings.
READINGS = ("lenient",)


GPU = "modelarts.vm.gpu.p100"
GPU_IMAGE = "278e88d1-5b71-4766-8502-b3ba72e824d9"  # pytorch1.8-cuda10.2: CPU and GPU flavors
HOUR_MS = 3_600_000


def volume(capacity: int) -> dict:
    return {"category": "EVS", "ownership": "MANAGED", "capacity": capacity}


def ssh(*ips: str, keys: tuple[str, ...] = ("team-key",)) -> list[dict]:
    endpoint: dict = {"service": "SSH"}
    if ips:
        endpoint["allowed_access_ips"] = list(ips)
    if keys:
        endpoint["key_pair_names"] = list(keys)
    return [endpoint]


@pytest.fixture
def policy_project(tmp_path: Path, pulumi_bin: str, emulator: Emulator) -> PulumiProject:
    return PulumiProject(tmp_path / "project", shared_private_bin(pulumi_bin), emulator)


def with_pack(tmp_path: Path, config: dict | None = None) -> list[str]:
    args = ["--policy-pack", str(POLICY_PACK)]
    if config is not None:
        path = tmp_path / "policy-config.json"
        path.write_text(json.dumps(config))
        args += ["--policy-pack-config", str(path)]
    return args


def test_each_violation_fails_preview_before_any_call(policy_project: PulumiProject, tmp_path: Path) -> None:
    policy_project.declare(
        gpu=notebook_spec("nb-gpu", flavor=GPU, image_id=GPU_IMAGE),
        gpulong=notebook_spec("nb-gpulong", flavor=GPU, image_id=GPU_IMAGE, auto_stop={"duration": 10 * HOUR_MS}),
        eightnpu=notebook_spec("nb-npu", flavor="modelarts.bm.snt9.xlarge.8", auto_stop={"duration": HOUR_MS}),
        big=notebook_spec("nb-big", volume=volume(500)),
        open=notebook_spec("nb-open", endpoints=ssh(keys=())),
        wide=notebook_spec("nb-wide", endpoints=ssh("80.158.0.0/16")),
        twin=notebook_spec("nb-big"),
    )
    before = len(policy_project.emulator.requests())

    result = policy_project.preview(*with_pack(tmp_path), check=False)

    assert result.returncode != 0, result.output
    expected = [
        "notebook 'gpu' (name 'nb-gpu'): auto_stop = None: accelerator flavor 'modelarts.vm.gpu.p100' needs auto_stop",
        "notebook 'gpulong' (name 'nb-gpulong'): auto_stop.duration = 36000000: accelerator flavor",
        "notebook 'eightnpu' (name 'nb-npu'): flavor = 'modelarts.bm.snt9.xlarge.8': flavor must match one of",
        "notebook 'big' (name 'nb-big'): volume.capacity = 500: volume.capacity must be at most 100 GB",
        "notebook 'open' (name 'nb-open'): endpoints[0].allowed_access_ips = None: "
        "SSH endpoints need allowed_access_ips",
        "notebook 'open' (name 'nb-open'): endpoints[0].key_pair_names = None: "
        "SSH endpoints need at least one key pair",
        "notebook 'wide' (name 'nb-wide'): endpoints[0].allowed_access_ips = '80.158.0.0/16': an SSH source range must "
        "be /24 or narrower",
        "notebooks 'big', 'twin': name = 'nb-big': no two notebooks of a stack share a name",
    ]
    for message in expected:
        assert message in result.output, f"missing: {message}\n{result.output}"
    assert policy_project.emulator.mutating(before) == []
    # The provider already refuses 0.0.0.0/0 at check; the policy's own test is in tests/unit.
    # The policies are handed the whole stack configuration, secret key included.
    assert SECRET_KEY not in result.output


def test_compliant_program_passes_and_remediation_reaches_the_notebook(
    policy_project: PulumiProject, tmp_path: Path
) -> None:
    policy_project.declare(
        gpu=notebook_spec("nb-gpu", flavor=GPU, image_id=GPU_IMAGE, auto_stop={"duration": 4 * HOUR_MS}, running=False),
        shell=notebook_spec("nb-shell", endpoints=ssh("80.158.1.10/32"), description="kept", running=False),
    )
    config = {"notebook-default-description": {"text": "owned by the data team"}}

    result = policy_project.pulumi("up", "--yes", *with_pack(tmp_path, config), check=False)

    assert result.returncode == 0, result.output
    described = {nb["name"]: nb.get("description", "") for nb in policy_project.emulator.notebooks()}
    assert described["nb-gpu"].startswith("owned by the data team")
    assert described["nb-shell"].startswith("kept")
    assert SECRET_KEY not in result.output


def test_config_moves_a_limit_and_a_level_and_the_stack_policy_counts(
    policy_project: PulumiProject, tmp_path: Path
) -> None:
    policy_project.declare(
        gpu=notebook_spec("nb-gpu", flavor=GPU, image_id=GPU_IMAGE),
        big=notebook_spec("nb-big", volume=volume(500)),
        third=notebook_spec("nb-third"),
    )
    config = {
        "notebook-accelerator-auto-stop": "advisory",
        "notebook-volume-capacity": {"max_gb": 600},
        "notebook-stack-limits": {"max_notebooks": 2},
    }
    before = len(policy_project.emulator.requests())

    result = policy_project.preview(*with_pack(tmp_path, config), check=False)

    assert result.returncode != 0, result.output
    assert "[advisory]  notebook-accelerator-auto-stop" in result.output
    assert "volume.capacity" not in result.output
    assert "the stack declares 3 notebooks (big, gpu, third): at most 2 notebooks per stack" in result.output
    assert policy_project.emulator.mutating(before) == []


def test_a_pack_without_its_venv_fails_with_a_clear_error(policy_project: PulumiProject, tmp_path: Path) -> None:
    pack = tmp_path / "pack-without-venv"
    pack.mkdir()
    for name in ("PulumiPolicy.yaml", "__main__.py", "rules.py", "defaults.py", "plain.py"):
        (pack / name).write_text((POLICY_PACK / name).read_text())
    policy_project.declare(web=notebook_spec("nb-web"))

    result = policy_project.preview("--policy-pack", str(pack), check=False)

    assert result.returncode != 0
    assert f"the policy pack's virtualenv {pack / 'venv'} is missing" in result.output, result.output
    assert "make policy-venv" in result.output
