"""Create, start, stop, delete, lease: the state machine with time."""

from __future__ import annotations

from typing import Any

import pytest

from emulator_test_helpers import Api, assert_error, create_body

T0 = 1_700_000_000_000
HOUR = 3_600_000


def history(api: Api, notebook_id: str) -> list[tuple[str, int]]:
    inventory = api.client.get("/_emulator/notebooks").get_json()["notebooks"]
    [nb] = [n for n in inventory if n["id"] == notebook_id]
    return [(h["status"], h["at_ms"]) for h in nb["history"]]


# create -----------------------------------------------------------------------


def test_create_then_running(api: Api) -> None:
    nb = api.create()
    assert nb["status"] == "CREATING"
    assert "url" not in nb
    assert nb["token"] and nb["create_at"] == T0
    assert nb["lease"] == {"create_at": T0, "duration": HOUR, "enable": True, "type": "TIMING", "update_at": T0}
    assert nb["volume"] == {"category": "EVS", "ownership": "MANAGED", "capacity": 50,
                            "mount_path": "/home/ma-user/work/", "read_only": False}
    assert nb["image"]["id"] == "e1a07296-22a8-4f05-8bc8-e936c8e54090"
    assert nb["image"]["name"] == "notebook2.0-mul-kernel-cpu-cp36"

    api.tick(0.5)
    assert api.show(nb["id"])["status"] == "CREATING"
    api.tick(10)  # observed late: the status still flips at T0 + 1 s
    shown = api.show(nb["id"])
    assert shown["status"] == "RUNNING"
    assert shown["url"] == f"https://authoring-modelarts-eu-de.emulator.local/{nb['id']}/lab"
    assert shown["token"] == nb["token"]
    assert shown["lease"]["update_at"] == T0 + 1000
    assert shown["lease"]["duration"] == 1000 + HOUR
    assert history(api, nb["id"]) == [("CREATING", T0), ("RUNNING", T0 + 1000)]


def test_create_with_lease_and_deprecated_duration(api: Api) -> None:
    nb = api.create(lease={"duration": 2 * HOUR, "type": "idle"})
    assert nb["lease"]["duration"] == 2 * HOUR and nb["lease"]["type"] == "IDLE"
    api.tick()
    assert api.show(nb["id"])["lease"]["duration"] == 1000 + 2 * HOUR
    nb = api.create(lease={"duration": 2 * HOUR, "type": "idle"}, duration=3 * HOUR)
    assert nb["lease"]["duration"] == 3 * HOUR and nb["lease"]["type"] == "TIMING"


def test_zero_transition_settles_on_next_read(api: Api) -> None:
    assert api.client.post("/_emulator/config", json={"transition_seconds": 0}).status_code == 200
    nb = api.create()
    assert nb["status"] == "CREATING"
    assert api.show(nb["id"])["status"] == "RUNNING"
    assert api.post(f"/notebooks/{nb['id']}/stop").get_json()["status"] == "STOPPING"
    assert api.show(nb["id"])["status"] == "STOPPED"


def test_duplicate_names_allowed(api: Api) -> None:
    a, b = api.create(name="same"), api.create(name="same")
    assert a["id"] != b["id"]


def test_quota(api: Api) -> None:
    api.client.post("/_emulator/config", json={"max_notebooks": 2})
    api.create()
    api.create()
    assert_error(api.post("/notebooks", json=create_body()), 400, "ModelArts.6302")


