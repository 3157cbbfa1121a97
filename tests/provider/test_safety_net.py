"""Fast checks (no engine) of the behaviours whose loss would hurt users most.

Each test here was seen to fail with the behaviour removed from the code.
"""

from __future__ import annotations

from typing import Any

import pulumi

import pytest
from pulumi.dynamic import Resource

from provider.core.errors import ApiError, ConfigurationError, NotebookFailedError
from provider.core.identity import with_identity
from provider.core.models import CreateNotebookRequest, UpdateNotebookRequest, VolumeRequest
from provider.notebook import Notebook, NotebookProvider
from testkit.emulators import BIG_CPU_FLAVOR, CPU_FLAVOR, IMAGE_ID, Emulator
from tests.profiles import in_place
from tests.provider.test_provider_methods import IDENTITY, fail_the_next_create, make_provider, props, set_faults

DATA = [{"uri": "obs://team-bucket/datasets/", "mount_path": "/data/datasets/"}]
TWO_HOURS = {"duration": 7_200_000}
THREE_HOURS = {"duration": 10_800_000}


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


def live(emulator: Emulator) -> dict:
    [notebook] = emulator.notebooks()
    return notebook


def mark(emulator: Emulator) -> int:
    return len(emulator.requests())


# ---- the work directory is never destroyed by mistake ----------------------------------


def test_a_volume_grown_outside_is_kept_across_refreshes(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props(running=False))
    provider.service.client().update_notebook(created.id, UpdateNotebookRequest(storage_new_size=50))
    state = created.outs
    for _refresh in range(2):  # each refresh records the live 50 GB; the declaration stays 5 GB
        state = provider.read(created.id, state).outs
        assert state["volume"]["capacity"] == 50
        diffed = provider.diff(created.id, state, props(running=False))
        assert diffed.replaces == [] and diffed.changes is False


def test_a_replacement_deletes_the_old_notebook_before_it_creates_the_new(provider: NotebookProvider) -> None:
    created = provider.create(props(running=False))
    diffed = provider.diff(created.id, created.outs, props(running=False, workspace_id="ws-other"))
    assert diffed.replaces == ["workspace_id"] and diffed.delete_before_replace is True


