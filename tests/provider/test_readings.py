"""The provider is correct under every reading of the service the emulator plays.

Each test runs under the `lenient` and the `strict` profile (tests/profiles.py):
never orphan a notebook, never replace one by mistake, never act against the
declared run state, and survive every lost answer.
"""

from __future__ import annotations

import pytest

from provider.core.errors import ConfigurationError, ModelArtsError, StartRefusedError
from provider.notebook import NotebookProvider
from tests.profiles import deleting_a_running_notebook
from testkit.emulators import Emulator
from tests.provider.test_provider_methods import IDENTITY, make_provider, props, set_faults

GPU_IMAGE = "d937149a-785c-4d2d-a568-8dde7c06cca0"  # conda3-cuda10.2: GPU flavors only
SSH = {"service": "SSH", "key_pair_names": ["team-key"], "allowed_access_ips": ["80.158.1.10"]}


@pytest.fixture
def provider(emulator: Emulator) -> NotebookProvider:
    return make_provider(emulator)


def live(emulator: Emulator) -> dict:
    [notebook] = emulator.notebooks()
    return notebook


def mark(emulator: Emulator) -> int:
    return len(emulator.requests())


# ---- gone means gone, and only then ------------------------------------------------


def test_an_unknown_project_is_a_configuration_error_not_a_deletion(emulator: Emulator) -> None:
    created = make_provider(emulator).create(props())
    wrong = make_provider(emulator, **{"modelarts:projectId": "ffffffffffffffffffffffffffffffff"})
    with pytest.raises(ConfigurationError, match="modelarts:projectId"):
        wrong.read(created.id, created.outs)
    with pytest.raises(ConfigurationError, match="modelarts:projectId"):
        wrong.delete(created.id, created.outs)
    assert live(emulator)["status"] == "RUNNING"


def test_a_wrong_endpoint_path_is_a_configuration_error_not_a_deletion(emulator: Emulator) -> None:
    created = make_provider(emulator).create(props())
    wrong = make_provider(emulator, **{"modelarts:endpoint": emulator.url + "/modelarts"})
    with pytest.raises(ConfigurationError, match="modelarts:endpoint"):
        wrong.read(created.id, created.outs)
    with pytest.raises(ConfigurationError, match="modelarts:endpoint"):
        wrong.delete(created.id, created.outs)
    assert live(emulator)["status"] == "RUNNING"


def plain_404(path_regex: str) -> dict:
    """What a proxy in front of the service may answer: 404, no error code, no body."""
    return {"method": "GET", "path_regex": path_regex, "status": 404, "body": None}


def test_a_plain_404_that_the_list_shares_is_a_configuration_error_not_a_deletion(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props())
    set_faults(emulator, plain_404(rf"/notebooks/{created.id}$"), plain_404(r"/notebooks$"))
    before = mark(emulator)
    with pytest.raises(ConfigurationError, match="modelarts:endpoint"):
        provider.read(created.id, created.outs)  # raising keeps the notebook in state
    with pytest.raises(ConfigurationError, match="modelarts:endpoint"):
        provider.delete(created.id, created.outs)
    lists = [r for r in emulator.requests()[before:] if r["path"].endswith("/notebooks")]
    assert lists and all(r["status"] == 404 for r in lists)  # the list was asked, and shared the 404
    assert emulator.calls(before) == [] and live(emulator)["status"] == "RUNNING"


def test_a_plain_404_on_the_notebooks_own_path_while_the_list_answers_is_gone(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props())
    set_faults(emulator, plain_404(rf"/notebooks/{created.id}$"))
    before = mark(emulator)
    assert provider.read(created.id, created.outs).id == ""
    provider.delete(created.id, created.outs)  # nothing to delete, and no error
    lists = [r for r in emulator.requests()[before:] if r["path"].endswith("/notebooks")]
    assert lists and all(r["status"] == 200 for r in lists)
    assert emulator.calls(before) == []


@pytest.mark.parametrize("style", ["6309", "404"])
def test_a_notebook_deleted_outside_is_gone_in_every_documented_form(
    provider: NotebookProvider, emulator: Emulator, style: str
) -> None:
    emulator.configure(not_found_style=style, keep_deleted=style == "404")
    created = provider.create(props(running=False))
    make_provider(emulator).delete(created.id, created.outs)  # as if by someone else
    provider.delete(created.id, created.outs)  # nothing left to do, and no error
    assert provider.read(created.id, created.outs).id == ""


# ---- updates the service refuses while running ---------------------------------------