@pytest.mark.parametrize(
    "change, code, needle",
    [
        ({"name": None}, "ModelArts.6335", "'name'"),
        ({"flavor": None}, "ModelArts.6335", "'flavor'"),
        ({"image_id": None}, "ModelArts.6335", "'image_id'"),
        ({"volume": None}, "ModelArts.6335", "'volume'"),
        ({"name": "bad name"}, "ModelArts.6334", "name"),
        ({"name": "x" * 129}, "ModelArts.6336", "'name'"),
        ({"name": 5}, "ModelArts.6332", "'name'"),
        ({"description": "it's"}, "ModelArts.6334", "description"),
        ({"description": "a/b"}, "ModelArts.6334", "description"),
        ({"description": "x" * 513}, "ModelArts.6336", "'description'"),
        ({"flavor": "modelarts.vm.cpu.99u"}, "ModelArts.6323", "flavor"),
        ({"flavor": "modelarts.vm.gpu.t4"}, "ModelArts.6329", "sold out"),
        ({"flavor": "modelarts.vm.cpu.free"}, "ModelArts.6870", "modelarts.vm.cpu.free"),
        ({"image_id": "00000000-0000-0000-0000-000000000000"}, "ModelArts.6797", "00000000"),
        ({"feature": "OTHER"}, "ModelArts.6336", "'feature'"),
        ({"volume": {"category": "obs", "ownership": "managed"}}, "ModelArts.6324", "location type"),
        ({"volume": {"ownership": "managed"}}, "ModelArts.6335", "'category'"),
        ({"volume": {"category": "evs"}}, "ModelArts.6335", "'ownership'"),
        ({"volume": {"category": "evs", "ownership": "mine"}}, "ModelArts.6336", "'ownership'"),
        ({"volume": {"category": "evs", "ownership": "dedicated"}}, "ModelArts.6336", "'ownership'"),
        ({"volume": {"category": "efs", "ownership": "dedicated", "id": "x"}}, "ModelArts.6335", "'uri'"),
        ({"volume": {"category": "evs", "ownership": "managed", "capacity": 4}}, "ModelArts.6331", "5 GB to 4096"),
        ({"volume": {"category": "evs", "ownership": "managed", "capacity": 4097}}, "ModelArts.6331", "4096"),
        ({"endpoints": [{"service": "SSH", "allowed_access_ips": [f"1.1.1.{i}" for i in range(6)]}]},
         "ModelArts.6336", "'allowed_access_ips'"),
        ({"lease": {"duration": HOUR - 1}}, "ModelArts.6349", "3600000 to 86400000"),
        ({"lease": {"duration": 24 * HOUR + 1}}, "ModelArts.6349", "86400000"),
        ({"duration": 60_000}, "ModelArts.6349", "duration"),
        ({"lease": {"type": "sometimes"}}, "ModelArts.6336", "'type'"),
        ({"image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54103", "flavor": "modelarts.vm.gpu.p100"},
         "ModelArts.6768", "SSH"),
        ({"image_id": "e1a07296-22a8-4f05-8bc8-e936c8e54103"}, "ModelArts.6330", "supports GPU"),
    ],
)
def test_create_validation(api: Api, change: dict[str, Any], code: str, needle: str) -> None:
    body = create_body()
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    error = assert_error(api.post("/notebooks", json=body), 400, code)
    assert needle in error["error_msg"]
    assert api.client.get("/_emulator/notebooks").get_json()["notebooks"] == []


def test_create_accepts_any_case_and_dedicated_efs(api: Api) -> None:
    nb = api.create(volume={"category": "Efs", "ownership": "Dedicated", "uri": "sfs://share/", "id": "sfs-1"},
                    feature="notebook", endpoints=[{"service": "ssh", "key_pair_names": ["kp"],
                                                    "allowed_access_ips": ["1.2.3.4"]}])
    assert nb["volume"]["category"] == "EFS" and nb["volume"]["ownership"] == "DEDICATED"
    assert nb["volume"]["capacity"] == 50
    assert nb["feature"] == "NOTEBOOK"
    assert nb["endpoints"][0]["service"] == "SSH" and nb["endpoints"][0]["ssh_keys"] == ["kp"]
    evs = api.create(volume={"category": "EVS", "ownership": "MANAGED"})
    assert evs["volume"]["capacity"] == 5


def test_create_rejects_non_json(api: Api) -> None:
    assert_error(api.post("/notebooks", data="{", content_type="application/json"), 400, "ModelArts.6400")
    assert_error(api.post("/notebooks", json=[1]), 400, "ModelArts.6400")


# stop / start -----------------------------------------------------------------