def test_a_running_notebook_grows_at_most_100_gb_per_request(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    before = mark(emulator)
    grown = provider.update(created.id, created.outs, props(volume={"category": "EVS", "capacity": 250}))
    # 5 -> 105 -> 205 -> 250 while running (the service refuses more); where it refuses any change
    # while running, the announced restart grows it in one request while stopped.
    assert emulator.calls(before) == in_place(emulator, ["update", "update", "update"])
    assert live(emulator)["volume"]["capacity"] == 250 and live(emulator)["status"] == "RUNNING"
    assert grown.outs["volume"]["capacity"] == 250


# ---- the identity marker: the key that finds a notebook again ------------------------------


def test_an_update_keeps_the_identity_marker_in_the_description(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props(identity=IDENTITY, running=False, description="first"))
    assert live(emulator)["description"] == f"first [managed-by:{IDENTITY}]"
    updated = provider.update(created.id, created.outs, props(identity=IDENTITY, running=False, description="second"))
    assert live(emulator)["description"] == f"second [managed-by:{IDENTITY}]"
    assert updated.outs["description"] == "second"  # state shows the user's description alone


def test_a_lost_update_answer_is_sent_again_when_the_fields_read_back_differ(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props(identity=IDENTITY, running=False))
    # Answered before any effect: the live notebook still shows the old fields.
    set_faults(emulator, {"method": "PUT", "path_regex": r"/notebooks/[^/]+$", "status": 502, "times": 1})
    before = mark(emulator)
    updated = provider.update(created.id, created.outs, props(identity=IDENTITY, running=False,
                                                              description="documented", flavor=BIG_CPU_FLAVOR))
    assert emulator.calls(before) == ["update", "update"]
    assert live(emulator)["description"] == f"documented [managed-by:{IDENTITY}]"
    assert live(emulator)["flavor"] == BIG_CPU_FLAVOR and updated.outs["flavor"] == BIG_CPU_FLAVOR


# ---- creating exactly once ------------------------------------------------------------------


def test_a_refused_create_is_raised_at_once_not_looked_up_or_sent_again(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    emulator.configure(max_notebooks=0)  # the service refuses the create (6302): nothing was created
    with pytest.raises(ApiError) as refused:
        provider.create(props(identity=IDENTITY, timeouts={"create_lookup": 1.0}))
    assert refused.value.error_code == "ModelArts.6302"
    requests = emulator.requests()
    [post] = [i for i, r in enumerate(requests) if r["method"] == "POST"]
    assert emulator.calls() == ["create"]
    assert requests[post + 1:] == []  # no lookup after the refusal


def create_failed_leftover(provider: NotebookProvider, emulator: Emulator) -> str:
    """A notebook of this resource (its name and marker) that an earlier run left in CREATE_FAILED."""
    emulator.configure(list_lag_seconds=0)  # the list shows it (lag: test_readings)
    leftover = provider.service.client().create_notebook(CreateNotebookRequest(
        name=props()["name"], description=with_identity(None, IDENTITY), flavor=CPU_FLAVOR, image_id=IMAGE_ID,
        volume=VolumeRequest(category="EVS", capacity=5)))
    emulator.force_status(str(leftover.id), "CREATE_FAILED", "image pull failed")
    return str(leftover.id)


def test_a_create_failed_leftover_of_an_earlier_run_is_deleted_not_adopted(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    leftover = create_failed_leftover(provider, emulator)
    before = mark(emulator)
    created = provider.create(props(identity=IDENTITY))
    assert emulator.calls(before) == ["delete", "create"]
    assert created.id != leftover and live(emulator)["id"] == created.id
    assert live(emulator)["status"] == "RUNNING"


def test_a_create_failed_notebook_found_by_the_lost_create_lookup_is_deleted_and_created_again(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    leftover = create_failed_leftover(provider, emulator)
    set_faults(
        emulator,
        # The first look finds nothing (the list does not show it yet) ...
        {"method": "GET", "path_regex": r"/notebooks$", "status": 200, "body": {"data": []}, "times": 1},
        # ... and the create's answer is lost: only the lookup that follows finds the failed notebook.
        {"method": "POST", "path_regex": r"/notebooks$", "status": 502, "times": 1},
    )
    before = mark(emulator)
    created = provider.create(props(identity=IDENTITY, timeouts={"create_lookup": 0.5}))
    assert emulator.calls(before) == ["create", "delete", "create"]
    assert created.id != leftover and live(emulator)["id"] == created.id
    assert live(emulator)["status"] == "RUNNING"


# ---- what a stopped notebook takes at its next start ------------------------------------------


def test_a_stopped_notebook_takes_a_new_auto_stop_at_its_next_start(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props(running=False, auto_stop=TWO_HOURS))
    before = mark(emulator)
    recorded = provider.update(created.id, created.outs, props(running=False, auto_stop=THREE_HOURS))
    assert emulator.calls(before) == []  # nothing to renew on a stopped notebook
    before = mark(emulator)
    provider.update(created.id, recorded.outs, props(auto_stop=THREE_HOURS))
    assert emulator.calls(before) == ["start"]
    lease = live(emulator)["lease"]
    assert lease["create_at"] + lease["duration"] - lease["update_at"] == THREE_HOURS["duration"]


def test_mounts_declared_while_stopped_are_mounted_at_the_next_start(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props(running=False))
    before = mark(emulator)
    recorded = provider.update(created.id, created.outs, props(running=False, obs_mounts=DATA))
    assert emulator.calls(before) == []  # nothing can be mounted on a stopped notebook
    before = mark(emulator)
    provider.update(created.id, recorded.outs, props(obs_mounts=DATA))
    assert emulator.calls(before) == ["start", "mount"]
    assert [(m["uri"], m["mount_path"], m["status"]) for m in live(emulator)["data_volumes"]] == [
        (DATA[0]["uri"], DATA[0]["mount_path"], "MOUNTED")
    ]


# ---- checks at preview --------------------------------------------------------------------------


def test_auto_stop_longer_than_24_hours_fails_check_naming_the_field_and_range(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    assert provider.check({}, props(auto_stop={"duration": 86_400_000})).failures == []
    failures = provider.check({}, props(auto_stop={"duration": 86_400_001})).failures
    assert [f.property for f in failures] == ["auto_stop.duration"]
    assert "3600000..86400000 milliseconds" in failures[0].reason and "got 86400001" in failures[0].reason
    assert emulator.mutating() == []


def test_a_notebook_the_service_is_deleting_leaves_the_state_and_is_created_anew(
        provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    emulator.force_status(created.id, "DELETING")  # the DELETE of a killed `destroy` reached the service
    before = len(emulator.requests())
    assert provider.read(created.id, created.outs).id == ""  # a start of it would be planned otherwise
    assert emulator.calls(before) == []
    again = provider.create(props())
    assert again.id != created.id, "a notebook being deleted is never adopted"
    assert [(n["id"], n["status"]) for n in emulator.notebooks()] == [(again.id, "RUNNING")]
