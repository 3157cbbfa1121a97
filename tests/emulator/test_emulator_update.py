"""PUT /notebooks/{id}: per-field state rules, flavor switching, disk growth."""

from __future__ import annotations

import pytest

from emulator_test_helpers import Api, assert_error

IMAGE_OTHER = "278e88d1-5b71-4766-8502-b3ba72e824d9"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"flavor": "modelarts.vm.cpu.8u"}, "flavor"),
        ({"image_id": IMAGE_OTHER}, "image_id"),
        ({"hooks": {"container_hooks": {"pre_start": {"script": "/home/ma-user/x.sh", "type": "script"}}}}, "hooks"),
    ],
)
def test_stopped_only_fields_refused_while_running(api: Api, body: dict[str, object], field: str) -> None:
    nb = api.running()
    error = assert_error(api.put(f"/notebooks/{nb['id']}", json=body), 400, "ModelArts.6347")
    assert error["error_msg"] == (
        f"When the instance is in the 'RUNNING' status, the '{field}' parameter cannot be modified."
    )


def test_running_allows_name_description_endpoints(api: Api) -> None:
    nb = api.running()
    body = {"name": "renamed", "description": "it's fine", "endpoints": [{"service": "SSH",
                                                                          "allowed_access_ips": ["1.1.1.1"]}]}
    response = api.put(f"/notebooks/{nb['id']}", json=body)
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert updated["name"] == "renamed" and updated["description"] == "it's fine"
    assert updated["status"] == "RUNNING"
    assert any(e["service"] == "SSH" and e["allowed_access_ips"] == ["1.1.1.1"] for e in updated["endpoints"])
    assert api.show(nb["id"])["name"] == "renamed"


def test_update_description_charset(api: Api) -> None:
    nb = api.stopped()
    for bad in ("a&b", "a<b", "a>b", 'a"b', "a/b"):
        assert_error(api.put(f"/notebooks/{nb['id']}", json={"description": bad}), 400, "ModelArts.6334")
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"name": "bad.name"}), 400, "ModelArts.6334")


def test_stopped_allows_flavor_image_hooks(api: Api) -> None:
    nb = api.stopped()
    body = {"flavor": "modelarts.vm.cpu.8u", "image_id": IMAGE_OTHER,
            "hooks": {"container_hooks": {"post_start": {"script": "ZWNobw==", "type": "command"}}}}
    updated = api.put(f"/notebooks/{nb['id']}", json=body).get_json()
    assert updated["flavor"] == "modelarts.vm.cpu.8u"
    assert updated["image"]["id"] == IMAGE_OTHER
    assert updated["hooks"]["container_hooks"]["post_start"]["type"] == "COMMAND"
    assert updated["status"] == "STOPPED"


def test_flavor_switch_rules(api: Api) -> None:
    nb = api.stopped()
    error = assert_error(api.put(f"/notebooks/{nb['id']}", json={"flavor": "modelarts.vm.gpu.v100"}),
                         400, "ModelArts.6792")
    assert nb["id"] in error["error_msg"] and "modelarts.vm.gpu.v100" in error["error_msg"]
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"flavor": "modelarts.nope"}), 400, "ModelArts.6323")
    # the instance's current flavor is not a change
    assert api.put(f"/notebooks/{nb['id']}", json={"flavor": "modelarts.vm.cpu.2u"}).status_code == 200
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"image_id": "nope"}), 400, "ModelArts.6797")


def test_switchable_flavors_list(api: Api) -> None:
    nb = api.create()
    body = api.get(f"/notebooks/{nb['id']}/flavors").get_json()
    ids = [f["id"] for f in body["data"]]
    assert ids == ["modelarts.vm.cpu.8u"]
    assert body["flavors"] == body["data"]
    assert body["total"] == 1


def test_any_update_in_transient_state(api: Api) -> None:
    nb = api.create()
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"name": "x"}), 400, "ModelArts.6357")
    assert_error(api.put(f"/notebooks/{nb['id']}", json={}), 400, "ModelArts.6357")


def test_storage_growth_stopped(api: Api) -> None:
    nb = api.stopped()  # EVS 50 GB
    updated = api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 500}).get_json()
    assert updated["volume"]["capacity"] == 500 and updated["volume"]["status"] == "RESIZING"
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 600}), 400, "ModelArts.6357")
    api.tick()
    assert "status" not in api.show(nb["id"])["volume"]
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 400}), 400, "ModelArts.6336")
    unchanged = api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 500}).get_json()
    assert unchanged["volume"]["capacity"] == 500 and "status" not in unchanged["volume"]
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 4097}), 400, "ModelArts.6331")
    assert api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 4096}).status_code == 200


def test_storage_growth_running_step(api: Api) -> None:
    nb = api.running()
    error = assert_error(api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 151}), 400, "ModelArts.6336")
    assert "storage_new_size" in error["error_msg"]
    updated = api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 150}).get_json()
    assert updated["volume"]["capacity"] == 150 and updated["status"] == "RUNNING"


def test_storage_growth_needs_evs(api: Api) -> None:
    nb = api.stopped(volume={"category": "efs", "ownership": "managed", "capacity": 50})
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 100}), 400, "ModelArts.6324")
    assert api.put(f"/notebooks/{nb['id']}", json={"storage_new_size": 50}).status_code == 200  # no change


def test_update_endpoints_validation(api: Api) -> None:
    nb = api.stopped()
    ips = [f"10.0.0.{i}" for i in range(6)]
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"endpoints": [{"allowed_access_ips": ips}]}),
                 400, "ModelArts.6336")
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"endpoints": [{"allowed_access_ips": ["nope"]}]}),
                 400, "ModelArts.6336")


def test_update_frozen(api: Api) -> None:
    nb = api.stopped()
    api.client.post(f"/_emulator/notebooks/{nb['id']}/status", json={"status": "FROZEN"})
    assert_error(api.put(f"/notebooks/{nb['id']}", json={"name": "x"}), 400, "ModelArts.6326")
