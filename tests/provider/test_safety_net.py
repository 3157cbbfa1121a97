"""Fast checks (no engine) of the behaviours whose loss would hurt users most.

Each test here was seen to fail with the behaviour removed from the code.
"""

from __future__ import annotations

from typing import Any

import pulumi

import pytest
from pulumi.dynamic import Resource

from provider.core.errors import ApiError, ConfigurationError, NotebookFailedError
from provider.notebook import Notebook, NotebookProvider
from tests.helpers import BIG_CPU_FLAVOR, Emulator
from tests.provider.test_provider_methods import fail_the_next_create, make_provider, props


@pytest.fixture
def provider(emulator: Emulator) -> NotebookProvider:
    return make_provider(emulator)


def test_the_token_is_a_secret_output(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def capture(self: Any, provider: Any, name: str, props: dict, opts: pulumi.ResourceOptions) -> None:
        seen["opts"] = opts

    monkeypatch.setattr(Resource, "__init__", capture)
    monkeypatch.setattr(pulumi, "get_project", lambda: "p")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "s")
    Notebook("nb", flavor="f", image_id="i", volume={"category": "EVS"})
    assert "token" in (seen["opts"].additional_secret_outputs or [])


def test_preview_warns_before_a_restart_and_a_replacement(
    provider: NotebookProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: warnings.append(message))
    created = provider.create(props())
    provider.diff(created.id, created.outs, props(flavor=BIG_CPU_FLAVOR))
    assert any("stopped and started again" in w for w in warnings)
    warnings.clear()
    replaced = provider.diff(created.id, created.outs, props(workspace_id="ws-other"))
    assert replaced.replaces == ["workspace_id"]
    assert any("replaced" in w and "work directory" in w for w in warnings)


def test_a_create_failed_notebook_is_deleted(provider: NotebookProvider, emulator: Emulator) -> None:
    emulator.configure(transition_seconds=1.0)
    fail_the_next_create(emulator, "no capacity")
    with pytest.raises(NotebookFailedError, match="The failed notebook was deleted"):
        provider.create(props())
    assert emulator.notebooks() == [] and "delete" in emulator.calls()


def test_run_state_drift_is_planned_unless_ignored(provider: NotebookProvider, emulator: Emulator) -> None:
    for policy, planned in (("enforce", True), ("ignore", False)):
        spec = props(name=f"nb-{policy}", run_state_drift=policy)
        created = provider.create(spec)
        emulator.force_status(created.id, "STOPPED")
        refreshed = provider.read(created.id, created.outs).outs
        assert provider.diff(created.id, refreshed, spec).changes is planned, policy


def test_adoption_refuses_what_cannot_change(provider: NotebookProvider, emulator: Emulator) -> None:
    existing = provider.create(props(running=False))
    with pytest.raises(ConfigurationError, match=r"volume\.category is EVS, declared EFS"):
        provider.create(props(adopt_id=existing.id, volume={"category": "EFS", "capacity": 50}))


def test_a_refused_request_is_not_retried(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    before = len(emulator.requests())
    with pytest.raises(ApiError) as refused:
        provider.service.client().start_notebook(created.id)
    assert refused.value.http_status == 400
    assert len(emulator.requests()) == before + 1


def test_allow_restart_false_fails_at_preview(provider: NotebookProvider, emulator: Emulator) -> None:
    olds = props(allow_restart=False)
    result = provider.check(olds, props(allow_restart=False, flavor=BIG_CPU_FLAVOR))
    assert [f.property for f in result.failures] == ["flavor"]
    assert "allow_restart is false" in result.failures[0].reason and emulator.mutating() == []
