"""NotebookProvider's methods called directly, against the emulator over loopback.

Faster than the engine scenarios, so the edge cases of each method live here.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from provider.core.errors import ConfigurationError, ModelArtsError, NotebookFailedError
from provider.core.service import NotebookService
from provider.notebook import EngineLog, NotebookProvider
from provider.core.plan import plan
from provider.core.fields import UNKNOWN
from testkit.emulators import ACCESS_KEY, BIG_CPU_FLAVOR, PROJECT_ID, SECRET_KEY, Emulator
from testkit.projects import notebook_spec


def make_provider(emulator: Emulator, **extra: str) -> NotebookProvider:
    """The dynamic front end over a service whose waits drive the emulator's time (no wall-clock waiting)."""
    raw = {
        "modelarts:endpoint": emulator.url,
        "modelarts:region": "eu-de",
        "modelarts:projectId": PROJECT_ID,
        "modelarts:accessKey": ACCESS_KEY,
        "modelarts:secretKey": SECRET_KEY,
        **extra,
    }
    return provider_for(emulator, raw)


def provider_for(emulator: Emulator, raw: dict[str, str]) -> NotebookProvider:
    """The dynamic front end configured with the stack configuration `raw`, its clock driving the emulator."""
    service = NotebookService.from_config(raw.get, list(raw), {}, reporter=EngineLog(), clock=emulator.driven_clock())
    return NotebookProvider().use(service)


@pytest.fixture
def provider(emulator: Emulator) -> NotebookProvider:
    return make_provider(emulator)


def props(**overrides: Any) -> dict[str, Any]:
    return {**notebook_spec(), **overrides}


def test_check_normalises_and_accepts_good_inputs(provider: NotebookProvider) -> None:
    result = provider.check({}, props(volume={"category": "evs", "ownership": "managed", "capacity": 5.0}))
    assert result.failures == []
    assert result.inputs["volume"] == {"category": "EVS", "ownership": "MANAGED", "capacity": 5}
    assert result.inputs["running"] is True


def test_check_reports_one_failure_per_bad_field(provider: NotebookProvider, emulator: Emulator) -> None:
    result = provider.check({}, props(name="bad name", description="<b>", volume={"category": "X"}, running="no",
                                      colour="red"))
    fields = sorted(f.property for f in result.failures)
    assert fields == ["colour", "description", "name", "running", "volume.category"]
    assert emulator.mutating() == []


def test_check_does_not_judge_values_unknown_at_preview(provider: NotebookProvider) -> None:
    result = provider.check({}, props(flavor=UNKNOWN, image_id=UNKNOWN, volume=UNKNOWN))
    assert result.failures == []


def test_flavor_and_image_are_checked_against_the_service_once_per_value(
        provider: NotebookProvider, emulator: Emulator) -> None:
    recorded = provider.check({}, props()).inputs
    later = make_provider(emulator)  # another command's process: nothing cached
    before = len(emulator.requests())
    assert later.check(recorded, {**props(), "running": False}).failures == []  # a flip
    assert len(emulator.requests()) == before  # nothing asked: both were checked when recorded
    changed = later.check(recorded, props(image_id="00000000-0000-0000-0000-00000000beef"))
    assert [f.property for f in changed.failures] == ["image_id"]
    assert len(emulator.requests()) > before


def test_check_names_unknown_image(provider: NotebookProvider) -> None:
    result = provider.check({}, props(image_id="00000000-0000-0000-0000-00000000beef"))
    assert [f.property for f in result.failures] == ["image_id"]


def test_missing_configuration_fails_check_with_one_clear_message(emulator: Emulator) -> None:
    provider = NotebookProvider()
    provider.configure(ConfigureRequest(Config({"modelarts:region": "eu-de", "modelarts:regoin": "x"}, "test")))
    [failure] = provider.check({}, props()).failures
    assert failure.property == ""  # the provider's configuration, not an input
    assert failure.reason.startswith("unknown configuration keys modelarts:regoin; known modelarts keys: region,")
    assert "; invalid ModelArts provider configuration: no credentials: set" in failure.reason
    assert all(key in failure.reason for key in ("modelarts:accessKey", "modelarts:secretKey", "modelarts:username"))