def test_an_in_place_change_falls_back_to_a_restart_only_where_refused(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props(identity=IDENTITY))
    before = mark(emulator)
    provider.update(created.id, created.outs, props(identity=IDENTITY, description="now documented"))
    expected = ["update"] if profile == "lenient" else ["update", "stop", "update", "start"]
    assert emulator.calls(before) == expected
    assert live(emulator)["status"] == "RUNNING"
    assert live(emulator)["description"] == f"now documented [managed-by:{IDENTITY}]"  # the marker kept


def test_a_refused_in_place_change_with_allow_restart_false_changes_nothing(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props(identity=IDENTITY, allow_restart=False))
    news = props(identity=IDENTITY, allow_restart=False, description="now documented")
    before = mark(emulator)
    if profile == "lenient":  # not refused: changed in place, never restarted
        provider.update(created.id, created.outs, news)
        assert emulator.calls(before) == ["update"] and live(emulator)["status"] == "RUNNING"
        assert live(emulator)["description"] == f"now documented [managed-by:{IDENTITY}]"
        return
    as_created = live(emulator)["description"]
    with pytest.raises(ConfigurationError, match=r"allow_restart is false\. Nothing was changed"):
        provider.update(created.id, created.outs, news)
    assert emulator.calls(before) == ["update"] and live(emulator)["status"] == "RUNNING"
    assert live(emulator)["description"] == as_created


def test_storage_growth_while_running_falls_back_where_refused(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props())
    provider.update(created.id, created.outs, props(volume={"category": "EVS", "capacity": 50}))
    assert live(emulator)["volume"]["capacity"] == 50 and live(emulator)["status"] == "RUNNING"
    assert ("stop" in emulator.calls()) is (profile == "strict")


# ---- compare only what the service reports ----------------------------------------------