def test_stop_and_its_rejections(api: Api) -> None:
    nb = api.create()
    assert_error(api.post(f"/notebooks/{nb['id']}/stop"), 400, "ModelArts.6357")  # CREATING
    api.tick()
    stopping = api.post(f"/notebooks/{nb['id']}/stop")
    assert stopping.status_code == 200 and stopping.get_json()["status"] == "STOPPING"
    assert_error(api.post(f"/notebooks/{nb['id']}/stop"), 400, "ModelArts.6308")
    api.tick()
    assert api.show(nb["id"])["status"] == "STOPPED"
    assert_error(api.post(f"/notebooks/{nb['id']}/stop"), 400, "ModelArts.6307")
    api.post(f"/notebooks/{nb['id']}/start")
    assert_error(api.post(f"/notebooks/{nb['id']}/stop"), 400, "ModelArts.6306")


def test_start_and_its_rejections(api: Api) -> None:
    nb = api.create()
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6357")  # CREATING
    api.tick()
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6305")
    api.post(f"/notebooks/{nb['id']}/stop")
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6308")
    api.tick()
    started = api.post(f"/notebooks/{nb['id']}/start", json={})
    assert started.status_code == 200 and started.get_json()["status"] == "STARTING"
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6306")
    api.tick()
    assert api.show(nb["id"])["status"] == "RUNNING"


def test_start_from_frozen_and_start_failed(api: Api) -> None:
    nb = api.stopped()
    api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "FROZEN"})
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6326")
    api.client.post(f"/_emulator/notebooks/{nb['id']}/status",
                    json={"status": "START_FAILED", "fail_reason": "no capacity"})
    shown = api.show(nb["id"])
    assert shown["status"] == "START_FAILED" and shown["fail_reason"] == "no capacity"
    assert api.post(f"/notebooks/{nb['id']}/start").get_json()["status"] == "STARTING"


def test_start_rotates_token_and_resets_lease(api: Api) -> None:
    nb = api.stopped()  # created T0, RUNNING T0+1s, STOPPED T0+2s
    old_token = nb["token"]
    api.tick(100)
    started = api.post(f"/notebooks/{nb['id']}/start", data="")
    body = started.get_json()
    now = T0 + 102_000
    assert body["token"] != old_token
    assert body["lease"]["update_at"] == now
    assert body["lease"]["duration"] == (now - T0) + HOUR
    api.tick()
    shown = api.show(nb["id"])
    assert shown["status"] == "RUNNING" and shown["token"] == body["token"]
    assert shown["lease"]["duration"] == (now + 1000 - T0) + HOUR


def test_start_with_duration_and_type(api: Api) -> None:
    nb = api.stopped()
    body = api.post(f"/notebooks/{nb['id']}/start?duration={2 * HOUR}&type=idle").get_json()
    assert body["lease"]["type"] == "IDLE"
    assert body["lease"]["duration"] == (T0 + 2000 - T0) + 2 * HOUR
    assert_error(api.post(f"/notebooks/{nb['id']}/start?duration=5"), 400, "ModelArts.6349")


def test_not_found_everywhere(api: Api) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path in [("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/start"), ("POST", "/stop"),
                         ("GET", "/lease"), ("PATCH", "/lease"), ("GET", "/flavors"), ("GET", "/storage")]:
        response = api.call(method, f"/notebooks/{missing}{path}", json={})
        assert_error(response, 400, "ModelArts.6309")


# lease ------------------------------------------------------------------------


def test_lease_only_while_running(api: Api) -> None:
    nb = api.create()
    assert_error(api.get(f"/notebooks/{nb['id']}/lease"), 400, "ModelArts.6327")
    assert_error(api.patch(f"/notebooks/{nb['id']}/lease", json={"duration": HOUR}), 400, "ModelArts.6327")
    api.tick()
    lease = api.get(f"/notebooks/{nb['id']}/lease").get_json()
    assert lease == {"create_at": T0, "duration": 1000 + HOUR, "enable": True, "type": "TIMING",
                     "update_at": T0 + 1000}