def test_unknown_config_key_is_reported(emulator: Emulator) -> None:
    provider = make_provider(emulator, **{"modelarts:acessKey": "typo"})
    [failure] = provider.check({}, props()).failures
    assert "modelarts:acessKey" in failure.reason


def test_a_mistyped_key_is_named_beside_the_failure_it_causes(emulator: Emulator) -> None:
    provider = provider_for(emulator, {"modelarts:endpoint": emulator.url, "modelarts:region": "eu-de",
                                       "modelarts:projectId": PROJECT_ID, "modelarts:acessKey": ACCESS_KEY,
                                       "modelarts:secretKey": SECRET_KEY})
    [failure] = provider.check({}, props()).failures
    assert failure.reason.startswith("unknown configuration keys modelarts:acessKey")
    assert "AK/SK needs both modelarts:accessKey and modelarts:secretKey" in failure.reason


def test_create_waits_for_running_and_returns_outputs(provider: NotebookProvider, emulator: Emulator) -> None:
    result = provider.create(props())
    assert result.outs["status"] == "RUNNING" and result.outs["url"] and result.outs["token"]
    assert result.outs["notebook_id"] == result.id
    assert emulator.calls() == ["create"]


def fail_the_next_create(emulator: Emulator, reason: str) -> None:
    """The next create the emulator receives ends in CREATE_FAILED with this reason."""
    emulator.configure(next_create_fails_with=reason)


def test_create_failure_names_the_reason(provider: NotebookProvider, emulator: Emulator) -> None:
    emulator.configure(transition_seconds=2)
    fail_the_next_create(emulator, "no capacity in the zone")
    with pytest.raises(NotebookFailedError, match="CREATE_FAILED while creating: no capacity in the zone"):
        provider.create(props())


