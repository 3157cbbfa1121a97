"""The readings: each switch under both values, and the profiles that set them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from emulator import Settings
from emulator.__main__ import parse_args, reading_overrides
from emulator.settings import PROFILES, READINGS
from emulator_test_helpers import Api, assert_error, create_body

HOUR = 3_600_000
EFS_DEDICATED = {"category": "EFS", "ownership": "DEDICATED", "uri": "192.168.0.1:/share-1", "id": "share-1"}
GPU_ONLY_IMAGE = "e1a07296-22a8-4f05-8bc8-e936c8e54092"
NO_CATEGORY_IMAGE = "59a6e9f5-93c0-44dd-85b0-82f390c5d53a"


def configure(api: Api, **values: Any) -> dict[str, Any]:
    response = api.client.post("/_emulator/config", json=values)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def listed_ids(api: Api, query: str = "") -> list[str]:
    response = api.get(f"/notebooks{query}")
    assert response.status_code == 200, response.get_json()
    return [nb["id"] for nb in response.get_json()["data"]]


# update_while_running ---------------------------------------------------------


def test_update_while_running_lenient(api: Api) -> None:
    nb = api.running()
    for body in ({"name": "renamed"}, {"description": "new"}, {"storage_new_size": 60}):
        assert api.put(f"/notebooks/{nb['id']}", json=body).status_code == 200


@pytest.mark.parametrize("body", [{"name": "renamed"}, {"storage_new_size": 60}, {"endpoints": []}, {}])
def test_update_while_running_strict(api: Api, body: dict[str, Any]) -> None:
    configure(api, update_while_running=False)
    nb = api.running()
    assert_error(api.put(f"/notebooks/{nb['id']}", json=body), 400, "ModelArts.6347")
    assert api.show(nb["id"])["name"] == "notebooks_test"


def test_update_when_stopped_strict(api: Api) -> None:
    configure(api, update_while_running=False)
    nb = api.stopped()
    response = api.put(f"/notebooks/{nb['id']}", json={"name": "renamed", "storage_new_size": 60})
    assert response.status_code == 200 and response.get_json()["name"] == "renamed"


# report_volume_ids ------------------------------------------------------------


@pytest.mark.parametrize("report", [True, False])
def test_report_volume_ids(api: Api, report: bool) -> None:
    configure(api, report_volume_ids=report)
    created = api.create(volume=EFS_DEDICATED)
    # The create answer echoes what was asked in both readings.
    assert created["volume"]["uri"] == EFS_DEDICATED["uri"] and created["volume"]["id"] == "share-1"
    shown = api.show(created["id"])["volume"]
    [listed] = [nb["volume"] for nb in api.get("/notebooks").get_json()["data"]]
    for volume in (shown, listed):
        assert volume["category"] == "EFS" and volume["ownership"] == "DEDICATED"
        assert ("uri" in volume, "id" in volume) == (report, report)


# start_from_error -------------------------------------------------------------


def _force(api: Api, notebook_id: str, status: str) -> None:
    response = api.client.post(f"/_emulator/notebooks/{notebook_id}/status", json={"status": status})
    assert response.status_code == 200


def test_start_from_error_lenient(api: Api) -> None:
    nb = api.stopped()
    _force(api, nb["id"], "ERROR")
    assert api.post(f"/notebooks/{nb['id']}/start").get_json()["status"] == "STARTING"
    api.tick()
    assert api.show(nb["id"])["status"] == "RUNNING"


def test_start_from_error_strict(api: Api) -> None:
    configure(api, start_from_error=False)
    nb = api.stopped()
    _force(api, nb["id"], "ERROR")
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6357")
    _force(api, nb["id"], "START_FAILED")
    assert api.post(f"/notebooks/{nb['id']}/start").get_json()["status"] == "STARTING"


# list_lag_seconds -------------------------------------------------------------


LIST_QUERIES = ("", "?name=notebooks", "?status=CREATING", "?limit=50&offset=0")


def test_no_list_lag(api: Api) -> None:
    nb = api.create()
    for query in LIST_QUERIES:
        assert listed_ids(api, query) == [nb["id"]]


def test_list_lag(api: Api) -> None:
    configure(api, list_lag_seconds=2.0)
    old = api.create()
    api.tick(2)
    new = api.create()
    assert api.show(new["id"])["id"] == new["id"]  # by id at once
    for query in ("", "?name=notebooks", "?limit=50&offset=0"):
        assert listed_ids(api, query) == [old["id"]]
    assert [nb["id"] for nb in api.get("/notebooks/all").get_json()["data"]] == [old["id"]]
    assert listed_ids(api, "?status=CREATING") == []
    assert api.get("/notebooks").get_json()["total"] == 1
    api.tick(1.999)
    assert listed_ids(api) == [old["id"]]
    api.tick(0.001)
    assert set(listed_ids(api)) == {old["id"], new["id"]}


# max_page_size ----------------------------------------------------------------


def test_no_page_cap(api: Api) -> None:
    for _ in range(5):
        api.create()
    body = api.get("/notebooks?limit=10").get_json()
    assert (len(body["data"]), body["size"], body["pages"], body["total"]) == (5, 10, 1, 5)


def test_page_cap(api: Api) -> None:
    configure(api, max_page_size=3)
    ids = {api.create()["id"] for _ in range(5)}
    first = api.get("/notebooks?limit=10").get_json()
    assert (len(first["data"]), first["size"], first["pages"], first["total"], first["current"]) == (3, 3, 2, 5, 0)
    second = api.get("/notebooks?limit=10&offset=3").get_json()
    assert (len(second["data"]), second["current"]) == (2, 1)
    assert {nb["id"] for nb in first["data"] + second["data"]} == ids
    assert api.get("/notebooks?limit=10&offset=5").get_json()["data"] == []
    small = api.get("/notebooks?limit=2").get_json()
    assert (len(small["data"]), small["size"]) == (2, 2)
    assert len(api.get("/notebooks").get_json()["data"]) == 3  # the default limit 10 is capped too


# delete_running ---------------------------------------------------------------


def test_delete_running_lenient(api: Api) -> None:
    nb = api.running()
    deleting = api.delete(f"/notebooks/{nb['id']}")
    assert deleting.status_code == 200 and deleting.get_json()["status"] == "DELETING"
    api.tick()
    assert_error(api.get(f"/notebooks/{nb['id']}"), 400, "ModelArts.6309")


def test_delete_running_strict(api: Api) -> None:
    configure(api, delete_running=False)
    nb = api.running()
    assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6304")
    assert api.show(nb["id"])["status"] == "RUNNING"


# lease_off_accepted -----------------------------------------------------------


@pytest.mark.parametrize("lease", [{"duration": -1}, {"lease": {"duration": -1}}])
def test_lease_off_on_create(api: Api, lease: dict[str, Any]) -> None:
    nb = api.create(**lease)
    assert nb["lease"]["enable"] is False
    api.tick(20 * 3600)  # far past the default 1 h lease (tokens last 24 h)
    shown = api.show(nb["id"])
    assert shown["status"] == "RUNNING" and shown["lease"]["enable"] is False


def test_lease_off_on_start_and_back_on(api: Api) -> None:
    nb = api.stopped()
    assert api.post(f"/notebooks/{nb['id']}/start?duration=-1").get_json()["lease"]["enable"] is False
    api.tick(20 * 3600)
    assert api.show(nb["id"])["status"] == "RUNNING"
    api.post(f"/notebooks/{nb['id']}/stop")
    api.tick()
    started = api.post(f"/notebooks/{nb['id']}/start?duration={HOUR}").get_json()
    assert started["lease"]["enable"] is True
    api.tick(1 + HOUR / 1000)
    assert api.show(nb["id"])["status"] in ("STOPPING", "STOPPED")


def test_lease_off_refused_strict(api: Api) -> None:
    configure(api, lease_off_accepted=False)
    assert_error(api.post("/notebooks", json=create_body(duration=-1)), 400, "ModelArts.6349")
    assert_error(api.post("/notebooks", json=create_body(lease={"duration": -1})), 400, "ModelArts.6349")
    nb = api.stopped()
    assert_error(api.post(f"/notebooks/{nb['id']}/start?duration=-1"), 400, "ModelArts.6349")


# image and flavor categories (both profiles) ----------------------------------


@pytest.mark.parametrize("profile", list(PROFILES))
def test_image_must_fit_the_flavor_category(api: Api, profile: str) -> None:
    configure(api, profile=profile)
    error = assert_error(api.post("/notebooks", json=create_body(image_id=GPU_ONLY_IMAGE)), 400, "ModelArts.6330")
    assert GPU_ONLY_IMAGE in error["error_msg"] and "modelarts.vm.cpu.2u" in error["error_msg"]
    assert api.create(image_id=GPU_ONLY_IMAGE, flavor="modelarts.vm.gpu.p100")["status"] == "CREATING"
    assert api.create(image_id=NO_CATEGORY_IMAGE)["status"] == "CREATING"
    nb = api.stopped()
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"image_id": GPU_ONLY_IMAGE}), 400, "ModelArts.6330")
    assert api.show(nb["id"])["image"]["id"] == nb["image"]["id"]


# profiles ---------------------------------------------------------------------


def test_profile_through_config(client: FlaskClient) -> None:
    shown = client.get("/_emulator/config").get_json()
    assert shown["profile"] == "lenient"
    assert {key: shown[key] for key in READINGS} == PROFILES["lenient"]
    strict = client.post("/_emulator/config", json={"profile": "strict"}).get_json()
    assert {key: strict[key] for key in READINGS} == PROFILES["strict"] and strict["profile"] == "strict"
    mixed = client.post("/_emulator/config", json={"delete_running": True, "profile": "strict"}).get_json()
    assert mixed["delete_running"] is True and mixed["update_while_running"] is False
    client.post("/_emulator/reset")
    assert client.get("/_emulator/config").get_json()["delete_running"] is True  # reset keeps settings
    back = client.post("/_emulator/config", json={"profile": "lenient"}).get_json()
    assert {key: back[key] for key in READINGS} == PROFILES["lenient"]


@pytest.mark.parametrize("body", [{"profile": "paranoid"}, {"delete_running": "no"}, {"max_page_size": -1},
                                  {"list_lag_seconds": -0.5}, {"list_lag_seconds": True}])
def test_bad_reading_values_change_nothing(client: FlaskClient, body: dict[str, Any]) -> None:
    before = client.get("/_emulator/config").get_json()
    assert client.post("/_emulator/config", json={"profile": "strict", **body}).status_code == 400
    assert client.get("/_emulator/config").get_json() == before


def test_profile_on_the_command_line() -> None:
    strict = parse_args(["--profile", "strict"])
    settings = Settings.for_profile(strict.profile, **reading_overrides(strict))
    assert {key: getattr(settings, key) for key in READINGS} == PROFILES["strict"]
    mixed = parse_args(["--delete-running", "--profile", "strict", "--max-page-size", "7"])
    settings = Settings.for_profile(mixed.profile, **reading_overrides(mixed))
    assert settings.delete_running is True and settings.max_page_size == 7 and settings.start_from_error is False
    lenient = parse_args(["--no-lease-off-accepted", "--list-lag-seconds", "0.5"])
    settings = Settings.for_profile(lenient.profile, **reading_overrides(lenient))
    assert settings.lease_off_accepted is False and settings.list_lag_seconds == 0.5
    assert settings.delete_running is True and settings.profile == "lenient"


def test_profile_in_process() -> None:
    assert {key: getattr(Settings(profile="strict"), key) for key in READINGS} == PROFILES["strict"]
    assert {key: getattr(Settings(), key) for key in READINGS} == PROFILES["lenient"]
    assert Settings.for_profile("strict", delete_running=True, port=0).delete_running is True
    with pytest.raises(ValueError):
        Settings(profile="paranoid")
