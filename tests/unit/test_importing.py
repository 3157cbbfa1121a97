"""A notebook made elsewhere, declared as it is: what an import records as its inputs."""

from __future__ import annotations

from typing import Any

from provider.core.importing import declared_inputs
from provider.core.models import NotebookInfo
from provider.core.plan import plan
from provider.core.state import record_state


def live(**overrides: Any) -> NotebookInfo:
    body = {"id": "nb-1", "name": "made-elsewhere", "flavor": "modelarts.vm.cpu.2u", "status": "RUNNING",
            "feature": "NOTEBOOK", "workspace_id": "0", "description": "",
            "image": {"id": "img-1", "name": "base"},
            "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5, "mount_path": "/home/ma-user/work/"},
            "endpoints": [{"service": "NOTEBOOK", "dev_service": "NOTEBOOK", "uri": "https://x/lab"}]}
    return NotebookInfo.model_validate({**body, **overrides})


def test_only_what_recreating_it_needs_is_declared() -> None:
    assert declared_inputs(live()) == {
        "name": "made-elsewhere", "flavor": "modelarts.vm.cpu.2u", "image_id": "img-1", "running": True,
        "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5}}


def test_a_stopped_notebook_with_ssh_a_pool_and_a_marker_is_declared_as_such() -> None:
    notebook = live(status="STOPPING", description="team lab [managed-by:0123456789abcdef]", pool={"id": "pool-1"},
                    workspace_id="ws-9", feature="DEFAULT",
                    endpoints=[{"service": "NOTEBOOK"},
                               {"dev_service": "SSH", "ssh_keys": ["kp"], "allowed_access_ips": ["80.158.1.10"]}])
    declared = declared_inputs(notebook)
    assert declared["running"] is False and declared["description"] == "team lab"
    assert declared["endpoints"] == [
        {"service": "SSH", "key_pair_names": ["kp"], "allowed_access_ips": ["80.158.1.10"]}]
    assert (declared["pool_id"], declared["workspace_id"], declared["feature"]) == ("pool-1", "ws-9", "DEFAULT")


def test_declaring_what_was_imported_plans_nothing() -> None:
    for status in ("RUNNING", "STOPPED"):
        notebook = live(status=status, endpoints=[{"service": "NOTEBOOK"}, {"service": "SSH", "key_pair_names": ["k"]}])
        inputs = declared_inputs(notebook)
        state = record_state({**inputs, "identity": "0123456789abcdef"}, notebook)
        assert not plan(state, {**inputs, "identity": "0123456789abcdef"}).changes, status