def test_renew_arithmetic(api: Api) -> None:
    nb = api.running()
    api.tick(1000)
    now = T0 + 1_001_000
    lease = api.patch(f"/notebooks/{nb['id']}/lease", json={"duration": 2 * HOUR, "type": "idle"}).get_json()
    assert lease["update_at"] == now and lease["duration"] == (now - T0) + 2 * HOUR and lease["type"] == "IDLE"
    # the query duration wins over the body
    lease = api.patch(f"/notebooks/{nb['id']}/lease?duration={HOUR}", json={"duration": 5 * HOUR}).get_json()
    assert lease["duration"] == (now - T0) + HOUR and lease["type"] == "TIMING"
    assert_error(api.patch(f"/notebooks/{nb['id']}/lease", json={}), 400, "ModelArts.6348")
    assert_error(api.patch(f"/notebooks/{nb['id']}/lease", json={"duration": 1}), 400, "ModelArts.6349")
    assert_error(api.patch(f"/notebooks/{nb['id']}/lease?duration=99999999999"), 400, "ModelArts.6349")


def test_lease_expiry_auto_stops(api: Api) -> None:
    nb = api.running()  # RUNNING at T0+1s, expires at T0+1s+1h
    expiry = T0 + 1000 + HOUR
    api.tick(HOUR / 1000 - 1)
    assert api.show(nb["id"])["status"] == "RUNNING"
    api.tick(1.5)
    assert api.show(nb["id"])["status"] == "STOPPING"
    api.tick(5)
    assert api.show(nb["id"])["status"] == "STOPPED"
    assert history(api, nb["id"])[-2:] == [("STOPPING", expiry), ("STOPPED", expiry + 1000)]
    inventory = api.client.get("/_emulator/notebooks").get_json()["notebooks"]
    assert inventory[0]["history"][-1]["cause"] == "lease"


def test_lease_expiry_seen_long_after(api: Api) -> None:
    nb = api.running()
    api.tick(10 * 3600)
    assert api.show(nb["id"])["status"] == "STOPPED"


def test_renew_postpones_expiry(api: Api) -> None:
    nb = api.running()
    api.tick(3000)
    api.patch(f"/notebooks/{nb['id']}/lease", json={"duration": HOUR})
    api.tick(3000)
    assert api.show(nb["id"])["status"] == "RUNNING"


# delete -----------------------------------------------------------------------


def test_delete_rules(api: Api) -> None:
    api.client.post("/_emulator/config", json={"delete_running": False})
    nb = api.create()
    assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6357")  # CREATING
    api.tick()
    error = assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6304")
    assert "stop the instance before deleting" in error["error_msg"]
    api.post(f"/notebooks/{nb['id']}/stop")
    assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6357")  # STOPPING
    api.tick()
    deleting = api.delete(f"/notebooks/{nb['id']}")
    assert deleting.status_code == 200 and deleting.get_json()["status"] == "DELETING"
    assert api.show(nb["id"])["status"] == "DELETING"
    assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6357")
    api.tick()
    assert_error(api.get(f"/notebooks/{nb['id']}"), 400, "ModelArts.6309")
    assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6309")


def test_delete_failed_states(api: Api) -> None:
    nb = api.create()
    api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "CREATE_FAILED"})
    assert api.delete(f"/notebooks/{nb['id']}").get_json()["status"] == "DELETING"


def test_not_found_style_404(api: Api) -> None:
    api.client.post("/_emulator/config", json={"not_found_style": "404"})
    assert_error(api.get("/notebooks/nope"), 404, "ModelArts.6309")
    assert_error(api.post("/notebooks/nope/stop"), 404, "ModelArts.6309")


def test_keep_deleted(api: Api) -> None:
    api.client.post("/_emulator/config", json={"keep_deleted": True})
    nb = api.stopped()
    api.delete(f"/notebooks/{nb['id']}")
    api.tick()
    shown = api.show(nb["id"])
    assert shown["status"] == "DELETED"
    assert_error(api.post(f"/notebooks/{nb['id']}/start"), 400, "ModelArts.6309")
    assert_error(api.delete(f"/notebooks/{nb['id']}"), 400, "ModelArts.6309")
    # a deleted record does not use quota
    api.client.post("/_emulator/config", json={"max_notebooks": 1})
    api.create()


def test_deleted_record_frees_quota(api: Api) -> None:
    api.client.post("/_emulator/config", json={"max_notebooks": 1})
    nb = api.stopped()
    assert_error(api.post("/notebooks", json=create_body()), 400, "ModelArts.6302")
    api.delete(f"/notebooks/{nb['id']}")
    api.tick()
    api.create()