def test_a_dedicated_volume_is_never_replaced_for_what_the_service_omits(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    volume = {"category": "EFS", "ownership": "DEDICATED", "capacity": 100,
              "uri": "192.168.0.10:/share-01/team", "id": "8f6bd2f5-1c1d-4a8c-9d6e-0a1b2c3d4e5f"}
    created = provider.create(props(volume=volume))
    refreshed = provider.read(created.id, created.outs)
    diff = provider.diff(created.id, refreshed.outs, props(volume=volume))
    assert diff.replaces == [] and diff.changes is False


def test_equivalent_spellings_plan_no_change(provider: NotebookProvider) -> None:
    created = provider.create(props(endpoints=[SSH]))
    spelled = {**SSH, "service": "ssh", "allowed_access_ips": ["80.158.1.10/32"]}
    assert provider.diff(created.id, created.outs, props(endpoints=[spelled])).changes is False


# ---- failed states tell the truth ---------------------------------------------------------


def test_an_error_notebook_is_started_or_the_refusal_names_the_remedy(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props())
    emulator.force_status(created.id, "ERROR", fail_reason="disk failure")
    refreshed = provider.read(created.id, created.outs)
    if profile == "lenient":
        provider.update(created.id, refreshed.outs, props())
        assert live(emulator)["status"] == "RUNNING"
        return
    with pytest.raises(StartRefusedError) as refused:
        provider.update(created.id, refreshed.outs, props())
    message = str(refused.value)
    assert "ERROR" in message and "disk failure" in message and "--replace" in message
    assert "busy" not in message and live(emulator)["status"] == "ERROR"


# ---- run state follows the plan -----------------------------------------------------------


def test_ignored_drift_is_not_undone_by_an_unrelated_change(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props(run_state_drift="ignore"))
    emulator.force_status(created.id, "STOPPED")
    refreshed = provider.read(created.id, created.outs)
    before = mark(emulator)
    provider.update(created.id, refreshed.outs, props(run_state_drift="ignore", description="changed"))
    assert emulator.calls(before) == ["update"] and live(emulator)["status"] == "STOPPED"


def test_enforced_drift_is_undone(provider: NotebookProvider, emulator: Emulator) -> None:
    created = provider.create(props())
    emulator.force_status(created.id, "STOPPED")
    refreshed = provider.read(created.id, created.outs)
    assert provider.diff(created.id, refreshed.outs, props()).changes
    provider.update(created.id, refreshed.outs, props())
    assert live(emulator)["status"] == "RUNNING"


# ---- every mutating call survives a lost answer -------------------------------------------


LOST = [
    ("stop", "POST", r"/stop$", {}, {"running": False}),
    ("start", "POST", r"/start$", {"running": False}, {"running": True}),
    ("update", "PUT", r"/notebooks/[^/]+$", {"running": False}, {"running": False, "description": "changed"}),
    ("lease", "PATCH", r"/lease$", {}, {"auto_stop": {"duration": 7_200_000}}),
]


@pytest.mark.parametrize("reset", [False, True], ids=["5xx", "reset"])
@pytest.mark.parametrize("word, method, path, before, after", LOST, ids=[case[0] for case in LOST])
def test_a_lost_answer_is_read_back_not_failed(
    provider: NotebookProvider, emulator: Emulator, reset: bool, word: str, method: str, path: str,
    before: dict, after: dict,
) -> None:
    created = provider.create(props(**before))
    rule = {"method": method, "path_regex": path, "after_effect": True, "times": 1, "status": 502,
            "reset_connection": reset}
    set_faults(emulator, rule)
    start = mark(emulator)
    result = provider.update(created.id, created.outs, props(**{**before, **after}))
    calls = emulator.calls(start)
    assert calls.count(word) == 1, calls
    assert result.outs["status"] == ("STOPPED" if after.get("running") is False else "RUNNING")


@pytest.mark.parametrize("reset", [False, True], ids=["5xx", "reset"])
def test_a_lost_delete_answer_is_read_back(provider: NotebookProvider, emulator: Emulator, reset: bool) -> None:
    created = provider.create(props(running=False))
    set_faults(emulator, {"method": "DELETE", "path_regex": r"/notebooks/[^/]+$", "after_effect": True, "times": 1,
                          "status": 502, "reset_connection": reset})
    start = mark(emulator)
    provider.delete(created.id, created.outs)
    assert emulator.calls(start) == ["delete"] and emulator.notebooks() == []


def test_lost_mount_and_unmount_answers_are_read_back(provider: NotebookProvider, emulator: Emulator) -> None:
    mounts = [{"uri": "obs://team-bucket/data/", "mount_path": "/data/team/"}]
    created = provider.create(props())
    set_faults(emulator, {"method": "POST", "path_regex": r"/storage$", "after_effect": True, "times": 1,
                          "status": 502})
    mounted = provider.update(created.id, created.outs, props(obs_mounts=mounts))
    set_faults(emulator, {"method": "DELETE", "path_regex": r"/storage/", "after_effect": True, "times": 1,
                          "status": 502})
    provider.update(created.id, mounted.outs, props(obs_mounts=[]))
    assert emulator.calls().count("mount") == 1 and emulator.calls().count("unmount") == 1


def test_a_lost_create_answer_is_found_even_when_the_list_lags(provider: NotebookProvider, emulator: Emulator) -> None:
    emulator.configure(list_lag_seconds=2.0)
    set_faults(emulator, {"method": "POST", "path_regex": r"/notebooks$", "after_effect": True, "times": 1,
                          "status": 502})
    result = provider.create(props(identity=IDENTITY, timeouts={"create_lookup": 10}))
    assert emulator.calls().count("create") == 1
    assert [n["id"] for n in emulator.notebooks()] == [result.id]


# ---- what live-proven clients do ------------------------------------------------------------


def test_auto_stop_off_sends_minus_one_or_falls_back_to_the_longest_lease(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props(auto_stop={"enabled": False}))
    lease = live(emulator)["lease"]
    if profile == "lenient":
        assert lease["enable"] is False
        assert created.outs["auto_stop_at"] is None
    else:
        assert lease["enable"] is True and lease["duration"] >= 24 * 3_600_000


def test_delete_tries_delete_first_and_stops_only_when_told(
    provider: NotebookProvider, emulator: Emulator, profile: str
) -> None:
    created = provider.create(props())
    before = mark(emulator)
    provider.delete(created.id, created.outs)
    assert emulator.calls(before) == deleting_a_running_notebook(emulator) and emulator.notebooks() == []


def test_an_image_for_another_flavor_category_fails_at_check(provider: NotebookProvider, emulator: Emulator) -> None:
    result = provider.check({}, props(image_id=GPU_IMAGE))
    assert [f.property for f in result.failures] == ["image_id"]
    assert "GPU" in result.failures[0].reason and emulator.mutating() == []


def test_a_failed_request_with_no_effect_is_sent_again_a_bounded_number_of_times(
    provider: NotebookProvider, emulator: Emulator
) -> None:
    created = provider.create(props())
    set_faults(emulator, {"method": "POST", "path_regex": r"/stop$", "status": 502, "times": 1})
    stopped = provider.update(created.id, created.outs, props(running=False))
    # The fault answered before any effect: the live state shows none, so the stop is sent again, once.
    assert emulator.calls().count("stop") == 2 and stopped.outs["status"] == "STOPPED"
    set_faults(emulator, {"method": "POST", "path_regex": r"/start$", "status": 502})
    with pytest.raises(ModelArtsError, match="the live notebook shows no effect"):
        provider.update(created.id, stopped.outs, props(running=True))
