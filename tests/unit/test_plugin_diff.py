"""The detailed diff the plugin answers, per property, read off the core's plan."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.provider.experimental.provider import PropertyDiffKind as K

from provider.core.service import NotebookService
from provider.plugin.diff import diff_response

FLAVOR, BIG = "modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u"
STATE: dict[str, Any] = {
    "name": "nb", "flavor": FLAVOR, "image_id": "img", "running": True, "status": "RUNNING",
    "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
    "endpoints": [{"service": "NOTEBOOK", "uri": "https://x"}],
    "notebook_id": "id-1", "identity": "0123456789abcdef", "declared": {"volume_capacity": 5},
}
INPUTS: dict[str, Any] = {"name": "nb", "flavor": FLAVOR, "image_id": "img", "running": True,
                          "volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 5},
                          "identity": "0123456789abcdef"}


class Notes:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def debug(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None:
        self.warnings.append(message)


CASES = [
    # (what changes in state, in the inputs) -> {property: (kind, input diff)}
    ({}, {"flavor": BIG}, {"flavor": (K.UPDATE, True)}),
    ({}, {"running": False}, {"running": (K.UPDATE, True)}),
    ({}, {"workspace_id": "ws-2"}, {"workspaceId": (K.ADD_REPLACE, True)}),
    ({"feature": "NOTEBOOK"}, {"feature": "DEFAULT"}, {"feature": (K.UPDATE_REPLACE, True)}),
    ({}, {"volume": {"category": "EFS", "ownership": "MANAGED", "capacity": 5}}, {"volume": (K.UPDATE_REPLACE, True)}),
    ({}, {"volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 105}}, {"volume": (K.UPDATE, True)}),
    ({}, {"auto_stop": {"enabled": True, "duration": 7200000, "type": "timing"}}, {"autoStop": (K.ADD, True)}),
    ({"auto_stop": {"enabled": False}}, {}, {"autoStop": (K.DELETE, True)}),
    ({}, {"allow_restart": False}, {"allowRestart": (K.ADD, True)}),
    ({"status": "STOPPED"}, {}, {"status": (K.UPDATE, False)}),  # drift: started again
    ({"status": "CREATE_FAILED"}, {}, {"status": (K.UPDATE_REPLACE, False)}),
    # The service's own NOTEBOOK endpoint is not a change; a declared SSH one is.
    ({}, {"endpoints": [{"service": "NOTEBOOK", "uri": "https://x"}]}, {}),
    ({}, {"endpoints": [{"service": "SSH", "key_pair_names": ["kp"]}]}, {"endpoints": (K.UPDATE, True)}),
    ({}, {}, {}),
]


@pytest.mark.parametrize(("state", "inputs", "expected"), CASES)
def test_each_change_is_listed_with_its_kind(state: dict, inputs: dict, expected: dict) -> None:
    olds, news = {**STATE, **state}, {**INPUTS, **inputs}
    response = diff_response(NotebookService(None, "unused", reporter=Notes()).diff(olds, news), olds, news)
    got = {key: (d.kind, d.input_diff) for key, d in response.detailed_diff.items()}
    assert got == expected
    assert response.changes is bool(expected)
    assert response.replaces == [k for k, (kind, _) in expected.items() if kind.name.endswith("REPLACE")]
    assert response.delete_before_replace and response.stables == ["notebookId", "identity"]


def test_a_restart_is_an_update_of_the_flavor_announced_with_its_reason() -> None:
    notes = Notes()
    olds, news = STATE, {**INPUTS, "flavor": BIG}
    response = diff_response(NotebookService(None, "unused", reporter=notes).diff(olds, news), olds, news)
    assert set(response.detailed_diff) == {"flavor"}  # a stop and start of a running notebook is no drift
    assert any("changing flavor needs a stopped notebook: it will be stopped and started again" in w
               for w in notes.warnings)