def test_update_of_run_state_only_starts_or_stops(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    before = len(emulator.requests())
    stopped = provider.update(created.id, created.outs, props(running=False))
    assert stopped.outs["status"] == "STOPPED" and emulator.calls(before) == ["stop"]
    before = len(emulator.requests())
    started = provider.update(created.id, stopped.outs, props(running=True))
    assert started.outs["status"] == "RUNNING" and emulator.calls(before) == ["start"]


def test_flavor_change_on_running_notebook_stops_updates_and_restarts(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props())
    before = len(emulator.requests())
    result = provider.update(created.id, created.outs, props(flavor=BIG_CPU_FLAVOR))
    assert emulator.calls(before) == ["stop", "update", "start"]
    assert result.outs["flavor"] == BIG_CPU_FLAVOR and result.outs["status"] == "RUNNING"


def test_flavor_change_on_stopped_notebook_stays_stopped(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props(running=False))
    before = len(emulator.requests())
    result = provider.update(created.id, created.outs, props(running=False, flavor=BIG_CPU_FLAVOR))
    assert emulator.calls(before) == ["update"]
    assert result.outs["status"] == "STOPPED"


def test_unswitchable_flavor_fails_before_stopping(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    before = len(emulator.requests())
    refused = r"cannot switch to flavor 'modelarts\.vm\.gpu\.v100'; it can switch to"
    with pytest.raises(ConfigurationError, match=refused):
        provider.update(created.id, created.outs, props(flavor="modelarts.vm.gpu.v100"))
    assert emulator.calls(before) == []


def test_description_and_name_update_in_place_without_restart(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props())
    before = len(emulator.requests())
    result = provider.update(created.id, created.outs, props(name="renamed", description="team notebook"))
    # Where the service refuses updates while running (strict), the announced fallback restarts it.
    assert emulator.calls(before) == (["update"] if profile == "lenient" else ["update", "stop", "update", "start"])
    assert result.outs["name"] == "renamed" and result.outs["status"] == "RUNNING"


def test_read_reflects_the_live_notebook_and_a_deletion(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    emulator.force_status(created.id, "STOPPED")
    read = provider.read(created.id, created.outs)
    # `status` is live; `running` stays the declared run state, so the next plan sees the drift.
    assert read.outs["status"] == "STOPPED" and read.outs["running"] is True
    emulator.reset(tick_seconds=0)  # every notebook gone behind the program's back
    assert provider.read(created.id, created.outs).id == ""


def test_delete_of_an_already_deleted_notebook_succeeds(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props(running=False))
    make_provider(emulator).delete(created.id, created.outs)  # as if by someone else
    before = len(emulator.requests())
    provider.delete(created.id, created.outs)  # no error
    asked = emulator.requests()[before:]
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in asked] == [("GET", created.id)]
    assert emulator.calls(before) == [] and emulator.notebooks() == []


def test_delete_waits_for_a_transition_in_progress(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    provider.service.client().stop_notebook(created.id)  # STOPPING when delete arrives
    provider.delete(created.id, created.outs)
    assert emulator.notebooks() == []


@pytest.mark.parametrize(
    "change, replaces, update",
    [
        ({"running": False}, [], {}),
        ({"flavor": BIG_CPU_FLAVOR}, [], {"flavor": BIG_CPU_FLAVOR}),
        ({"volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 10}}, [], {"storage_new_size": 10}),
        ({"volume": {"category": "EVS", "ownership": "MANAGED", "capacity": 4}}, ["volume"], {}),
        ({"volume": {"category": "EFS", "ownership": "MANAGED", "capacity": 5}}, ["volume"], {}),
        ({"workspace_id": "ws-2"}, ["workspace_id"], {}),
        ({"feature": "DEFAULT"}, ["feature"], {}),
    ],
)
def test_plan_separates_in_place_changes_from_replacements(provider: NotebookProvider, change: dict,
                                                           replaces: list, update: dict) -> None:
    olds = provider.create(props()).outs
    planned = plan(olds, props(**change))
    assert list(planned.replaces) == replaces
    assert planned.update == update
    assert planned.changes


def test_unchanged_inputs_plan_nothing(provider: NotebookProvider) -> None:
    olds = provider.create(props()).outs
    assert not plan(olds, props()).changes
    assert provider.diff("x", olds, props()).changes is False


def test_transition_timings_are_kept_in_state_for_the_next_run(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    assert created.outs["timings"]["create"] > 0
    stopped = provider.update(created.id, created.outs, props(running=False))
    assert set(stopped.outs["timings"]) == {"create", "stop"}
    # A later run starts from what the state remembers, and adds what it saw.
    fresh = make_provider(emulator)
    started = fresh.update(created.id, stopped.outs, props(running=True))
    assert set(started.outs["timings"]) == {"create", "stop", "start"}
    assert fresh.read(created.id, started.outs).outs["timings"] == started.outs["timings"]


def set_faults(emulator: Emulator, *rules: dict) -> None:
    emulator.session.post(f"{emulator.url}/_emulator/faults", json={"rules": list(rules)}).raise_for_status()


IDENTITY = "0123456789abcdef"


def test_a_create_whose_answer_was_lost_is_found_not_repeated(provider: NotebookProvider, emulator: Emulator) -> None:
    set_faults(emulator,
               {"method": "POST", "path_regex": "/notebooks$", "status": 502, "times": 1, "after_effect": True})
    result = provider.create(props(identity=IDENTITY))
    assert emulator.calls() == ["create"]  # one POST, never repeated
    [live] = emulator.notebooks()
    assert result.id == live["id"] and result.outs["status"] == "RUNNING"


def test_a_create_that_had_no_effect_is_sent_again_after_a_lookup(
        provider: NotebookProvider, emulator: Emulator) -> None:
    set_faults(emulator, {"method": "POST", "path_regex": "/notebooks$", "status": 502, "times": 2})
    result = provider.create(props(identity=IDENTITY, timeouts={"create_lookup": 1.5}))
    assert emulator.calls() == ["create", "create", "create"]
    [live] = emulator.notebooks()
    assert result.id == live["id"]
    # Before each try, the provider looked, repeatedly, for what an earlier try may have created.
    creates_and_lists = "".join(r["method"][0] for r in emulator.requests() if r["path"].endswith("/notebooks"))
    assert creates_and_lists.count("P") == 3
    tries = creates_and_lists.split("P")
    assert tries[0] and all(lists.count("G") >= 2 for lists in tries[1:3])


def test_a_create_without_identity_is_not_repeated(provider: NotebookProvider, emulator: Emulator) -> None:
    set_faults(emulator, {"method": "POST", "path_regex": "/notebooks$", "status": 502, "times": 1})
    with pytest.raises(ModelArtsError, match="no notebook of this resource exists now"):
        provider.create(props())
    assert emulator.calls() == ["create"] and emulator.notebooks() == []


def test_an_interrupted_create_is_adopted_by_the_next_create(provider: NotebookProvider, emulator: Emulator) -> None:
    emulator.configure(list_lag_seconds=0)  # the next run comes after the list shows it (lag: test_readings)
    first = provider.create(props(identity=IDENTITY, running=False))
    again = make_provider(emulator).create(props(identity=IDENTITY, running=False))
    assert again.id == first.id and len(emulator.notebooks()) == 1
    # Same name but another resource (another identity): a notebook of its own.
    other = provider.create(props(identity="fedcba9876543210", running=False))
    assert other.id != first.id and len(emulator.notebooks()) == 2
    assert other.outs["description"] is None


def test_password_login_without_project_id_learns_it_from_the_token(emulator: Emulator) -> None:
    provider = provider_for(emulator, {
        "modelarts:endpoint": emulator.url, "modelarts:authUrl": f"{emulator.url}/v3",
        "modelarts:projectName": "eu-de", "modelarts:username": "emulator-user",
        "modelarts:password": "emulator-password", "modelarts:domainName": "emulator-domain",
    })
    assert provider.create(props()).outs["status"] == "RUNNING"
    assert all(r["auth"] == "token" for r in emulator.requests() if r["path"].startswith("/v1/"))


def test_hooks_change_restarts_a_running_notebook(provider: NotebookProvider, emulator: Emulator) -> None:
    hooks = {"container_hooks": {"post_start": {"script": "/home/ma-user/work/setup.sh", "type": "SCRIPT"}}}
    created = provider.create(props())
    before = len(emulator.requests())
    result = provider.update(created.id, created.outs, props(hooks=hooks))
    assert emulator.calls(before) == ["stop", "update", "start"]
    assert result.outs["status"] == "RUNNING"
    again = provider.update(created.id, result.outs, props(hooks=hooks))
    assert emulator.calls(before) == ["stop", "update", "start"]  # nothing more: the hooks are in place
    assert again.outs["hooks"] == hooks


def test_image_name_is_resolved_at_check(provider: NotebookProvider) -> None:
    spec = {k: v for k, v in props(image_name="mindspore1.7.0-py3.7-ubuntu18.04").items() if k != "image_id"}
    result = provider.check({}, spec)
    assert result.failures == []
    assert result.inputs["image_id"] == "c0b31f09-1490-4555-9b8b-ab0b2de35b20"


def test_ambiguous_or_unknown_image_names_list_the_candidates(provider: NotebookProvider, emulator: Emulator) -> None:
    base = {k: v for k, v in props().items() if k != "image_id"}
    [ambiguous] = provider.check({}, {**base, "image_name": "pytorch_1_8"}).failures
    assert ambiguous.property == "image_name" and "pytorch_1_8" in ambiguous.reason
    [unknown] = provider.check({}, {**base, "image_name": "pytorch-9000"}).failures
    assert unknown.property == "image_name"
    [both] = provider.check({}, {**base, "image_id": "x", "image_name": "pytorch_1_8"}).failures
    assert "not both" in both.reason
    [neither] = provider.check({}, base).failures
    assert "image_id or image_name is required" in neither.reason
    assert emulator.mutating() == []
