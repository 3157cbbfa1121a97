"""The policy pack's rules on plain inputs: limits, messages, and values unknown in preview."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_RULES = Path(__file__).resolve().parents[2] / "policy" / "rules.py"
_spec = importlib.util.spec_from_file_location("policy_rules", _RULES)
assert _spec and _spec.loader
rules = importlib.util.module_from_spec(_spec)
sys.modules["policy_rules"] = rules
_spec.loader.exec_module(rules)

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
ACCELERATORS = ["*.gpu.*", "*.snt9*"]
HOUR = 3_600_000.0


def nb(**props: object) -> Any:  # a rules.Notebook (the module is loaded by path)
    return rules.Notebook("web", {"name": "nb-web", **props})


def test_notebooks_are_told_apart_by_type() -> None:
    assert rules.is_notebook("pulumi-python:dynamic/modelarts:Notebook")
    assert not rules.is_notebook("pulumi:providers:pulumi-python")
    assert not rules.is_notebook("pulumi:pulumi:Stack")


def test_a_generic_dynamic_type_is_told_apart_by_provider_or_inputs() -> None:
    import base64

    generic = "pulumi-python:dynamic:Resource"
    notebook_inputs = {"name": "x", "flavor": "f", "identity": "i", "run_state_drift": "enforce", "allow_restart": True}
    assert rules.is_notebook(generic, notebook_inputs)
    assert not rules.is_notebook(generic, {"name": "x", "flavor": "f"})
    pickled = base64.b64encode(b"\x80\x05provider.notebook\x94NotebookProvider").decode()
    assert rules.is_notebook(generic, {"__provider": pickled})
    other = base64.b64encode(b"OtherProvider").decode()
    assert not rules.is_notebook(generic, {"__provider": other, **notebook_inputs})


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({}, "auto_stop = None"),
        ({"auto_stop": {"enabled": False}}, "auto_stop.enabled = False"),
        ({"auto_stop": {"duration": 9 * HOUR}}, "auto_stop.duration = 32400000"),
    ],
)
def test_accelerators_need_a_bounded_auto_stop(props: dict, field: str) -> None:
    [message] = rules.check_accelerator_auto_stop(nb(flavor="modelarts.vm.gpu.p100", **props), ACCELERATORS, 8)
    assert message.startswith(f"notebook 'web' (name 'nb-web'): {field}: accelerator flavor 'modelarts.vm.gpu.p100'")


def test_accelerator_rule_passes_bounded_leases_and_cpu_flavors() -> None:
    assert rules.check_accelerator_auto_stop(
        nb(flavor="modelarts.bm.snt9.xlarge.2", auto_stop={}), ACCELERATORS, 8) == []
    assert rules.check_accelerator_auto_stop(
        nb(flavor="modelarts.vm.gpu.p100", auto_stop={"duration": 8 * HOUR}), ACCELERATORS, 8) == []
    assert rules.check_accelerator_auto_stop(nb(flavor="modelarts.vm.cpu.2u"), ACCELERATORS, 8) == []


def test_unknown_values_are_skipped_not_guessed() -> None:
    assert rules.check_accelerator_auto_stop(nb(flavor=UNKNOWN_STRING), ACCELERATORS, 8) == []
    assert rules.check_accelerator_auto_stop(
        nb(flavor="modelarts.vm.gpu.p100", auto_stop={"duration": UNKNOWN_NUMBER}), ACCELERATORS, 8) == []
    assert rules.check_flavor_allowed(nb(flavor=UNKNOWN_STRING), ["modelarts.vm.cpu.*"]) == []
    assert rules.check_volume_capacity(nb(volume={"capacity": UNKNOWN_NUMBER}), 100) == []
    endpoint = {"service": "SSH", "allowed_access_ips": [UNKNOWN_STRING], "key_pair_names": ["k"]}
    assert rules.check_ssh_endpoints(nb(endpoints=[endpoint]), 24) == []
    twins = [rules.Notebook("a", {"name": UNKNOWN_STRING}), rules.Notebook("b", {"name": UNKNOWN_STRING})]
    assert rules.check_stack(twins, 10) == []


def test_flavor_allow_list_takes_patterns() -> None:
    assert rules.check_flavor_allowed(nb(flavor="modelarts.vm.cpu.8u"), ["modelarts.vm.cpu.*"]) == []
    [message] = rules.check_flavor_allowed(nb(flavor="modelarts.vm.gpu.v100"), ["modelarts.vm.cpu.*"])
    assert "flavor = 'modelarts.vm.gpu.v100': flavor must match one of modelarts.vm.cpu.*" in message


def test_volume_capacity_limit() -> None:
    assert rules.check_volume_capacity(nb(volume={"capacity": 100.0}), 100) == []
    [message] = rules.check_volume_capacity(nb(volume={"capacity": 101.0}), 100)
    assert "volume.capacity = 101: volume.capacity must be at most 100 GB" in message


@pytest.mark.parametrize(
    ("ips", "problem"),
    [
        (["0.0.0.0/0"], "whole internet"),
        (["::/0"], "whole internet"),
        (["80.158.0.0/23"], "wider than /24"),
        (["not-an-ip"], "not an IP address"),
        ([], "need allowed_access_ips"),
        (None, "need allowed_access_ips"),
    ],
)
def test_ssh_source_ranges(ips: object, problem: str) -> None:
    endpoint: dict[str, object] = {"service": "ssh", "key_pair_names": ["k"]}
    if ips is not None:
        endpoint["allowed_access_ips"] = ips
    [message] = rules.check_ssh_endpoints(nb(endpoints=[{"service": "NOTEBOOK"}, endpoint]), 24)
    assert message.startswith("notebook 'web' (name 'nb-web'): endpoints[1].allowed_access_ips") and problem in message


def test_ssh_needs_a_key_pair_and_accepts_narrow_ranges() -> None:
    ok = {"service": "SSH", "allowed_access_ips": ["80.158.1.0/24", "80.158.2.9"], "key_pair_names": ["k"]}
    assert rules.check_ssh_endpoints(nb(endpoints=[ok]), 24) == []
    [message] = rules.check_ssh_endpoints(nb(endpoints=[{**ok, "key_pair_names": []}]), 24)
    assert "endpoints[0].key_pair_names = []: SSH endpoints need at least one key pair" in message


def test_stack_counts_notebooks_and_names() -> None:
    fleet = [rules.Notebook(f"n{i}", {"name": f"nb-{i}"}) for i in range(3)]
    assert rules.check_stack(fleet, 3) == []
    [count] = rules.check_stack(fleet, 2)
    assert count == "the stack declares 3 notebooks (n0, n1, n2): at most 2 notebooks per stack"
    [twins] = rules.check_stack([*fleet, rules.Notebook("copy", {"name": "nb-1"})], 10)
    assert twins == "notebooks 'copy', 'n1': name = 'nb-1': no two notebooks of a stack share a name"


def test_description_remediation_is_off_without_text_and_keeps_a_given_one() -> None:
    assert rules.remediated_description({"name": "x"}, "") is None
    assert rules.remediated_description({"name": "x", "description": "mine"}, "team") is None
    assert rules.remediated_description({"name": "x", "description": UNKNOWN_STRING}, "team") is None
    assert rules.remediated_description({"name": "x", "description": " "}, "team") == {
        "name": "x", "description": "team"}
    assert rules.remediated_description({"name": "x"}, "team") == {"name": "x", "description": "team"}
